/** `sockshop-lab load`: drives a load profile against a shop (or any host) and reports like Locust. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { BUILTIN_PROFILE_NAMES, builtinProfile } from '../../load/builtin-profiles.js';
import { loadProfileFile, type Profile } from '../../load/profile.js';
import {
  formatFailures,
  formatJourneys,
  formatProgressLine,
  formatTable,
  writeCsv,
  writeJson,
} from '../../load/report.js';
import { startLoad, type LoadOptions, type LoadSnapshot } from '../../load/runner.js';
import { parseDuration, parseRamp, parseRate } from '../../load/units.js';

interface LoadFlags {
  host: string;
  profile: string;
  target: Record<string, string>;
  users?: number;
  spawnRate?: number;
  duration?: number;
  iterations?: number;
  rate?: number;
  ramp?: LoadOptions['ramp'];
  arrivals: 'uniform' | 'poisson';
  maxInFlight?: number;
  thinkTime?: { min: number; max: number };
  connections?: number;
  transport: 'fast' | 'undici';
  timeout: number;
  stopTimeout: number;
  percentiles: 'hdr' | 'locust';
  seed?: number;
  csv?: string;
  json?: string;
  interval: number;
}

/** Wraps a parser so commander reports its message as the one error line. */
function parser<T>(parse: (text: string, previous: T) => T): (text: string, previous: T) => T {
  return (text, previous) => {
    try {
      return parse(text, previous);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

function positiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`expected a whole number above 0, got "${text}"`);
  return n;
}

function positiveNumber(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`expected a number above 0, got "${text}"`);
  return n;
}

