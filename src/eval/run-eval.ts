/**
 * An evaluation: scenarios × repeats with one agent on one lab, one after the other; then the
 * evaluation's report folder (`runs/eval-<time>/`) and the leaderboard. Ctrl-C aborts the current run
 * (its fault is reverted, the lab put back) and keeps what was scored so far.
 */
import { join } from 'node:path';
import type { LoadedScenario } from '../scenarios/load.js';
import type { Pace } from '../scenarios/runner.js';
import { acquireLab, recoverLeftovers, type RunLab } from '../scenarios/runner-lab.js';
import { textTable } from '../scenarios/runner-report.js';
import { agentLabel, type AgentSpec } from './agents.js';
import { evaluateScenario, type EvalRun } from './evaluate.js';
import { updateLeaderboard } from './leaderboard.js';
import { scoreColumns, writeEvalReports } from './report.js';

export interface EvalOptions {
  agent: AgentSpec;
  agentName?: string;
  repeat?: number;
  runsDir?: string;
  pace?: Pace;
  budgetMs?: number;
  home?: string;
  tsx?: boolean;
  /** An already acquired lab (tests); otherwise one is acquired and closed here. */
  lab?: RunLab;
  signal?: AbortSignal;
  log?: (line: string) => void;
  announce?: (line: string) => void;
  idleAfterDiagnosisMs?: number;
}

export interface EvalResult {
  runs: EvalRun[];
  reportDir?: string;
}

export async function runEval(scenarios: LoadedScenario[], options: EvalOptions): Promise<EvalResult> {
  const log = options.log ?? (() => {});
  const runsDir = options.runsDir ?? 'runs';
  const lab = options.lab ?? (await acquireLab({ home: options.home, tsx: options.tsx, log }));
  const runs: EvalRun[] = [];
  try {
    const left = await recoverLeftovers(lab);
    if (left)
      log(`reverted what crashed run ${left.runId} left active: ${left.reverted.join(', ') || 'nothing'}`);
    for (let round = 0; round < (options.repeat ?? 1); round++)
      for (const loaded of scenarios) {
        if (options.signal?.aborted) break;
        const id = loaded.scenario.id;
        log(`${id}: evaluating ${agentLabel(options.agent, options.agentName)}…`);
        const run = await evaluateScenario(loaded, {
          lab,
          agent: options.agent,
          agentName: options.agentName,
          runsDir,
          pace: options.pace,
          budgetMs: options.budgetMs,
          signal: options.signal,
          log: (line) => log(`${id} ${line}`),
          announce: options.announce,
          idleAfterDiagnosisMs: options.idleAfterDiagnosisMs,
        });
        runs.push(run);
        // after each run, so that an interrupted evaluation keeps its scores; an aborted run is no score
        if (run.error !== 'aborted') await updateLeaderboard(runsDir, [run]);
        log(
          `${id}: ${scoreColumns(run)
            .slice(2)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')} → ${run.runDir}/report.html`,
        );
      }
  } finally {
    if (!options.lab) await lab.close();
  }
  if (!runs.length) return { runs };
  const stamp = runs[0].startedAt.replace(/[:.]/g, '-');
  const reportDir = await writeEvalReports(
    join(runsDir, `eval-${stamp}`),
    runs,
    `Evaluation of ${agentLabel(options.agent, options.agentName)} — ${runs.length} run${runs.length === 1 ? '' : 's'}`,
  );
  return { runs, reportDir };
}

/** The terminal table: one line per run with TTD and TTM. */
export function evalTable(runs: EvalRun[]): string {
  if (!runs.length) return '(no runs)';
  return textTable([
    scoreColumns(runs[0]).map(([k]) => k.toUpperCase()),
    ...runs.map((r) => scoreColumns(r).map(([, v]) => v)),
  ]);
}
