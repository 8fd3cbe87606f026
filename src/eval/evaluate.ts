/**
 * One evaluation run: the scenario runner with an agent phase (opaque run id and folder), the agent
 * API served per run with a fresh token and its call log on the run's timeline, then scoring, the lab
 * put back as it was, the reports written, and only then the folder renamed to name the scenario.
 */
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CallLog, type CallLogEntry } from '../agent-api/call-log.js';
import { agentContextFromRunLab } from '../agent-api/context.js';
import type { LoadedScenario } from '../scenarios/load.js';
import {
  runScenario,
  type AgentPhaseReport,
  type CheckReport,
  type Pace,
  type Verdict,
} from '../scenarios/runner.js';
import type { RunLab } from '../scenarios/runner-lab.js';
import type { StateCheck } from '../scenarios/schema.js';
import { stateReader } from '../scenarios/state.js';
import type { ToolCall } from './actions.js';
import { agentLabel, driveAgent, type AgentSpec } from './agents.js';
import { callSummary } from './calls.js';
import { captureRunCharts } from './charts.js';
import { writeRunReports } from './report.js';
import { captureLabState, restoreLabState } from './restore.js';
import { scoreRun, type Score } from './score.js';

export interface EvalRunOptions {
  lab: RunLab;
  agent: AgentSpec;
  /** The agent's name on reports (default from the spec). */
  agentName?: string;
  /** Folder for run folders (default ./runs). */
  runsDir?: string;
  pace?: Pace;
  budgetMs?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Wait mode: how long a client must stay quiet after its diagnosis before the phase ends. */
  idleAfterDiagnosisMs?: number;
  /** Wait mode: where to say how to connect. */
  announce?: (line: string) => void;
}

export interface EvalRun {
  kind: 'sockshop-lab/eval-run';
  version: 1;
  scenario: string;
  title: string;
  agent: string;
  runId: string;
  runDir: string;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  injectedAt?: string;
  revertedAt?: string;
  verdict: Verdict;
  /** The lab healthy again after the revert (the runner's usual recovery check). */
  recoveredAfterRevert: boolean;
  error?: string;
  score: Score;
  agentPhase?: AgentPhaseReport;
  /** What had to be put back after the run (the agent's changes the fault revert did not undo). */
  restored: string[];
  checks: CheckReport[];
  calls: CallLogEntry[];
}

/** Paid orders not yet shipped (the state check the scenarios use), read when a queue is purged. */
const UNSHIPPED: StateCheck = {
  id: 'unshipped-orders',
  state: 'orders-by-status',
  params: { status: 'paid' },
  op: '>=',
  value: 0,
  for: 0,
  userFacing: false,
};

/** Deployments that hold data (their restarts lose connections and in-flight work). */
const STORE_DEPLOYMENT = /-db$/;

