/**
 * Runs one scenario against a lab: warm-up → baseline (each check's value recorded) → inject (fault
 * engine, journalled) → load during the fault → manifestation checks (observed vs baseline) → revert →
 * recovery checks for the settle window, with evidence snapshots before / during / after. The fault is
 * reverted whatever happens (success, failure, abort); a crash is reverted by the next start through the
 * journal. A run counts as manifested only when every manifestation check held at some point — among
 * them a user-facing one measured against the baseline (the schema requires one) — so a fault that did
 * not hurt users is reported as "did-not-manifest", never as a pass. A scenario's `setup:` is applied
 * to the lab first when it lacks it (a lab started by `sockshop-lab up`) and restored at the end
 * (runner-setup.ts).
 *
 * With an `agent` (the evaluator), the run id and folder are opaque (no scenario name) and, once the
 * fault has manifested, the runner hands over to the agent while the load continues; the recovery
 * checks are then evaluated WITHOUT reverting ("mitigation": the agent's work), and only after that is
 * the fault reverted and the lab verified as usual.
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FaultEngine } from '../faults/engine.js';
import { startLoad, type LoadOptions, type LoadRun, type LoadSnapshot } from '../load/runner.js';
import type { Profile } from '../load/profile.js';
import { captureSnapshot, saveSnapshot } from '../telemetry/evidence/index.js';
import {
  COMPARE,
  CheckTracker,
  effectiveThreshold,
  evaluateCheck,
  readBaselineCheck,
  type QueryFn,
  type StateFn,
} from './checks.js';
import { formatDuration } from './duration.js';
import type { LoadedScenario } from './load.js';
import type { RunLab } from './runner-lab.js';
import { writeRunFolder } from './runner-report.js';
import { applySetup, type AppliedSetup } from './runner-setup.js';
import type { LoadSpec, ScenarioCheck } from './schema.js';
import { stateReader } from './state.js';

export type Verdict = 'manifested' | 'did-not-manifest' | 'error';

/** How long each phase lasts. `compressed` (default) shortens the files' figures to about a minute. */
export interface Pace {
  warmupMs: number;
  /**
   * Warm-up when the scenario's setup rolled deployments: their new pods start cold (JIT, caches), and
   * the baseline's 1m windows must not see that start.
   */
  warmupAfterSetupMs: number;
  baselineMs: number;
  /** Longest manifestation window. */
  manifestWithinMs: number;
  /** Longest `for` of a check. */
  maxForMs: number;
  recoveryWithinMs: number;
  settleMs: number;
  /** A control run's quiet "fault" phase. */
  controlFaultMs: number;
  pollMs: number;
}

export const COMPRESSED: Pace = {
  warmupMs: 10_000,
  warmupAfterSetupMs: 60_000,
  baselineMs: 15_000,
  manifestWithinMs: 90_000,
  maxForMs: 10_000,
  recoveryWithinMs: 90_000,
  settleMs: 15_000,
  controlFaultMs: 20_000,
  pollMs: 2000,
};

/** The scenario's own figures (no cap). */
export const REAL_TIME: Pace = {
  warmupMs: Infinity,
  warmupAfterSetupMs: 60_000,
  baselineMs: Infinity,
  manifestWithinMs: Infinity,
  maxForMs: Infinity,
  recoveryWithinMs: Infinity,
  settleMs: Infinity,
  controlFaultMs: 60_000,
  pollMs: 5000,
};

/** `pace` with warm-up, baseline, the control window, check windows and settle capped at `capMs` (quick trial runs). */
export function cappedPace(pace: Pace, capMs: number): Pace {
  const cap = (ms: number) => Math.min(ms, capMs);
  return {
    ...pace,
    warmupMs: cap(pace.warmupMs),
    warmupAfterSetupMs: cap(pace.warmupAfterSetupMs),
    baselineMs: cap(pace.baselineMs),
    controlFaultMs: cap(pace.controlFaultMs),
    maxForMs: cap(pace.maxForMs),
    settleMs: cap(pace.settleMs),
  };
}

export interface CheckReport {
  id: string;
  /** "mitigation" = the recovery checks while (and after) an agent worked, before any revert. */
  phase: 'manifestation' | 'mitigation' | 'recovery';
  kind: 'promql' | 'state';
  expr: string;
  userFacing: boolean;
  description?: string;
  op: ScenarioCheck['op'];
  /** The check's value at the end of the baseline phase. */
  baselineValue?: number;
  /** Whether the condition already held at baseline (then it proves nothing about the fault). */
  heldAtBaseline?: boolean;
  threshold?: number;
  passed: boolean;
  /** First time the check held for its whole window. */
  passedAt?: string;
  /** Value at the last evaluation (or when it passed). */
  observed?: number;
  message: string;
  error?: string;
}

