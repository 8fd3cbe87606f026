/**
 * The reference SRE agent (no LLM): watch → detect → localise → diagnose → remediate → verify.
 * It sees the shop only through a ToolClient. Every decision goes into the timeline with its reason.
 */
import { describePeers, localised, peersOf } from './contention.js';
import { detect, symptomKey } from './detect.js';
import { observe, type Observation } from './observe.js';
import { diagnose, routeOwner } from './rules.js';
import { readBaselines, type Baselines } from './signals.js';
import { Timeline } from './timeline.js';
import { AgentTools } from './tools.js';
import type {
  ActionRecord,
  AgentOptions,
  AgentReport,
  Diagnosis,
  Hypothesis,
  PlanStep,
  Symptom,
  ToolClient,
} from './types.js';
import { gatherWorld, loadEnv, type World } from './world.js';

/** Polls a user-facing symptom must persist before it counts (one look can be a blip). */
const CONFIRM_USER_FACING = 2;
/** Saturation alone needs longer, and then a cause the evidence supports. */
const CONFIRM_SATURATION = 3;
/** Polls in a row without the incident's symptoms before recovery counts as verified. */
const CLEAN_POLLS = 3;
/** Hypotheses at least this confident are acted on (the best one always is). */
const ACT_CONFIDENCE = 0.75;
const MAX_ROUNDS = 3;
/**
 * Latency and errors alone are noisy on a busy machine: they raise an incident once explained, or when
 * severe. So are pods failing readiness probes: unavailable needs an explanation (OOM kills, a crashing
 * rollout).
 */
const GOLDEN = new Set<Symptom['kind']>([
  'latency',
  'errors',
  'saturation',
  'pool-saturation',
  'unavailable',
]);
const CONFIRM_SEVERE = 6;
const SILENT_LOOK_EVERY_MS = 15_000;
const BASELINE = { window: '10m', q: 0.25 };

