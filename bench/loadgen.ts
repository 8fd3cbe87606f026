/**
 * Load-generator efficiency: our generator, Locust (HttpUser and FastHttpUser) and wrk against the
 * same minimal node:http server on loopback, one after another. For each: requests/s, CPU seconds
 * used by the generator process and its children (utime+stime, startup included), and requests
 * per CPU second; then ours relative to Locust and wrk.
 *
 *   node --import tsx bench/loadgen.ts [--seconds 15] [--connections 32]
 *
 * Needs the Debian packages python3-locust and wrk (tools not found are skipped).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '15' }, connections: { type: 'string', default: '32' } },
});
const seconds = Number(values.seconds);
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

/** The target: a node:http server in its own process answering a small JSON body. */
async function startServer(): Promise<{ url: string; child: ChildProcess }> {
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
  return { url: `http://127.0.0.1:${port}`, child };
}

interface Result {
  tool: string;
  requests: number;
  wallS: number;
  cpuS: number;
}

/** Runs one generator to completion; CPU is the growth of this process's reaped-children time. */
async function measure(
  tool: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  count: () => Promise<number>,
): Promise<Result | undefined> {
  if (spawnSync('which', [command]).status !== 0 && !command.startsWith('/')) {
    process.stderr.write(`skipping ${tool}: ${command} not installed\n`);
    return undefined;
  }
  const cpuBefore = await childrenCpu();
  const started = performance.now();
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  await exited(child);
  const wallS = (performance.now() - started) / 1000;
  const cpuS = (await childrenCpu()) - cpuBefore;
  lastOutput = output;
  const requests = await count();
  return { tool, requests, wallS, cpuS };
}
let lastOutput = '';

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'loadgen-bench-'));
  const server = await startServer();
  const results: Result[] = [];
  try {
    const profile = join(dir, 'get.json');
    await writeFile(
      profile,
      JSON.stringify({ name: 'get', journeys: [{ name: 'get', steps: [{ request: 'GET /' }] }] }),
    );
    const ours = await measure(
      'sockshop-lab load',
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/index.ts',
        'load',
        '--host',
        server.url,
        '--profile',
        profile,
        '-u',
        String(connections),
        '-t',
        `${seconds}s`,
        '--json',
        join(dir, 'ours.json'),
        '--interval',
        '60',
      ],
      {},
      async () => JSON.parse(await readFile(join(dir, 'ours.json'), 'utf8')).aggregated.requests,
    );
    if (ours) results.push(ours);
    for (const client of ['', 'fast']) {
      const prefix = join(dir, `locust${client}`);
      const locust = await measure(
        client ? 'locust FastHttpUser' : 'locust HttpUser',
        'locust',
        [
          '-f',
          'bench/locustfile.py',
          '--headless',
          '-u',
          String(connections),
          '-r',
          String(connections),
          '-t',
          `${seconds}s`,
          '--host',
          server.url,
          '--csv',
          prefix,
          '--only-summary',
        ],
        { LOCUST_CLIENT: client },
        async () => {
          const csv = await readFile(`${prefix}_stats.csv`, 'utf8');
          const aggregated = csv.split('\n').find((line) => line.startsWith(',Aggregated,'));
          return Number(aggregated?.split(',')[2] ?? NaN);
        },
      );
      if (locust) results.push(locust);
    }
    const wrk = await measure(
      'wrk',
      'wrk',
      ['-t', '1', '-c', String(connections), '-d', `${seconds}s`, server.url],
      {},
      async () => Number(/(\d+) requests in/.exec(lastOutput)?.[1] ?? NaN),
    );
    if (wrk) results.push(wrk);
  } finally {
    server.child.kill();
    await exited(server.child).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }

  const perCpu = (r: Result) => r.requests / r.cpuS;
  const rps = (r: Result) => r.requests / seconds;
  process.stdout.write(
    `\nGET / on a node:http server, ${connections} connections/users, ${seconds} s each, 2-core machine\n\n`,
  );
  process.stdout.write(
    `| generator | requests | req/s | CPU s | req per CPU s |\n|---|---:|---:|---:|---:|\n`,
  );
  for (const r of results) {
    process.stdout.write(
      `| ${r.tool} | ${r.requests} | ${rps(r).toFixed(0)} | ${r.cpuS.toFixed(2)} | ${perCpu(r).toFixed(0)} |\n`,
    );
  }
  const ours = results.find((r) => r.tool === 'sockshop-lab load');
  if (ours) {
    process.stdout.write('\n');
    for (const other of results.filter((r) => r !== ours)) {
      process.stdout.write(
        `ours / ${other.tool}: ${(rps(ours) / rps(other)).toFixed(2)}× req/s, ${(perCpu(ours) / perCpu(other)).toFixed(2)}× req per CPU s\n`,
      );
    }
  }
}

await main();