export interface RunResult {
  scenario: string;
  title: string;
  control: boolean;
  runDir?: string;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  verdict: Verdict;
  /** Recovery checks held for the settle window after the revert (false when kept or not reached). */
  recovered: boolean;
  /** A control run is correct when nothing manifested and the SLOs held; a fault run when it manifested and recovered. */
  correct: boolean;
  kept: boolean;
  error?: string;
  checks: CheckReport[];
  timeline: TimelineRecord[];
  load?: { before?: LoadSnapshot; final?: LoadSnapshot };
  evidence: string[];
  /** The run id (opaque with an agent: time + random hex). */
  runId: string;
  /** When the fault phase began (first step applied, or the control window). */
  injectedAt?: string;
  revertedAt?: string;
  agent?: AgentPhaseReport;
}

/** What the agent phase of a run measured. */
export interface AgentPhaseReport {
  startedAt: string;
  endedAt: string;
  budgetMs: number;
  /** The agent was still working when its budget ended. */
  timedOut: boolean;
  error?: string;
  /** The recovery checks held together for the settle window before any revert. */
  mitigated: boolean;
  /** Start of the window in which they held (the first poll at which all of them held). */
  holdingSince?: string;
}

/** What the runner hands an agent: the lab, its time budget, and a way to add to the run's timeline. */
export interface AgentSession {
  /** Opaque (no scenario name). */
  runId: string;
  /** The run's folder while the agent works (opaque name; absent when nothing is written). */
  runDir?: string;
  lab: RunLab;
  /** When the fault phase began (ms since epoch). */
  injectedAt: number;
  /** When the agent's budget ends (ms since epoch). */
  deadline: number;
  /** Aborted when the budget ends or the run is aborted. */
  signal: AbortSignal;
  /** Adds an entry to the run's timeline (a tool call, a step of reasoning); `marker` labels it on charts. */
  record(entry: TimelineRecord & { marker?: string }): void;
  log(line: string): void;
}

export interface TimelineRecord {
  at: string;
  event: string;
  detail?: string;
}

export interface RunOptions {
  lab: RunLab;
  /** Folder for run folders (default ./runs); null = write nothing. */
  runsDir?: string | null;
  pace?: Pace;
  keep?: boolean;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Render PNG charts besides the SVGs (needs Chromium). */
  png?: boolean;
  /** Hands the run to an agent after the fault manifested (see AgentSession). */
  agent?: (session: AgentSession) => Promise<void>;
  /** The agent's time budget (default 5 min). */
  agentBudgetMs?: number;
}

export const DEFAULT_AGENT_BUDGET_MS = 300_000;
/** How long the runner waits for an agent to stop after its budget ended. */
const AGENT_STOP_GRACE_MS = 10_000;
/**
 * After the agent is done: at most this long (or the scenario's recovery window, if shorter) for the
 * checks to start holding. Recovery checks mostly read 1 m rates, so a fix shows in them only a window
 * later: at 30 s the agent's correct HPA fix in autoscaling-wrong-metric was scored as not mitigated.
 */
const AGENT_AFTERMATH_MS = 75_000;

