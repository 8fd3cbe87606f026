/**
 * `sockshop-lab scenario list | show <id> | run <id>|--all | revert | validate <file>`: the catalogue of
 * failure scenarios and the runner. `run` reuses a lab started with `sockshop-lab up` or brings one up
 * for the run; Ctrl-C reverts the fault before exiting, and a crashed run is reverted by the next
 * `run` or `revert` (fault journal in the lab's home).
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { stringify } from 'yaml';
import { projectRoot } from '../../lib/project-root.js';
import { formatDuration, parseDuration } from '../../scenarios/duration.js';
import { loadScenarioDir, loadScenarioFile, type LoadedScenario } from '../../scenarios/load.js';
import { COMPRESSED, REAL_TIME, cappedPace, runScenario, type RunResult } from '../../scenarios/runner.js';
import { acquireLab, recoverLeftovers, type RunLab } from '../../scenarios/runner-lab.js';
import { manifestationTable, textTable, verdictLine } from '../../scenarios/runner-report.js';

const out = (line = '') => process.stdout.write(`${line}\n`);

export function scenariosDir(dir?: string): string {
  return dir ?? process.env.SOCKSHOP_SCENARIOS ?? join(projectRoot(), 'scenarios');
}

async function catalogue(dir?: string): Promise<LoadedScenario[]> {
  return loadScenarioDir(scenariosDir(dir));
}

async function find(id: string, dir?: string): Promise<LoadedScenario> {
  const all = await catalogue(dir);
  const hit = all.find((s) => s.scenario.id === id);
  if (!hit)
    throw new Error(
      `unknown scenario "${id}" (see \`sockshop-lab scenario list\`: ${all.map((s) => s.scenario.id).join(', ')})`,
    );
  return hit;
}

async function list(o: { dir?: string }): Promise<void> {
  const rows = (await catalogue(o.dir)).map(({ scenario: s }) => [
    s.id,
    s.title,
    s.control ? 'control' : s.seed.section.split(/[–—-]/)[0].trim(),
    s.faults.map((f) => f.fault).join(', ') || (s.load.duringFault ? 'load surge' : '—'),
  ]);
  out(textTable([['ID', 'TITLE', 'SEED', 'FAULTS'], ...rows]));
}

async function show(id: string, o: { dir?: string }): Promise<void> {
  const { scenario: s } = await find(id, o.dir);
  out(`${s.id} — ${s.title}`);
  out(`seed:        ${s.seed.document} — ${s.seed.section}`);
  out(`user impact: ${s.userImpact}`);
  out(`signals:     ${s.goldenSignals.join(', ')}`);
  out(`scaling:     ${s.scaling}`);
  const l = s.load;
  out(
    `load:        ${typeof l.profile === 'string' ? l.profile : 'inline profile'}, ${l.users !== undefined ? `${l.users} users` : `${l.rate ?? 'ramp'} journeys/s`}${l.duringFault ? ' + a surge during the fault' : ''}`,
  );
  out(
    `phases:      warm-up ${formatDuration(s.phases.warmup)}, baseline ${formatDuration(s.phases.baseline)}`,
  );
  if (s.faults.length) {
    out('faults:');
    for (const f of s.faults)
      out(
        `  - ${f.id}: ${f.fault} at +${formatDuration(f.at)}${f.duration ? ` for ${formatDuration(f.duration)}` : ''} ${JSON.stringify(f.params)}`,
      );
  }
  const checks = (title: string, list: typeof s.recovery.checks) => {
    out(title);
    for (const c of list) {
      const signal = 'promql' in c ? c.promql : `state ${c.state} ${JSON.stringify(c.params)}`;
      const threshold = [
        c.value !== undefined ? `${c.value}` : '',
        c.baseline ? `baseline×${c.baseline.factor}+${c.baseline.offset}` : '',
      ]
        .filter(Boolean)
        .join(' / ');
      out(
        `  - ${c.id}${c.userFacing ? ' (user-facing)' : ''}: ${signal} ${c.op} ${threshold}${c.for ? ` for ${formatDuration(c.for)}` : ''}`,
      );
    }
  };
  if (s.manifestation)
    checks(`manifestation (within ${formatDuration(s.manifestation.within)}):`, s.manifestation.checks);
  checks(
    `recovery (within ${formatDuration(s.recovery.within)}, settle ${formatDuration(s.recovery.settle)}):`,
    s.recovery.checks,
  );
  if (s.remediations.length) {
    out('remediations that count:');
    for (const r of s.remediations) out(`  - ${r.id}: ${r.description}`);
  }
  if (s.groundTruth) out(`ground truth:\n${stringify(s.groundTruth).replace(/^/gm, '  ').trimEnd()}`);
}

interface RunCliOptions {
  all?: boolean;
  keep?: boolean;
  repeat: number;
  dir?: string;
  home?: string;
  runs: string;
  realTime?: boolean;
  phaseCap?: number;
  png?: boolean;
  tsx?: boolean;
}

/** Runs scenarios one after the other on one lab; Ctrl-C aborts the current run (its fault is reverted). */
export async function runMany(
  loaded: LoadedScenario[],
  o: Omit<RunCliOptions, 'all' | 'dir'>,
  log: (line: string) => void = out,
): Promise<RunResult[]> {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: aborting; the active fault is being reverted…`);
    controller.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let lab: RunLab | undefined;
  const results: RunResult[] = [];
  try {
    lab = await acquireLab({ home: o.home, tsx: o.tsx, log });
    const left = await recoverLeftovers(lab);
    if (left)
      log(
        `reverted what crashed run ${left.runId} left active: ${left.reverted.join(', ') || 'nothing'}${left.errors.length ? `; failed: ${left.errors.join('; ')}` : ''}`,
      );
    const pace = o.realTime ? REAL_TIME : COMPRESSED;
    for (let round = 0; round < o.repeat; round++)
      for (const scenario of loaded) {
        if (controller.signal.aborted) break;
        const result = await runScenario(scenario, {
          lab,
          runsDir: o.runs,
          pace: o.phaseCap === undefined ? pace : cappedPace(pace, o.phaseCap),
          keep: o.keep,
          signal: controller.signal,
          png: o.png,
          log: (line) => log(`${scenario.scenario.id} ${line}`),
        });
        results.push(result);
        log(
          `${result.scenario}: ${verdictLine(result)} (${formatDuration(result.durationMs)}) → ${result.runDir ?? ''}`,
        );
        if (result.kept) {
          if (lab.origin === 'reused') {
            log('the fault stays until `sockshop-lab scenario revert` (or the next `scenario run`)');
            return results;
          }
          log(
            'the lab lives in this process: the fault stays until Ctrl-C, which reverts it and stops the lab',
          );
          await new Promise<void>((resolve) =>
            controller.signal.addEventListener('abort', () => resolve(), { once: true }),
          );
          await recoverLeftovers(lab);
          return results;
        }
      }
    return results;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await lab?.close();
  }
}

async function run(id: string | undefined, o: RunCliOptions): Promise<void> {
  if (!id && !o.all) throw new Error('give a scenario id or --all');
  if (id && o.all) throw new Error('give a scenario id or --all, not both');
  if (o.keep && (o.all || o.repeat > 1)) throw new Error('--keep runs one scenario once');
  const loaded = o.all ? await catalogue(o.dir) : [await find(id!, o.dir)];
  const results = await runMany(loaded, o);
  if (results.length > 1) out(`\n${manifestationTable(results)}`);
  if (results.some((r) => r.verdict === 'error' || (!r.kept && !r.recovered))) process.exitCode = 1;
}

async function revert(o: { home?: string }): Promise<void> {
  const lab = await acquireLab({ home: o.home, reuseOnly: true });
  try {
    const report = await recoverLeftovers(lab);
    if (!report) out('sockshop-lab: no fault is active (or a run still owns it — stop that run with Ctrl-C)');
    else {
      out(`sockshop-lab: reverted ${report.reverted.join(', ') || 'nothing'} of run ${report.runId}`);
      if (report.errors.length) throw new Error(`could not revert: ${report.errors.join('; ')}`);
    }
  } finally {
    await lab.close();
  }
}

async function validate(files: string[]): Promise<void> {
  let bad = 0;
  for (const file of files) {
    try {
      const { scenario } = await loadScenarioFile(file);
      out(`${file}: ok (${scenario.id})`);
    } catch (error) {
      bad++;
      process.stderr.write(`${(error as Error).message}\n`);
    }
  }
  if (bad) process.exitCode = 1;
}

function duration(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0)
    throw new InvalidArgumentError('must be a duration such as 500ms, 2s or 1m');
  return ms;
}

function positive(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

export function registerScenario(program: Command): void {
  const cmd = program.command('scenario').description('failure scenarios: list, show, run, revert, validate');
  const dirOption = [
    '--dir <dir>',
    'scenario folder (default $SOCKSHOP_SCENARIOS or ./scenarios of the project)',
  ] as const;
  cmd
    .command('list')
    .description('the catalogue: id, title, seed, faults')
    .option(...dirOption)
    .action((o: { dir?: string }) => list(o));
  cmd
    .command('show <id>')
    .description('one scenario in readable form')
    .option(...dirOption)
    .action((id: string, o: { dir?: string }) => show(id, o));
  cmd
    .command('run [id]')
    .description(
      'run a scenario (or --all): baseline, inject, manifestation checks, evidence, revert, recovery',
    )
    .option('--all', 'run the whole catalogue, one after the other')
    .option(
      '--keep',
      'leave the fault in place after the manifestation checks (revert with `scenario revert`)',
    )
    .option('--repeat <n>', 'run each scenario n times', positive, 1)
    .option('--runs <dir>', 'where run folders go', 'runs')
    .option('--real-time', "use the scenario's own phase lengths instead of the compressed ones")
    .option(
      '--phase-cap <duration>',
      'cap warm-up, baseline, check windows and settle at this duration (quick trial runs), e.g. 2s',
      duration,
    )
    .option('--png', 'render PNG charts besides the SVGs (needs Chromium)')
    .option('--tsx', 'when bringing a lab up: run the TypeScript sources instead of dist/')
    .option('--home <dir>', 'lab state directory (default $SOCKSHOP_LAB_HOME or ./.lab)')
    .option(...dirOption)
    .action((id: string | undefined, o: RunCliOptions) => run(id, o));
  cmd
    .command('revert')
    .description('revert whatever fault a kept or crashed run left active in the running lab')
    .option('--home <dir>', 'lab state directory (default $SOCKSHOP_LAB_HOME or ./.lab)')
    .action((o: { home?: string }) => revert(o));
  cmd
    .command('validate <files...>')
    .description('check scenario files; every problem is reported with its line')
    .action((files: string[]) => validate(files));
}