const RUNBOOKS = new Set(['reconcile_payments', 'redrive_shipments']);
/** Waits `ms`, or less when the signal aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });
}
const stepKey = (s: PlanStep) => `${s.tool} ${JSON.stringify(s.args)}`;

class Agent {
  private readonly tools: AgentTools;
  private readonly timeline: Timeline;
  private readonly deadline: number;
  private readonly startedAt = new Date().toISOString();
  private baselines?: Baselines;
  private baselineAt = 0;
  private streaks = new Map<string, number>();
  private symptoms: Symptom[] = [];
  private hypotheses: Hypothesis[] = [];
  private actions: ActionRecord[] = [];
  private done = new Set<string>();
  private diagnosis?: Diagnosis;
  private lastQuietNote = 0;
  private lastSilentLook = 0;
  private lastContentionNote = 0;
  /** The one service whose routes alone deviated in the last polls, and for how many polls in a row. */
  private soloStreak?: { owner: string; polls: number };

  constructor(
    client: ToolClient,
    private readonly options: AgentOptions,
  ) {
    this.tools = new AgentTools(client);
    this.timeline = new Timeline(options.log);
    this.deadline = Date.now() + options.budgetMs;
  }

  /** Time left in the budget; none once the caller aborted. */
  private left(): number {
    return this.options.signal?.aborted ? 0 : this.deadline - Date.now();
  }

  private async look(): Promise<{ obs: Observation; symptoms: Symptom[] }> {
    if (!this.baselines || (this.symptoms.length === 0 && Date.now() - this.baselineAt > 60_000)) {
      this.baselines = await readBaselines(this.tools, BASELINE);
      this.baselineAt = Date.now();
    }
    const obs = await observe(this.tools, this.baselines);
    const symptoms = detect(obs);
    const seen = new Set(symptoms.map(symptomKey));
    for (const key of [...this.streaks.keys()]) if (!seen.has(key)) this.streaks.delete(key);
    for (const key of seen) this.streaks.set(key, (this.streaks.get(key) ?? 0) + 1);
    // Whose routes deviate: one service alone, poll after poll, is a local fault; several at once is the node.
    const owners = new Set(
      symptoms.filter((s) => s.route && GOLDEN.has(s.kind)).map((s) => routeOwner(s.route!)),
    );
    const solo = owners.size === 1 ? [...owners][0] : undefined;
    this.soloStreak =
      solo === undefined
        ? undefined
        : { owner: solo, polls: solo === this.soloStreak?.owner ? this.soloStreak.polls + 1 : 1 };
    return { obs, symptoms };
  }

  private confirmed(symptoms: Symptom[]): { user: Symptom[]; saturation: Symptom[] } {
    const streak = (s: Symptom) => this.streaks.get(symptomKey(s)) ?? 0;
    return {
      user: symptoms.filter((s) => s.userFacing && streak(s) >= CONFIRM_USER_FACING),
      saturation: symptoms.filter((s) => !s.userFacing && streak(s) >= CONFIRM_SATURATION),
    };
  }

  /** Watches until an incident is confirmed (returns its symptoms and latest observation) or time runs out. */
  private async watch(): Promise<{ obs: Observation; symptoms: Symptom[] } | undefined> {
    this.timeline.add(
      'watch',
      `baselines over the last ${BASELINE.window} (${BASELINE.q * 100}th percentile per series)`,
      'watching golden and business signals',
      'an incident is declared only on a change against the service’s own recent past',
    );
    while (this.left() > this.options.pollMs) {
      const { obs, symptoms } = await this.look();
      const { user, saturation } = this.confirmed(symptoms);
      const business = user.filter((s) => !GOLDEN.has(s.kind));
      if (business.length > 0) {
        this.timeline.add(
          'detect',
          'orders/payments flow, queues, sessions, replicas, config pushes',
          `incident: ${business.map((s) => s.detail).join('; ')}`,
          `business symptom(s) held for ${CONFIRM_USER_FACING}+ consecutive polls`,
        );
        return { obs, symptoms: [...user, ...symptoms.filter((s) => !s.userFacing)] };
      }
      const golden = [...user, ...saturation];
      if (golden.length > 0) {
        const severe = user.filter((s) => this.severe(s));
        const local = severe.filter(
          (s) =>
            !s.route || (this.alone(routeOwner(s.route)) && localised(s, peersOf(obs.readings, s.route))),
        );
        if (severe.length > local.length && Date.now() - this.lastContentionNote > SILENT_LOOK_EVERY_MS) {
          this.lastContentionNote = Date.now();
          const s = severe.find((x) => !local.includes(x))!;
          this.timeline.add(
            'watch',
            `${s.detail}; ${describePeers(peersOf(obs.readings, s.route ?? ''))}`,
            'node-wide slowdown, not an incident',
            'the routes and services that do not depend on it slowed together with it: contention on the node, not a localised fault',
          );
        }
        if (local.length > 0) {
          this.timeline.add(
            'detect',
            'front-end golden signals',
            `incident: ${local.map((s) => s.detail).join('; ')}`,
            `far beyond baseline for ${CONFIRM_SEVERE}+ consecutive polls while its peers are not: a localised fault even without a known cause`,
          );
          return { obs, symptoms: [...user, ...saturation] };
        }
        if (Date.now() - this.lastSilentLook > SILENT_LOOK_EVERY_MS) {
          this.lastSilentLook = Date.now();
          const hyps = diagnose(golden, await this.worldFor(golden), obs).filter(
            (h) => h.confidence >= ACT_CONFIDENCE,
          );
          if (hyps.length > 0) {
            this.timeline.add(
              'detect',
              golden.map((s) => s.detail).join('; '),
              `incident: ${hyps[0].faultType} on ${hyps[0].components[0]}`,
              `the deviation persisted and the evidence explains it: ${hyps[0].evidence.join('; ')}`,
            );
            return { obs, symptoms: golden };
          }
          this.timeline.add(
            'watch',
            golden.map((s) => s.detail).join('; '),
            'not an incident (yet)',
            'a deviation of latency, errors or saturation with nothing in the platform that explains it: treated as noise until it is severe',
          );
        }
      } else if (symptoms.length === 0 && Date.now() - this.lastQuietNote > 60_000) {
        this.lastQuietNote = Date.now();
        this.timeline.add(
          'watch',
          'golden and business signals',
          'all within baseline',
          'no threshold crossed',
        );
      }
      await sleep(Math.min(this.options.pollMs, this.left() - this.options.pollMs), this.options.signal);
    }
    return undefined;
  }

  /**
   * The platform as the rules need it for these symptoms, with the env the session and pool rules read
   * (list_deployments does not carry env). The watch's early look and the investigation see the same.
   */
  private async worldFor(symptoms: Symptom[]): Promise<World> {
    const world = await gatherWorld(this.tools);
    if (world.deployments.has('front-end')) await loadEnv(this.tools, world, 'front-end');
    for (const s of symptoms.filter((x) => x.kind === 'pool-saturation'))
      await loadEnv(this.tools, world, s.where);
    return world;
  }

  /** Whether only this service's routes have deviated, for as long as a severe deviation must last. */
  private alone(owner: string): boolean {
    return this.soloStreak?.owner === owner && this.soloStreak.polls >= CONFIRM_SEVERE;
  }

  /** A golden-signal deviation so large and long that it is an incident whatever its cause. */
  private severe(s: Symptom): boolean {
    if ((this.streaks.get(symptomKey(s)) ?? 0) < CONFIRM_SEVERE) return false;
    const base = s.baseline ?? 0;
    if (s.kind === 'latency') return s.now >= Math.max(2, 6 * base + 1);
    if (s.kind === 'errors') return s.now >= Math.max(0.2, 5 * base + 0.1);
    return false;
  }

  private async submit(d: Diagnosis, why: string): Promise<void> {
    try {
      await this.tools.call('submit_diagnosis', d);
      this.diagnosis = d;
      this.timeline.add(
        'diagnose',
        'submit_diagnosis',
        `${d.faultType} at ${d.components.join(', ') || '—'}`,
        why,
      );
    } catch (error) {
      this.timeline.add('diagnose', 'submit_diagnosis', 'refused', (error as Error).message);
    }
  }

  private diagnosisOf(symptoms: Symptom[], acted: Hypothesis[], verified?: boolean): Diagnosis {
    if (acted.length === 0) {
      const where = symptoms.map((s) => (s.route ? routeOwner(s.route) : s.where));
      return {
        detected: true,
        components: [...new Set(where)].slice(0, 5),
        faultType: symptoms[0]?.kind ?? 'unknown',
        summary: `Detected: ${symptoms.map((s) => s.detail).join('; ')}. Root cause not localised yet.`,
      };
    }
    // The strongest explanation leads, whichever round found it.
    acted = [...acted].sort((a, b) => b.confidence - a.confidence);
    const components = [...new Set(acted.flatMap((h) => h.components))].slice(0, 5);
    const causes = acted
      .map((h) => `${h.faultType} at ${h.components[0]} (${h.evidence.join('; ')})`)
      .join(' | ');
    const fixes = this.actions.filter((a) => a.ok).map((a) => a.tool);
    const state =
      verified === undefined
        ? ''
        : verified
          ? ' Recovery verified: the symptoms are back to baseline.'
          : ' Recovery not verified yet.';
    return {
      detected: true,
      components,
      faultType: acted[0].faultType,
      summary: `Symptoms: ${symptoms.map((s) => s.detail).join('; ')}. Cause: ${causes}.${fixes.length ? ` Actions: ${fixes.join(', ')}.` : ''}${state}`,
    };
  }

  private async act(hyps: Hypothesis[]): Promise<Hypothesis[]> {
    // A weak best guess is tried once; after a first fix only confident hypotheses act (no side quests).
    const chosen = hyps.filter(
      (h, i) => (i === 0 && this.actions.length === 0) || h.confidence >= ACT_CONFIDENCE,
    );
    for (const h of chosen)
      for (const step of h.plan) {
        // Runbooks act on what has accumulated since, so they may run again; other fixes once.
        const key = RUNBOOKS.has(step.tool) ? `${stepKey(step)} #${this.actions.length}` : stepKey(step);
        if (this.done.has(key)) continue;
        this.done.add(key);
        const record: ActionRecord = {
          at: new Date().toISOString(),
          tool: step.tool,
          args: step.args,
          ok: false,
        };
        try {
          record.result = await this.tools.call(step.tool, step.args);
          record.ok = true;
        } catch (error) {
          record.error = (error as Error).message;
        }
        this.actions.push(record);
        this.timeline.add(
          'remediate',
          `${step.tool} ${JSON.stringify(step.args)}`,
          record.ok ? 'done' : `failed: ${record.error}`,
          `fix for ${h.faultType} at ${h.components[0]} (rule ${h.rule})`,
        );
      }
    return chosen;
  }

  /** Polls until the incident's symptoms have been absent for CLEAN_POLLS looks, or `windowMs` ends. */
  private async verify(
    keys: Set<string>,
    windowMs: number,
  ): Promise<{ ok: boolean; symptoms: Symptom[]; still: Symptom[] }> {
    const until = Math.min(this.deadline - 1000, Date.now() + windowMs);
    let clean = 0;
    let last: Symptom[] = [];
    let lastStill: Symptom[] = [];
    while (Date.now() < until && this.left() > 0) {
      await sleep(Math.min(this.options.pollMs, until - Date.now()), this.options.signal);
      const { symptoms } = await this.look();
      last = symptoms;
      const still = symptoms.filter(
        (s) =>
          keys.has(symptomKey(s)) ||
          // A new business symptom also blocks recovery; new golden noise elsewhere does not.
          (s.userFacing && !GOLDEN.has(s.kind) && this.streaks.get(symptomKey(s))! >= CONFIRM_USER_FACING),
      );
      lastStill = still;
      clean = still.length === 0 ? clean + 1 : 0;
      if (clean >= CLEAN_POLLS) return { ok: true, symptoms, still };
    }
    return { ok: false, symptoms: last, still: lastStill };
  }

  async run(): Promise<AgentReport> {
    const incident = await this.watch();
    if (!incident) {
      await this.submit(
        {
          detected: false,
          components: [],
          faultType: 'none',
          summary: 'No incident: golden and business signals stayed within their baselines.',
        },
        'nothing crossed a threshold for the whole budget',
      );
      return this.report(false);
    }
    let symptoms = incident.symptoms;
    let obs = incident.obs;
    this.symptoms = symptoms;
    await this.submit(this.diagnosisOf(symptoms, []), 'report detection at once; localisation follows');
    let keys = new Set(
      symptoms.filter((s) => s.userFacing || symptoms.every((x) => !x.userFacing)).map(symptomKey),
    );
    let verified = false;
    let acted: Hypothesis[] = [];
    for (let round = 1; round <= MAX_ROUNDS && this.left() > this.options.pollMs * 2; round++) {
      const world = await this.worldFor(symptoms);
      const hyps = diagnose(symptoms, world, obs);
      this.hypotheses = hyps;
      this.timeline.add(
        'localise',
        `call graph from the symptoms; ${world.meshRules.length} mesh rule(s), ${world.queues.length} queue(s), ${world.hpas.length} HPA(s), rollouts in 15 min: ${
          [...world.deployments.values()]
            .filter((d) => d.recentRollouts > 0)
            .map((d) => d.name)
            .join(', ') || 'none'
        }`,
        hyps.length
          ? hyps.map((h) => `${h.faultType}@${h.components[0]} (${h.confidence})`).join(', ')
          : 'no explanation found',
        hyps[0] ? hyps[0].evidence.join('; ') : 'no rule matched the evidence',
      );
      if (hyps.length === 0) {
        const again = await this.verify(keys, 30_000);
        if (again.ok) {
          verified = true;
          break;
        }
        symptoms = again.symptoms.length ? again.symptoms : symptoms;
        continue;
      }
      const chosen = await this.act(hyps);
      acted = [...new Set([...acted, ...chosen])];
      // Recovery is judged on what the chosen causes explain (unrelated noise must not block it).
      const explained = symptoms.filter((s) => acted.some((h) => h.explains.includes(s.kind)));
      if (explained.length > 0) keys = new Set(explained.map(symptomKey));
      await this.submit(
        this.diagnosisOf(symptoms, acted),
        `the evidence supports ${chosen.map((h) => h.rule).join(', ')}`,
      );
      const result = await this.verify(keys, Math.max(60_000, this.options.pollMs * 12));
      this.timeline.add(
        'verify',
        `the incident's signals: ${[...keys].join(', ')}`,
        result.ok ? 'back to baseline' : 'not recovered yet',
        result.ok
          ? `${CLEAN_POLLS} consecutive polls without the symptoms`
          : `still: ${result.still.map((s) => s.detail).join('; ') || `not yet ${CLEAN_POLLS} clean polls in a row`}`,
      );
      if (result.ok) {
        verified = true;
        break;
      }
      if (result.symptoms.length) symptoms = result.symptoms;
      obs = (await this.look()).obs;
    }
    await this.submit(
      this.diagnosisOf(this.symptoms, acted, verified),
      verified ? 'recovery verified' : 'final state',
    );
    this.timeline.add(
      'conclude',
      'the whole investigation',
      verified ? 'mitigated and verified' : 'not verified',
      `${this.tools.calls} tool calls`,
    );
    return this.report(verified);
  }

  private report(verified: boolean): AgentReport {
    return {
      startedAt: this.startedAt,
      finishedAt: new Date().toISOString(),
      detected: this.diagnosis?.detected ?? false,
      diagnosis: this.diagnosis,
      symptoms: this.symptoms,
      hypotheses: this.hypotheses,
      actions: this.actions,
      recoveryVerified: verified,
      toolCalls: this.tools.calls,
      timeline: this.timeline.steps,
    };
  }
}

export async function runReferenceAgent(client: ToolClient, options: AgentOptions): Promise<AgentReport> {
  return new Agent(client, options).run();
}
