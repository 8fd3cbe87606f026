/**
 * `sockshop-lab eval --agent reference|<command>|mcp:<url> [--scenario id|--all] [--repeat N]
 * [--budget 5m] [--phase-cap 3s]`: runs scenarios with an agent and scores it (src/eval/). Reuses a lab
 * started with `sockshop-lab up` or brings one up for the evaluation.
 */
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { parseAgentSpec } from '../../eval/agents.js';
import { evalTable, runEval } from '../../eval/run-eval.js';
import { parseDuration } from '../../scenarios/duration.js';
import { loadScenarioDir } from '../../scenarios/load.js';
import { COMPRESSED, REAL_TIME, cappedPace } from '../../scenarios/runner.js';
import { scenariosDir } from './scenario.js';

const out = (line = '') => process.stdout.write(`${line}\n`);

interface EvalCliOptions {
  agent: string;
  name?: string;
  scenario?: string;
  all?: boolean;
  repeat: number;
  budget: number;
  phaseCap?: number;
  realTime?: boolean;
  runs: string;
  dir?: string;
  home?: string;
  tsx?: boolean;
  token?: string;
  idle: number;
}

function duration(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0)
    throw new InvalidArgumentError('must be a duration such as 500ms, 2s or 5m');
  return ms;
}

function positive(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

async function evaluate(o: EvalCliOptions): Promise<void> {
  if (!o.scenario && !o.all) throw new Error('give --scenario <id> or --all');
  if (o.scenario && o.all) throw new Error('give --scenario <id> or --all, not both');
  const agent = parseAgentSpec(o.agent, o.token);
  const catalogue = await loadScenarioDir(scenariosDir(o.dir));
  const chosen = o.all ? catalogue : catalogue.filter((s) => s.scenario.id === o.scenario);
  if (!chosen.length)
    throw new Error(
      `unknown scenario "${o.scenario}" (known: ${catalogue.map((s) => s.scenario.id).join(', ')})`,
    );
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    out(`${signal}: aborting; the active fault is being reverted…`);
    controller.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const pace = o.realTime ? REAL_TIME : COMPRESSED;
    const { runs, reportDir } = await runEval(chosen, {
      agent,
      agentName: o.name,
      repeat: o.repeat,
      runsDir: o.runs,
      pace: o.phaseCap === undefined ? pace : cappedPace(pace, o.phaseCap),
      budgetMs: o.budget,
      home: o.home,
      tsx: o.tsx,
      signal: controller.signal,
      log: out,
      announce: out,
      idleAfterDiagnosisMs: o.idle,
    });
    out(`\n${evalTable(runs)}`);
    if (reportDir) out(`\nreport: ${reportDir}/eval.html · leaderboard: ${o.runs}/leaderboard.md`);
    if (runs.some((r) => r.verdict === 'error')) process.exitCode = 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description(
      'run scenarios with an agent and score it: detection, localisation, root cause, mitigation, harm',
    )
    .requiredOption(
      '--agent <agent>',
      '"reference", a command started with SOCKSHOP_MCP_URL/SOCKSHOP_API_URL/SOCKSHOP_TOKEN, or mcp:<url> to wait for an MCP client',
    )
    .option('--name <name>', "the agent's name on reports and the leaderboard")
    .option('--scenario <id>', 'one scenario')
    .option('--all', 'the whole catalogue')
    .option('--repeat <n>', 'run each scenario n times', positive, 1)
    .addOption(
      new Option('--budget <duration>', "the agent's time per run")
        .argParser(duration)
        .default(300_000, '5m'),
    )
    .option(
      '--phase-cap <duration>',
      'cap warm-up, baseline, check windows and settle (quick trials), e.g. 3s',
      duration,
    )
    .option('--real-time', "use the scenario's own phase lengths instead of the compressed ones")
    .option('--runs <dir>', 'where run folders, reports and the leaderboard go', 'runs')
    .option('--token <token>', 'mcp:<url> mode: the bearer token clients use (default: a fresh one, printed)')
    .addOption(
      new Option(
        '--idle <duration>',
        'mcp:<url> mode: end once the client submitted a diagnosis and was quiet this long',
      )
        .argParser(duration)
        .default(15_000, '15s'),
    )
    .option('--tsx', 'when bringing a lab up: run the TypeScript sources instead of dist/')
    .option('--home <dir>', 'lab state directory (default $SOCKSHOP_LAB_HOME or ./.lab)')
    .option('--dir <dir>', 'scenario folder (default $SOCKSHOP_SCENARIOS or ./scenarios of the project)')
    .action((o: EvalCliOptions) => evaluate(o));
}
