/**
 * Load-generator efficiency: our generator (default transport and undici), Locust (HttpUser and
 * FastHttpUser) and wrk against the same targets on loopback, one after another:
 * - `node:http GET /`: a minimal node:http server in its own process (small JSON body);
 * - `front-end GET /catalogue`: the shop's front-end and catalogue as real processes (skip: --no-shop).
 * For each: requests/s, CPU seconds of the generator process and its children (utime+stime), and
 * requests per CPU second two ways: whole run (startup included) and marginal — each tool also
 * runs for a third of the time, and (requests long − short) / (CPU long − short) cancels the fixed
 * startup (tsx and the CLI's imports for ours, Python imports for Locust). Ratios: ours vs the rest.
 *
 *   node --import tsx bench/loadgen.ts [--seconds 12] [--connections 32] [--no-shop]
 *
 * Needs the Debian packages python3-locust and wrk (tools not found are skipped).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startService, type StartedProcess } from '../test/helpers/process.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '12' },
    connections: { type: 'string', default: '32' },
    'no-shop': { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const shortSeconds = Math.max(2, Math.round(seconds / 3));
const connections = Number(values.connections);
const TICKS = Number(spawnSync('getconf', ['CLK_TCK']).stdout.toString().trim() || 100);

/** CPU seconds of reaped children of this process (fields 16, 17 of /proc/self/stat: cutime, cstime). */
async function childrenCpu(): Promise<number> {
  const stat = await readFile('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / TICKS;
}

function exited(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

interface Target {
  label: string;
  /** Base URL without a trailing slash. */
  base: string;
  path: string;
  stop(): Promise<void>;
}

/** A node:http server in its own process answering a small JSON body. */
async function startPlainServer(): Promise<Target> {
  const code = `
    const body = JSON.stringify({ id: '3395a43e-2d88-40de-b95f-e00e1502085b', name: 'Colourful', price: 18 });
    require('node:http').createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    }).listen(0, '127.0.0.1', function () { process.stdout.write(this.address().port + '\\n'); });`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) =>
    child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())),
  );
  return {
    label: 'node:http GET /',
    base: `http://127.0.0.1:${port}`,
    path: '/',
    stop: async () => {
      child.kill();
      await exited(child).catch(() => undefined);
    },
  };
}

/** The front-end and the catalogue as processes; GET /catalogue goes front-end → catalogue. */
async function startShopTarget(): Promise<Target> {
  const catalogue = await startService('catalogue', { POD_NAME: 'catalogue-bench' }, 'auto');
  let frontEnd: StartedProcess;
  try {
    frontEnd = await startService(
      'front-end',
      {
        POD_NAME: 'front-end-bench',
        SOCKSHOP_SERVICES: JSON.stringify({ catalogue: catalogue.url }),
      },
      'auto',
    );
  } catch (error) {
    await catalogue.stop();
    throw error;
  }
  return {
    label: 'front-end GET /catalogue',
    base: frontEnd.url.replace(/\/$/, ''),
    path: '/catalogue',
    stop: async () => {
      await frontEnd.stop();
      await catalogue.stop();
    },
  };
}

interface Run {
  requests: number;
  cpuS: number;
}

interface Result {
  tool: string;
  long: Run;
  short: Run;
}

interface Tool {
  name: string;
  command: string;
  args(target: Target, runSeconds: number, out: string): string[];
  env?: NodeJS.ProcessEnv;
  requests(out: string, output: string): Promise<number>;
}

