/**
 * The leaderboard across evaluations: `runs/leaderboard.json` keeps one entry per scored run (appended
 * by every `sockshop-lab eval`), and one row per (scenario, agent) is computed from them: runs, solved,
 * detection / top-1 / root cause / mitigation rates, mean TTD and TTM, mean tool calls, harmful actions
 * (false positives for the control). `leaderboard.md` is the same table for people.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatDuration } from '../scenarios/duration.js';
import type { EvalRun } from './evaluate.js';

export interface LeaderboardEntry {
  scenario: string;
  agent: string;
  at: string;
  runDir: string;
  control: boolean;
  valid: boolean;
  solved: boolean;
  detected: boolean;
  top1: boolean;
  rootCause: boolean;
  mitigated: boolean;
  ttdMs?: number;
  ttmMs?: number;
  toolCalls: number;
  harmful: number;
}

export interface LeaderboardRow {
  scenario: string;
  agent: string;
  runs: number;
  solved: number;
  detected: number;
  top1: number;
  rootCause: number;
  mitigated: number;
  meanTtdMs?: number;
  meanTtmMs?: number;
  meanToolCalls: number;
  harmful: number;
  lastRun: string;
}

export interface Leaderboard {
  kind: 'sockshop-lab/leaderboard';
  version: 1;
  entries: LeaderboardEntry[];
  rows: LeaderboardRow[];
}

export function entryOf(run: EvalRun): LeaderboardEntry {
  const s = run.score;
  return {
    scenario: run.scenario,
    agent: run.agent,
    at: run.startedAt,
    runDir: run.runDir,
    control: s.control,
    valid: s.valid,
    solved: s.solved,
    detected: s.detected,
    top1: s.localisationTop1,
    rootCause: s.rootCause,
    mitigated: s.mitigated,
    ...(s.ttdMs !== undefined ? { ttdMs: s.ttdMs } : {}),
    ...(s.ttmMs !== undefined ? { ttmMs: s.ttmMs } : {}),
    toolCalls: s.toolCalls,
    harmful: s.harmful.length,
  };
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined);

export function leaderboardRows(entries: LeaderboardEntry[]): LeaderboardRow[] {
  const groups = new Map<string, LeaderboardEntry[]>();
  for (const e of entries) {
    const key = `${e.scenario}\u0000${e.agent}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  return [...groups.values()]
    .map((es) => {
      const count = (f: (e: LeaderboardEntry) => boolean) => es.filter(f).length;
      const ttd = mean(es.flatMap((e) => (e.ttdMs === undefined ? [] : [e.ttdMs])));
      const ttm = mean(es.flatMap((e) => (e.ttmMs === undefined ? [] : [e.ttmMs])));
      return {
        scenario: es[0].scenario,
        agent: es[0].agent,
        runs: es.length,
        solved: count((e) => e.solved),
        detected: count((e) => e.detected),
        top1: count((e) => e.top1),
        rootCause: count((e) => e.rootCause),
        mitigated: count((e) => e.mitigated),
        ...(ttd !== undefined ? { meanTtdMs: Math.round(ttd) } : {}),
        ...(ttm !== undefined ? { meanTtmMs: Math.round(ttm) } : {}),
        meanToolCalls: Math.round((mean(es.map((e) => e.toolCalls)) ?? 0) * 10) / 10,
        harmful: es.reduce((a, e) => a + e.harmful, 0),
        lastRun: es
          .map((e) => e.at)
          .sort()
          .at(-1)!,
      };
    })
    .sort((a, b) => a.scenario.localeCompare(b.scenario) || a.agent.localeCompare(b.agent));
}

export function leaderboardMarkdown(board: Leaderboard): string {
  const control = new Set(board.entries.filter((e) => e.control).map((e) => e.scenario));
  const frac = (n: number, of: number) => `${n}/${of}`;
  const d = (ms?: number) => (ms === undefined ? '—' : formatDuration(ms));
  const agents = [...new Set(board.rows.map((r) => r.agent))];
  const totals = agents.map((agent) => {
    const rows = board.rows.filter((r) => r.agent === agent && !control.has(r.scenario));
    const runs = rows.reduce((a, r) => a + r.runs, 0);
    return `- **${agent}**: solved ${frac(
      rows.reduce((a, r) => a + r.solved, 0),
      runs,
    )} fault runs over ${rows.length} scenarios`;
  });
  return [
    '# Leaderboard',
    '',
    'Per scenario and agent, over every `sockshop-lab eval` run kept in this folder. For the control',
    'scenario "detected" counts false positives. TTD and TTM are measured from the injection.',
    '',
    ...totals,
    '',
    '| scenario | agent | runs | solved | detected | top-1 | root cause | mitigated | mean TTD | mean TTM | mean calls | harmful | last run |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...board.rows.map((r) =>
      control.has(r.scenario)
        ? `| ${r.scenario} | ${r.agent} | ${r.runs} | ${frac(r.solved, r.runs)} | ${r.detected} false positive(s) | — | — | — | — | — | ${r.meanToolCalls} | ${r.harmful} | ${r.lastRun.slice(0, 16)} |`
        : `| ${r.scenario} | ${r.agent} | ${r.runs} | ${frac(r.solved, r.runs)} | ${frac(r.detected, r.runs)} | ${frac(r.top1, r.runs)} | ${frac(r.rootCause, r.runs)} | ${frac(r.mitigated, r.runs)} | ${d(r.meanTtdMs)} | ${d(r.meanTtmMs)} | ${r.meanToolCalls} | ${r.harmful} | ${r.lastRun.slice(0, 16)} |`,
    ),
    '',
  ].join('\n');
}

/** Adds runs to `<runsDir>/leaderboard.json` (and rewrites leaderboard.md); returns the board. */
export async function updateLeaderboard(runsDir: string, runs: EvalRun[]): Promise<Leaderboard> {
  await mkdir(runsDir, { recursive: true });
  const file = join(runsDir, 'leaderboard.json');
  let entries: LeaderboardEntry[] = [];
  try {
    const old = JSON.parse(await readFile(file, 'utf8')) as Partial<Leaderboard>;
    if (Array.isArray(old.entries)) entries = old.entries;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new Error(
        `${file} is not a leaderboard (${(err as Error).message}); move it away to start a new one`,
        { cause: err },
      );
  }
  entries = [...entries, ...runs.map(entryOf)];
  const board: Leaderboard = {
    kind: 'sockshop-lab/leaderboard',
    version: 1,
    entries,
    rows: leaderboardRows(entries),
  };
  // written whole then renamed, so a crash never leaves half a leaderboard
  await writeFile(`${file}.tmp`, JSON.stringify(board, null, 2) + '\n');
  await rename(`${file}.tmp`, file);
  await writeFile(join(runsDir, 'leaderboard.md'), leaderboardMarkdown(board));
  return board;
}
