/**
 * Runs every scenario (or the ids given) N times on one lab — a running `sockshop-lab up` or one
 * brought up here — and prints the manifestation table: scenario, runs, manifested, recovered,
 * errors, mean duration. Usage: `node --import tsx bench/scenarios.ts [N=10] [id...]`.
 * Run folders go to runs/bench-<time>/ and are recorded in the manifestation log (manifestation-log.ts).
 */
import { runMany, scenariosDir } from '../src/cli/commands/scenario.js';
import { addRuns } from './manifestation-log.js';
import { loadScenarioDir } from '../src/scenarios/load.js';
import { manifestationTable } from '../src/scenarios/runner-report.js';

const [first, ...rest] = process.argv.slice(2);
const n = first && /^\d+$/.test(first) ? Number(first) : 10;
const ids = first && !/^\d+$/.test(first) ? [first, ...rest] : rest;
const all = await loadScenarioDir(scenariosDir());
const chosen = ids.length ? all.filter((s) => ids.includes(s.scenario.id)) : all;
if (chosen.length === 0) {
  process.stderr.write(`no scenario matches ${ids.join(', ')}\n`);
  process.exit(1);
}
const started = Date.now();
const runsDir = `runs/bench-${new Date().toISOString().replace(/[:.]/g, '-')}`;
const results = await runMany(chosen, { repeat: n, runs: runsDir }, (line) =>
  process.stderr.write(`${line}\n`),
);
process.stdout.write(`${manifestationTable(results)}\n`);
process.stdout.write(`${addRuns([runsDir])} run(s) recorded in the manifestation log\n`);
process.stdout.write(`${results.length} runs in ${((Date.now() - started) / 60_000).toFixed(1)} min\n`);
