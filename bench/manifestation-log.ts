/**
 * The record behind "each scenario manifests in at least 9 of 10 repeated runs". A pass over the whole
 * catalogue takes about 45 minutes on the 2-core machine, so ten of them do not fit in one sitting: every
 * run folder (from `bench/scenarios.ts`, `sockshop-lab scenario run` or `sockshop-lab eval`, whose runs
 * evaluate the same manifestation checks before the agent starts) is appended to a committed log, and
 * the table counts only the runs of each scenario file exactly as it is now (by content hash), so an
 * edited scenario starts again from zero.
 *
 *   node --import tsx bench/manifestation-log.ts add <runs-dir>...   record the run folders found there
 *   node --import tsx bench/manifestation-log.ts table               the table for the current files
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { scenariosDir } from '../src/cli/commands/scenario.js';
import { textTable } from '../src/scenarios/runner-report.js';
import type { RunResult } from '../src/scenarios/runner.js';

export const LOG_FILE = join(import.meta.dirname, 'records', 'manifestation-runs.jsonl');

export interface RunRecord {
  runId: string;
  scenario: string;
  /** sha256 of the scenario file as run (first 16 hex digits). */
  scenarioSha: string;
  startedAt: string;
  verdict: RunResult['verdict'];
  recovered: boolean;
  control: boolean;
  durationMs: number;
  /** The run had an agent phase (an eval run). */
  agent: boolean;
  /** The commit checked out when the run was recorded. */
  commit: string;
}

const sha = (text: string | Buffer) => createHash('sha256').update(text).digest('hex').slice(0, 16);

function headCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** The run folders under `dir` (any depth up to 2: an eval keeps its runs one level down). */
function runFolders(dir: string, depth = 2): string[] {
  if (existsSync(join(dir, 'result.json')) && existsSync(join(dir, 'scenario.yaml'))) return [dir];
  if (depth === 0 || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((e) => runFolders(join(dir, e.name), depth - 1));
}

export function readLog(file = LOG_FILE): RunRecord[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as RunRecord);
}

/** Appends the run folders under `dirs` not yet in the log; returns how many were added. */
export function addRuns(dirs: string[], file = LOG_FILE): number {
  const known = new Set(readLog(file).map((r) => r.runId));
  const commit = headCommit();
  const fresh: RunRecord[] = [];
  for (const folder of dirs.flatMap((d) => runFolders(d))) {
    const result = JSON.parse(readFileSync(join(folder, 'result.json'), 'utf8')) as RunResult;
    // a run stopped by hand (Ctrl-C) says nothing about the scenario
    if (known.has(result.runId) || result.kept || result.error === 'aborted') continue;
    known.add(result.runId);
    fresh.push({
      runId: result.runId,
      scenario: result.scenario,
      scenarioSha: sha(readFileSync(join(folder, 'scenario.yaml'))),
      startedAt: result.startedAt,
      verdict: result.verdict,
      recovered: result.recovered,
      control: result.control,
      durationMs: result.durationMs,
      agent: result.agent !== undefined,
      commit,
    });
  }
  fresh.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  if (fresh.length) appendFileSync(file, fresh.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return fresh.length;
}

/** Per current scenario file: its recorded runs, how many manifested (a control: stayed clean), recovered. */
export function logTable(records: RunRecord[], dir = scenariosDir()): string {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  const rows = files.map((f) => {
    const id = f.replace(/\.yaml$/, '');
    const current = sha(readFileSync(join(dir, f)));
    const mine = records.filter((r) => r.scenario === id);
    const runs = mine.filter((r) => r.scenarioSha === current);
    const good = runs.filter((r) =>
      r.control ? r.verdict === 'did-not-manifest' : r.verdict === 'manifested',
    ).length;
    const verdict =
      runs.length < 10 ? `${runs.length}/10 runs so far` : good / runs.length >= 0.9 ? 'yes' : 'NO';
    return [
      id,
      String(runs.length),
      runs.length && runs[0].control ? `${good} clean` : String(good),
      String(runs.filter((r) => r.recovered).length),
      String(runs.filter((r) => r.verdict === 'error').length),
      String(mine.length - runs.length),
      verdict,
    ];
  });
  return textTable([
    ['SCENARIO', 'RUNS', 'MANIFESTED', 'RECOVERED', 'ERRORS', 'OLDER FILE', '≥ 9 OF 10'],
    ...rows,
  ]);
}

if (import.meta.filename === process.argv[1]) {
  const [command, ...dirs] = process.argv.slice(2);
  if (command === 'add' && dirs.length) {
    process.stdout.write(`${addRuns(dirs)} run(s) added to ${LOG_FILE}\n`);
  } else if (command === 'table') {
    process.stdout.write(`${logTable(readLog())}\n`);
  } else {
    process.stderr.write('usage: manifestation-log.ts add <runs-dir>... | table\n');
    process.exit(2);
  }
}