class Aborted extends Error {
  override name = 'Aborted';
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Aborted('aborted'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Aborted('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function loadOptions(host: string, profile: Profile, spec: Omit<LoadSpec, 'duringFault'>): LoadOptions {
  return {
    host,
    profile,
    users: spec.users,
    spawnRate: spec.spawnRate,
    rate: spec.rate,
    ramp: spec.ramp?.map((s) => ({ durationMs: s.duration, target: s.target })),
    arrivals: spec.arrivals,
    thinkTime: spec.thinkTime,
    timeoutMs: spec.timeout,
    stopTimeoutMs: 2000,
    // the runner stops the load itself; a ramp ends on its own
    ...(spec.ramp ? {} : { durationMs: 24 * 3_600_000 }),
  };
}

const DEFAULT_EVIDENCE = [
  {
    name: 'front-end-p95',
    unit: 's',
    expr: 'histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket{job="front-end"}[1m])) by (le))',
  },
  {
    name: 'front-end-requests-by-status',
    unit: 'req/s',
    expr: 'sum(rate(http_request_duration_seconds_count{job="front-end"}[1m])) by (status_code)',
  },
  { name: 'pod-cpu', unit: 'cores', expr: 'sum(rate(container_cpu_usage_seconds_total[1m])) by (pod)' },
];

const iso = (ms: number) => new Date(ms).toISOString();
const round = (v: number | undefined) => (v === undefined ? undefined : Math.round(v * 1000) / 1000);

/** A check as this pace runs it: its `for` capped. */
function paced(check: ScenarioCheck, pace: Pace): ScenarioCheck {
  return { ...check, for: Math.min(check.for, pace.maxForMs) };
}

export async function runScenario(loaded: LoadedScenario, options: RunOptions): Promise<RunResult> {
  const { scenario } = loaded;
  const { lab, signal } = options;
  const pace = options.pace ?? COMPRESSED;
  const log = options.log ?? (() => {});
  const t0 = Date.now();
  const stamp = iso(t0).replace(/[:.]/g, '-');
  const runId = options.agent ? `${stamp}-${randomBytes(4).toString('hex')}` : `${stamp}-${scenario.id}`;
  const timeline: TimelineRecord[] = [];
  const mark = (event: string, detail?: string) => {
    timeline.push({ at: iso(Date.now()), event, ...(detail ? { detail } : {}) });
    log(`[${formatDuration(Date.now() - t0).padStart(6)}] ${event}${detail ? `: ${detail}` : ''}`);
  };
  const query: QueryFn = (expr, timeMs) => lab.telemetry.query(expr, timeMs);
  const readState: StateFn = stateReader({ platform: lab.platform, broker: lab.ctx.broker });
  const engine = new FaultEngine({ ...lab.ctx, runId }, lab.journalPath);
  const reports = new Map<string, CheckReport>();
  const baselines = new Map<string, number | undefined>();
  const evidence: string[] = [];
  const markers: Array<{ at: number; label: string }> = [];
  let base: LoadRun | undefined;
  let surge: LoadRun | undefined;
  let loadBefore: LoadSnapshot | undefined;
  let verdict: Verdict = 'error';
  let recovered = false;
  let error: string | undefined;
  let injectedAt: number | undefined;
  let revertedAt: number | undefined;
  let kept = false;
  let agentReport: AgentPhaseReport | undefined;
  let setup: AppliedSetup | undefined;

  const manifestChecks = (scenario.manifestation?.checks ?? []).map((c) => paced(c, pace));
  const recoveryChecks = scenario.recovery.checks.map((c) => paced(c, pace));
  for (const [phase, checks] of [
    ['manifestation', manifestChecks],
    ...(options.agent ? ([['mitigation', recoveryChecks]] as const) : []),
    ['recovery', recoveryChecks],
  ] as const)
    for (const c of checks)
      reports.set(`${phase}/${c.id}`, {
        id: c.id,
        phase,
        kind: 'promql' in c ? 'promql' : 'state',
        expr: 'promql' in c ? c.promql : `${c.state} ${JSON.stringify(c.params)}`,
        userFacing: c.userFacing,
        ...(c.description ? { description: c.description } : {}),
        op: c.op,
        passed: false,
        message: 'not evaluated',
      });

  const snapshot = async (label: string, startMs: number, endMs: number) => {
    if (options.runsDir === null || !(endMs > startMs)) return;
    try {
      await lab.telemetry.collectNow();
      const queries = [
        ...DEFAULT_EVIDENCE,
        ...[...manifestChecks, ...recoveryChecks]
          .filter((c): c is Extract<ScenarioCheck, { promql: string }> => 'promql' in c)
          .map((c) => ({ name: c.id, expr: c.promql })),
      ];
      const snap = await captureSnapshot({
        label,
        window: { start: startMs, end: endMs },
        promql: (e, s, en, st) => lab.telemetry.queryRange(e, s, en, st),
        queries: queries.filter((q, i) => queries.findIndex((x) => x.name === q.name) === i),
        logs: { store: lab.telemetry.logs },
        events: { log: lab.telemetry.events },
        traces: { store: lab.telemetry.traces },
        ...(injectedAt
          ? { faultWindow: { start: injectedAt, end: revertedAt ?? endMs, label: scenario.id } }
          : {}),
        markers: markers.filter((m) => m.at >= startMs && m.at <= endMs),
      });
      pendingSnapshots.push(snap);
    } catch (err) {
      mark('evidence-error', `${label}: ${(err as Error).message}`);
    }
  };
  const pendingSnapshots: Awaited<ReturnType<typeof captureSnapshot>>[] = [];

  /** Evaluates checks every poll until `done` says so or the deadline passes. */
  const watch = async (
    phase: CheckReport['phase'],
    checks: ScenarioCheck[],
    deadline: number,
    done: (held: boolean[], now: number) => boolean,
  ) => {
    const trackers = checks.map((c) => new CheckTracker(c));
    for (;;) {
      const now = Date.now();
      const held = await Promise.all(
        checks.map(async (check, i) => {
          const report = reports.get(`${phase}/${check.id}`)!;
          try {
            const result = await evaluateCheck(check, {
              query,
              readState,
              timeMs: now,
              stepMs: pace.pollMs,
              baselineValue: check.baseline ? baselines.get(`${phase}/${check.id}`) : undefined,
            });
            const ok = trackers[i].observe(result);
            report.threshold = round(result.threshold);
            report.observed = round(result.observations.at(-1)?.value);
            report.message = result.message;
            delete report.error;
            if (ok && !report.passed) {
              report.passed = true;
              report.passedAt = iso(now);
              mark(`${phase}-check-held`, result.message);
            }
            return ok;
          } catch (err) {
            report.error = (err as Error).message;
            report.message = `${check.id}: ${report.error}`;
            return false;
          }
        }),
      );
      if (done(held, now) || now >= deadline) return;
      await sleep(pace.pollMs, signal);
    }
  };

  /**
   * Hands the run to the agent for its budget while the load goes on, and evaluates the recovery checks
   * all along, without reverting: mitigated when they held together for the settle window. Ends when the
   * agent is done (or its budget is over) and the checks held, or a short while after that.
   */
  const agentPhase = async (
    agent: NonNullable<RunOptions['agent']>,
    faultFrom: number,
  ): Promise<AgentPhaseReport> => {
    const budgetMs = options.agentBudgetMs ?? DEFAULT_AGENT_BUDGET_MS;
    const startedAt = Date.now();
    const deadline = startedAt + budgetMs;
    const stop = new AbortController();
    const abort = () => stop.abort();
    signal?.addEventListener('abort', abort, { once: true });
    const budgetTimer = setTimeout(abort, budgetMs);
    let runDir: string | undefined;
    if (options.runsDir !== null) {
      runDir = join(options.runsDir ?? 'runs', runId);
      await mkdir(runDir, { recursive: true });
    }
    mark('agent-start', `budget ${formatDuration(budgetMs)}`);
    let agentDone = false;
    let doneAt: number | undefined;
    let agentError: string | undefined;
    const running = agent({
      runId,
      ...(runDir ? { runDir } : {}),
      lab,
      injectedAt: faultFrom,
      deadline,
      signal: stop.signal,
      record: ({ marker, ...entry }) => {
        timeline.push(entry);
        if (marker) markers.push({ at: Date.parse(entry.at), label: marker });
      },
      log: (line) => log(`[agent] ${line}`),
    })
      .catch((err: unknown) => {
        agentError = (err as Error)?.message ?? String(err);
      })
      .finally(() => {
        agentDone = true;
        doneAt = Date.now();
      });
    const settle = Math.min(scenario.recovery.settle, pace.settleMs);
    const aftermath = Math.min(scenario.recovery.within, pace.recoveryWithinMs, AGENT_AFTERMATH_MS) + settle;
    let holdingSince: number | undefined;
    let mitigated = false;
    let overAt: number | undefined;
    try {
      await watch('mitigation', recoveryChecks, deadline + AGENT_STOP_GRACE_MS + aftermath, (held, now) => {
        if (!held.every(Boolean)) holdingSince = undefined;
        else holdingSince ??= now;
        mitigated = holdingSince !== undefined && now - holdingSince >= settle;
        if (!agentDone && now < deadline + AGENT_STOP_GRACE_MS) return false;
        overAt ??= now;
        return mitigated || now >= overAt + aftermath;
      });
    } finally {
      clearTimeout(budgetTimer);
      signal?.removeEventListener('abort', abort);
      stop.abort(); // a waiting agent stops now
    }
    const timedOut = doneAt === undefined || doneAt >= deadline;
    await Promise.race([running, sleep(AGENT_STOP_GRACE_MS).catch(() => undefined)]);
    if (agentError) mark('agent-error', agentError);
    mark(
      'agent-end',
      `${timedOut ? 'budget over' : 'agent done'}; ${mitigated ? `recovery checks held for ${formatDuration(settle)} before any revert` : 'not mitigated'}`,
    );
    return {
      startedAt: iso(startedAt),
      endedAt: iso(Date.now()),
      budgetMs,
      timedOut,
      ...(agentError ? { error: agentError } : {}),
      mitigated,
      ...(mitigated && holdingSince !== undefined ? { holdingSince: iso(holdingSince) } : {}),
    };
  };

  try {
    mark('start', `${scenario.id} — ${scenario.title}`);
    // a lab started by `sockshop-lab up` gets the scenario's setup for this run (runner-setup.ts)
    setup = await applySetup(lab, scenario, runId);
    if (setup.changes.length) mark('setup', setup.changes.join('; '));
    const host = await lab.frontEndUrl();
    const profileName = typeof scenario.load.profile === 'string' ? scenario.load.profile : 'inline';
    const loadT0 = Date.now();
    base = startLoad(loadOptions(host, loaded.profile, scenario.load));
    mark('warm-up', `${profileName} profile, ${scenario.load.users ?? scenario.load.rate ?? '?'} users/rate`);
    const warmupMs = Math.min(scenario.phases.warmup, pace.warmupMs);
    await sleep(setup.changes.length ? Math.max(warmupMs, pace.warmupAfterSetupMs) : warmupMs, signal);

    mark('baseline');
    await sleep(Math.min(scenario.phases.baseline, pace.baselineMs), signal);
    await lab.telemetry.collectNow();
    const baselineAt = Date.now();
    // Every check is read once here: relative thresholds need the value, and the verdict needs to know
    // that a user-facing check did not already hold before the fault (it must have moved).
    for (const [phase, checks] of [
      ['manifestation', manifestChecks],
      ['recovery', recoveryChecks],
    ] as const)
      for (const c of checks) {
        const report = reports.get(`${phase}/${c.id}`)!;
        let value: number | undefined;
        try {
          value = await readBaselineCheck(c, baselineAt, { query, readState });
        } catch (err) {
          report.error = `at baseline: ${(err as Error).message}`;
        }
        baselines.set(`${phase}/${c.id}`, value);
        report.baselineValue = round(value);
        const threshold = effectiveThreshold(c, value);
        report.heldAtBaseline =
          value !== undefined && Number.isFinite(threshold) && COMPARE[c.op](value, threshold);
        const mitigation = reports.get(`mitigation/${c.id}`);
        if (phase === 'recovery' && mitigation) {
          baselines.set(`mitigation/${c.id}`, value);
          Object.assign(mitigation, {
            baselineValue: report.baselineValue,
            heldAtBaseline: report.heldAtBaseline,
          });
          if (report.error) mitigation.error = report.error;
        }
      }
    const baselineText = manifestChecks
      .map((c) => `${c.id}=${round(baselines.get(`manifestation/${c.id}`)) ?? 'no data'}`)
      .join(', ');
    mark('baseline-recorded', baselineText || 'control: SLO checks only');
    loadBefore = base.snapshot();
    await snapshot('before', loadT0, baselineAt);

    injectedAt = Date.now();
    if (scenario.control) {
      if (options.agent) mark('control', 'no fault; the agent watches');
      else {
        mark('control', `no fault; watching for ${formatDuration(pace.controlFaultMs)}`);
        await sleep(pace.controlFaultMs, signal);
      }
      verdict = 'did-not-manifest';
    } else {
      let injectError: Error | undefined;
      const steps = scenario.faults.map((f) => ({
        id: f.id,
        fault: f.fault,
        params: f.params,
        atMs: f.at,
        durationMs: f.duration,
      }));
      mark('inject', steps.map((s) => `${s.id} (${s.fault})`).join(', ') || 'load surge only');
      engine.schedule(steps, (err, step) => {
        injectError ??= new Error(`step "${step.id}" (${step.fault}): ${err.message}`);
      });
      if (scenario.load.duringFault && loaded.duringFaultProfile)
        surge = startLoad(loadOptions(host, loaded.duringFaultProfile, scenario.load.duringFault));
      const lastAt = Math.max(0, ...steps.map((s) => s.atMs));
      await sleep(lastAt, signal);
      await engine.settled();
      for (const t of engine.timeline)
        markers.push({ at: Date.parse(t.at), label: `${t.action} ${t.stepId}` });
      if (injectError) throw injectError;
      mark('injected', engine.activeSteps().join(', ') || 'surge');
      const within = Math.min(scenario.manifestation!.within, pace.manifestWithinMs);
      await watch('manifestation', manifestChecks, Date.now() + within, () =>
        manifestChecks.every((c) => reports.get(`manifestation/${c.id}`)!.passed),
      );
      const manifest = manifestChecks.map((c) => reports.get(`manifestation/${c.id}`)!);
      const missing = manifest.filter((r) => !r.passed).map((r) => r.id);
      // users were hurt: a user-facing check that did not hold at baseline held during the fault
      const moved = manifest.some((r) => r.userFacing && r.passed && !r.heldAtBaseline);
      verdict = missing.length === 0 && moved ? 'manifested' : 'did-not-manifest';
      mark(
        verdict,
        missing.length
          ? `not held: ${missing.join(', ')}`
          : moved
            ? undefined
            : 'every user-facing check already held at baseline: no user-visible change',
      );
    }
    await snapshot('during', injectedAt, Date.now());
    if (options.agent) {
      const agentFrom = Date.now();
      agentReport = await agentPhase(options.agent, injectedAt);
      await snapshot('agent', agentFrom, Date.now());
    }

    if (options.keep && !scenario.control) {
      kept = true;
      mark('kept', 'the fault stays in place; revert it with `sockshop-lab scenario revert`');
      return await finish();
    }
    await surge?.stop();
    surge = undefined;
    const errors = await engine.revertAll();
    revertedAt = Date.now();
    markers.push({ at: revertedAt, label: 'revert' });
    if (errors.length) throw new Error(errors.map((e) => e.message).join('; '));
    if (!scenario.control) mark('reverted');

    const settle = Math.min(scenario.recovery.settle, pace.settleMs);
    const recoveryDeadline = Date.now() + Math.min(scenario.recovery.within, pace.recoveryWithinMs) + settle;
    let holdingSince: number | undefined;
    await watch('recovery', recoveryChecks, recoveryDeadline, (held, now) => {
      if (!held.every(Boolean)) holdingSince = undefined;
      else holdingSince ??= now;
      recovered = holdingSince !== undefined && now - holdingSince >= settle;
      return recovered;
    });
    mark(
      recovered ? 'recovered' : 'not-recovered',
      recovered ? `held for ${formatDuration(settle)}` : undefined,
    );
    await snapshot('after', revertedAt, Date.now());
  } catch (err) {
    error = err instanceof Aborted ? 'aborted' : (err as Error).message;
    verdict = 'error';
    mark('error', error);
  } finally {
    await surge?.stop().catch(() => undefined);
    if (!kept) {
      const errors = await engine.revertAll();
      for (const e of errors) mark('revert-error', e.message);
    }
  }
  return finish();

  async function finish(): Promise<RunResult> {
    const final = await base?.stop().catch(() => undefined);
    base = undefined;
    if (setup?.changes.length && !kept)
      await setup.restore().then(
        () => mark('setup-restored'),
        (err: Error) => mark('setup-restore-error', err.message),
      );
    for (const t of engine.timeline)
      timeline.push({
        at: t.at,
        event: `fault-${t.action}`,
        detail: `${t.stepId} (${t.fault})${t.message ? `: ${t.message}` : ''}`,
      });
    timeline.sort((a, b) => a.at.localeCompare(b.at));
    const endedAt = Date.now();
    const result: RunResult = {
      scenario: scenario.id,
      title: scenario.title,
      control: scenario.control,
      startedAt: iso(t0),
      endedAt: iso(endedAt),
      durationMs: endedAt - t0,
      verdict,
      recovered,
      correct: scenario.control
        ? verdict === 'did-not-manifest' && recovered
        : verdict === 'manifested' && recovered,
      kept,
      ...(error ? { error } : {}),
      checks: [...reports.values()],
      timeline,
      load: { before: loadBefore, final },
      evidence,
      runId,
      ...(injectedAt ? { injectedAt: iso(injectedAt) } : {}),
      ...(revertedAt ? { revertedAt: iso(revertedAt) } : {}),
      ...(agentReport ? { agent: agentReport } : {}),
    };
    if (options.runsDir !== null) {
      result.runDir = await writeRunFolder(
        options.runsDir ?? 'runs',
        runId,
        loaded,
        result,
        pendingSnapshots,
        {
          png: options.png ?? false,
          save: saveSnapshot,
        },
      );
    }
    return result;
  }
}