function tools(dir: string): Tool[] {
  const profile = join(dir, 'profile.json');
  const ours = (transport: string): Tool => ({
    name: `ours (${transport})`,
    command: process.execPath,
    args: (target, s, out) => [
      '--import',
      'tsx',
      'src/cli/index.ts',
      'load',
      '--host',
      target.base,
      '--profile',
      profile,
      '-u',
      String(connections),
      '-t',
      `${s}s`,
      '--transport',
      transport,
      '--json',
      out,
      '--interval',
      '600',
    ],
    requests: async (out) =>
      (JSON.parse(await readFile(out, 'utf8')) as { aggregated: { requests: number } }).aggregated.requests,
  });
  const locust = (client: string): Tool => ({
    name: client ? 'locust FastHttpUser' : 'locust HttpUser',
    command: 'locust',
    args: (target, s, out) => [
      '-f',
      'bench/locustfile.py',
      '--headless',
      '-u',
      String(connections),
      '-r',
      String(connections),
      '-t',
      `${s}s`,
      '--host',
      target.base,
      '--csv',
      out,
      '--only-summary',
    ],
    env: { LOCUST_CLIENT: client },
    requests: async (out) => {
      const csv = await readFile(`${out}_stats.csv`, 'utf8');
      const aggregated = csv.split('\n').find((line) => line.startsWith(',Aggregated,'));
      return Number(aggregated?.split(',')[2] ?? NaN);
    },
  });
  const wrk: Tool = {
    name: 'wrk',
    command: 'wrk',
    args: (target, s) => ['-t', '1', '-c', String(connections), '-d', `${s}s`, target.base + target.path],
    requests: async (_out, output) => Number(/(\d+) requests in/.exec(output)?.[1] ?? NaN),
  };
  return [ours('fast'), ours('undici'), locust(''), locust('fast'), wrk];
}

/** Runs one generator to completion; CPU is the growth of this process's reaped-children time. */
async function measure(tool: Tool, target: Target, runSeconds: number, out: string): Promise<Run> {
  const cpuBefore = await childrenCpu();
  const child = spawn(tool.command, tool.args(target, runSeconds, out), {
    env: { ...process.env, LOCUST_PATH: target.path, ...tool.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  await exited(child);
  const cpuS = (await childrenCpu()) - cpuBefore;
  return { requests: await tool.requests(out, output), cpuS };
}

const perCpu = (r: Run) => r.requests / r.cpuS;
const marginal = (r: Result) => (r.long.requests - r.short.requests) / (r.long.cpuS - r.short.cpuS);

function report(target: Target, results: Result[]): void {
  process.stdout.write(
    `\n${target.label}: ${connections} connections/users, ${seconds} s (and ${shortSeconds} s for the marginal figure)\n\n` +
      '| generator | requests | req/s | CPU s | req per CPU s | marginal req per CPU s |\n' +
      '|---|---:|---:|---:|---:|---:|\n',
  );
  for (const r of results) {
    process.stdout.write(
      `| ${r.tool} | ${r.long.requests} | ${(r.long.requests / seconds).toFixed(0)} | ${r.long.cpuS.toFixed(2)} | ` +
        `${perCpu(r.long).toFixed(0)} | ${marginal(r).toFixed(0)} |\n`,
    );
  }
  const ours = results.find((r) => r.tool.startsWith('ours (fast'));
  if (!ours) return;
  process.stdout.write('\n');
  for (const other of results.filter((r) => r !== ours)) {
    process.stdout.write(
      `ours / ${other.tool}: ${(ours.long.requests / other.long.requests).toFixed(2)}× req/s, ` +
        `${(perCpu(ours.long) / perCpu(other.long)).toFixed(2)}× req per CPU s, ` +
        `${(marginal(ours) / marginal(other)).toFixed(2)}× marginal\n`,
    );
  }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'loadgen-bench-'));
  const available = tools(dir).filter((tool) => {
    const found = tool.command.startsWith('/') || spawnSync('which', [tool.command]).status === 0;
    if (!found) process.stderr.write(`skipping ${tool.name}: ${tool.command} not installed\n`);
    return found;
  });
  const starters = values['no-shop'] ? [startPlainServer] : [startPlainServer, startShopTarget];
  try {
    for (const start of starters) {
      const target = await start();
      try {
        await writeFile(
          join(dir, 'profile.json'),
          JSON.stringify({
            name: 'get',
            journeys: [{ name: 'get', steps: [{ request: `GET ${target.path}` }] }],
          }),
        );
        const results: Result[] = [];
        for (const tool of available) {
          const out = join(dir, 'out');
          const short = await measure(tool, target, shortSeconds, `${out}-short`);
          const long = await measure(tool, target, seconds, `${out}-long`);
          results.push({ tool: tool.name, long, short });
        }
        report(target, results);
      } finally {
        await target.stop();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