/** `--think-time 1` or `--think-time 0.5-2` (seconds). */
function thinkTime(text: string): { min: number; max: number } {
  const match = /^(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?$/.exec(text.trim());
  if (!match) throw new Error(`expected seconds or a range like 0.5-2, got "${text}"`);
  const min = Number(match[1]);
  const max = match[2] === undefined ? min : Number(match[2]);
  if (max < min) throw new Error(`the range ${text} ends before it starts`);
  return { min, max };
}

function target(text: string, previous: Record<string, string>): Record<string, string> {
  const eq = text.indexOf('=');
  const url = text.slice(eq + 1);
  if (eq <= 0 || !URL.canParse(url))
    throw new Error(`expected name=URL, e.g. user=http://127.0.0.1:8085, got "${text}"`);
  return { ...previous, [text.slice(0, eq)]: url };
}

async function resolveProfile(nameOrFile: string): Promise<Profile> {
  return builtinProfile(nameOrFile) ?? loadProfileFile(nameOrFile);
}

export async function load(flags: LoadFlags): Promise<number> {
  const profile = await resolveProfile(flags.profile);
  const run = startLoad({
    host: flags.host,
    profile,
    targets: flags.target,
    users: flags.users,
    spawnRate: flags.spawnRate,
    rate: flags.rate,
    ramp: flags.ramp,
    arrivals: flags.arrivals,
    maxInFlight: flags.maxInFlight,
    durationMs: flags.duration,
    iterations: flags.iterations,
    thinkTime: flags.thinkTime,
    connections: flags.connections,
    transport: flags.transport,
    timeoutMs: flags.timeout,
    stopTimeoutMs: flags.stopTimeout,
    percentiles: flags.percentiles,
    seed: flags.seed,
  });
  const first = run.snapshot();
  for (const notice of first.notices) process.stderr.write(`sockshop-lab load: ${notice}\n`);

  const live = process.stdout.isTTY === true;
  let drawnLines = 0;
  const draw = () => {
    const snapshot = run.snapshot();
    if (live) {
      const text = formatTable(snapshot, true);
      process.stdout.write(`${drawnLines ? `\x1b[${drawnLines}A\x1b[J` : ''}${text}\n`);
      drawnLines = text.split('\n').length;
    } else {
      process.stdout.write(`${formatProgressLine(snapshot)}\n`);
    }
  };
  const timer = setInterval(draw, live ? 1000 : flags.interval * 1000);
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write('sockshop-lab load: stopping (Ctrl-C again to quit at once)\n');
    void run.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let final: LoadSnapshot;
  try {
    final = await run.done;
  } finally {
    clearInterval(timer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (live && drawnLines) process.stdout.write(`\x1b[${drawnLines}A\x1b[J`);
  const failures = formatFailures(final);
  process.stdout.write(
    `${formatTable(final, false)}\n\n${formatJourneys(final)}\n${failures ? `\n${failures}\n` : ''}`,
  );
  if (flags.csv) process.stdout.write(`wrote ${(await writeCsv(flags.csv, final)).join(', ')}\n`);
  if (flags.json) {
    await writeJson(flags.json, final);
    process.stdout.write(`wrote ${flags.json}\n`);
  }
  // As Locust's --exit-code-on-error: 1 when any request failed.
  return final.aggregated.failures > 0 ? 1 : 0;
}

export function registerLoad(program: Command): void {
  program
    .command('load')
    .description('drive user journeys against the shop; closed model (--users) or open model (--rate/--ramp)')
    .showHelpAfterError(false)
    .requiredOption(
      '-H, --host <url>',
      'base URL of the front-end, e.g. http://127.0.0.1:8079',
      parser(hostUrl),
    )
    .option(
      '-p, --profile <name|file>',
      `built-in profile (${BUILTIN_PROFILE_NAMES.join(', ')}) or a YAML/JSON profile file`,
      'original',
    )
    .addOption(
      new Option('--target <name=url>', 'base URL for steps with `target: name` (repeatable)')
        .argParser(parser(target))
        .default({}, 'none'),
    )
    .option('-u, --users <n>', 'closed model: concurrent users', parser(positiveInt))
    .option('-r, --spawn-rate <n>', 'closed model: users started per second', parser(positiveNumber))
    .option('-t, --duration <time>', 'run length, e.g. 60s, 5m, 1h30m', parser(parseDuration))
    .option('-n, --iterations <n>', 'stop after this many journeys', parser(positiveInt))
    .option('--rate <rate>', 'open model: journeys started per second, e.g. 50/s', parser(parseRate))
    .option(
      '--ramp <stages>',
      'open model: rate stages, e.g. 30s:100/s,2m:100/s,30s:0 (from --rate or 0)',
      parser(parseRamp),
    )
    .addOption(
      new Option('--arrivals <kind>', 'open model: arrival spacing')
        .choices(['uniform', 'poisson'])
        .default('uniform'),
    )
    .option(
      '--max-in-flight <n>',
      'open model: most journeys at once; later arrivals are dropped',
      parser(positiveInt),
    )
    .option('--think-time <s>', 'closed model: seconds between journeys, or a range 0.5-2', parser(thinkTime))
    .option('--connections <n>', 'keep-alive connections per origin', parser(positiveInt))
    .addOption(
      new Option('--transport <client>', 'HTTP client: fast (lean node:net HTTP/1.1) or undici')
        .choices(['fast', 'undici'])
        .default('fast'),
    )
    .addOption(
      new Option('--timeout <time>', 'per-request timeout')
        .argParser(parser(parseDuration))
        .default(60_000, '60s'),
    )
    .addOption(
      new Option('--stop-timeout <time>', 'how long in-flight requests may finish at the end')
        .argParser(parser(parseDuration))
        .default(5000, '5s'),
    )
    .addOption(
      new Option(
        '--percentiles <mode>',
        'hdr (exact to 3 digits) or locust (Locust rounding, for comparisons)',
      )
        .choices(['hdr', 'locust'])
        .default('hdr'),
    )
    .option('--seed <n>', 'seed for journey picks and variables', parser(positiveInt))
    .option('--csv <prefix>', 'write PREFIX_stats.csv and PREFIX_failures.csv (Locust columns)')
    .option('--json <file>', 'write the final snapshot as JSON')
    .option(
      '--interval <seconds>',
      'progress line interval when stdout is not a terminal',
      parser(positiveNumber),
      5,
    )
    .action(async (flags: LoadFlags) => {
      process.exitCode = await load(flags);
    });
}

function hostUrl(text: string): string {
  if (!URL.canParse(text) || !/^https?:/.test(text))
    throw new Error(`expected an http(s) URL, got "${text}"`);
  return text.replace(/\/$/, '');
}