export async function evaluateScenario(loaded: LoadedScenario, options: EvalRunOptions): Promise<EvalRun> {
  const { lab } = options;
  const { scenario } = loaded;
  const runsDir = options.runsDir ?? 'runs';
  const before = await captureLabState(lab);
  const readState = stateReader({ platform: lab.platform, broker: lab.ctx.broker });
  const facts = new Map<CallLogEntry, ToolCall['facts']>();
  const pendingFacts: Promise<unknown>[] = [];
  let callLog: CallLog | undefined;

  // What the harm rules need to know about a call, read as it happens.
  const noteFacts = (entry: CallLogEntry) => {
    if (!entry.ok) return;
    if (entry.tool === 'delete_mesh_rule') {
      const edge = (entry.result as { deleted?: { edge?: unknown } } | undefined)?.deleted?.edge;
      if (typeof edge === 'string') facts.set(entry, { edge });
    }
    if (entry.tool === 'purge_queue')
      pendingFacts.push(
        readState(UNSHIPPED)
          .then((unshippedOrders) => facts.set(entry, { unshippedOrders }))
          .catch(() => undefined),
      );
  };

  const result = await runScenario(loaded, {
    lab,
    runsDir,
    pace: options.pace,
    signal: options.signal,
    log: options.log,
    agentBudgetMs: options.budgetMs,
    agent: async (session) => {
      callLog = new CallLog(
        session.runDir ? join(session.runDir, 'agent-calls.jsonl') : undefined,
        (entry) => {
          noteFacts(entry);
          const target = callSummary(entry);
          session.record({
            at: entry.at,
            event:
              entry.kind === 'diagnosis'
                ? 'agent-diagnosis'
                : entry.kind === 'action'
                  ? 'agent-action'
                  : 'agent-call',
            detail: `${target}${entry.ok ? '' : ` → ${entry.error ?? 'failed'}`}`,
            ...(entry.kind !== 'read' && entry.ok ? { marker: target } : {}),
          });
        },
      );
      const ctx = agentContextFromRunLab(lab, { callLog: callLog.record, redact: [session.runId] });
      await driveAgent(options.agent, session, {
        ctx,
        callLog,
        hide: [scenario.id],
        idleAfterDiagnosisMs: options.idleAfterDiagnosisMs,
        announce: options.announce,
      });
    },
  });
  await Promise.all(pendingFacts);
  const entries = callLog?.entries ?? [];
  const calls: ToolCall[] = entries.map((e) => ({
    at: e.at,
    tool: e.tool,
    args: e.args && typeof e.args === 'object' ? (e.args as Record<string, unknown>) : {},
    ok: e.ok,
    ...(e.error ? { error: e.error } : {}),
    durationMs: e.durationMs,
    kind: e.kind === 'unknown' ? 'read' : e.kind,
    ...(facts.get(e) ? { facts: facts.get(e) } : {}),
  }));
  const injectedAt = Date.parse(result.injectedAt ?? result.startedAt);
  const score = scoreRun({
    scenario,
    injectedAt,
    manifested: scenario.control || result.verdict === 'manifested',
    calls,
    mitigation: {
      recovered: result.agent?.mitigated ?? false,
      ...(result.agent?.holdingSince ? { holdingSince: Date.parse(result.agent.holdingSince) } : {}),
    },
    harm: {
      baselineResources: Object.fromEntries(
        Object.entries(before.deployments).map(([k, d]) => [k, d.resources]),
      ),
      storeDeployments: Object.keys(before.deployments).filter((d) => STORE_DEPLOYMENT.test(d)),
    },
  });
  const charts = await captureRunCharts(lab, result, entries).catch((err: Error) => {
    options.log?.(`charts: ${err.message}`);
    return undefined;
  });
  let restored: string[];
  try {
    restored = await restoreLabState(lab, before);
    if (restored.length) options.log?.(`lab restored: ${restored.join('; ')}`);
  } catch (err) {
    restored = [`restore failed: ${(err as Error).message}`];
    options.log?.(restored[0]);
  }

  const run: EvalRun = {
    kind: 'sockshop-lab/eval-run',
    version: 1,
    scenario: scenario.id,
    title: scenario.title,
    agent: agentLabel(options.agent, options.agentName),
    runId: result.runId,
    runDir: result.runDir ?? '',
    startedAt: result.startedAt,
    endedAt: result.endedAt,
    durationMs: result.durationMs,
    ...(result.injectedAt ? { injectedAt: result.injectedAt } : {}),
    ...(result.revertedAt ? { revertedAt: result.revertedAt } : {}),
    verdict: result.verdict,
    recoveredAfterRevert: result.recovered,
    ...(result.error ? { error: result.error } : {}),
    score,
    ...(result.agent ? { agentPhase: result.agent } : {}),
    restored,
    checks: result.checks,
    calls: entries,
  };
  if (result.runDir) {
    // Scoring is done: the folder may now say which scenario it was.
    const named = `${result.runDir}-${scenario.id}`;
    await rename(result.runDir, named);
    run.runDir = named;
    await writeFile(join(named, 'result.json'), JSON.stringify({ ...result, runDir: named }, null, 2) + '\n');
    await writeRunReports(run, result.timeline, charts);
  }
  return run;
}
