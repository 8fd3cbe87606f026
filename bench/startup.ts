/**
 * Startup time of the lab: from launching `node dist/cli/index.js up` (what `npm start` runs) to the
 * line saying every pod is ready, measured from outside, plus the time `down` takes. Runs in a
 * temporary state dir on free ports' defaults; needs `npm run build` first.
 *
 * Wall time depends on what else the machine runs, so each run also reports, per pod, the CPU its
 * cgroup burned until the ready line, the time the CFS quota held it back, and its container start
 * → ready time (CPU-seconds barely move with the machine's load; wall time does).
 *
 *   node --import tsx bench/startup.ts [--runs 3] [--port 18079] [--args "--stores memory"]
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { projectRoot } from '../src/lib/project-root.js';
import { readLabState } from '../src/platform/local/lab-state.js';
import { processUsage } from '../src/platform/local/proc.js';
import { connectToLab } from '../src/platform/local/remote.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    port: { type: 'string', default: '18079' },
    args: { type: 'string', default: '' },
  },
});
const root = projectRoot();
const cli = join(root, 'dist', 'cli', 'index.js');

interface PodStartup {
  deployment: string;
  /** CPU-seconds until every pod was ready. */
  cpuSeconds: number;
  throttledSeconds: number;
  /** When its container started, in seconds after the launch of `up`. */
  startedS?: number;
  /** When the bench first saw it ready (polling every 100 ms), in seconds after the launch of `up`. */
  readyS: number;
  /** CPU-seconds it had burned then. */
  cpuAtReady: number;
}

interface Run {
  readyMs: number;
  reportedS: number;
  downMs: number;
  labCpuSeconds?: number;
  pods: PodStartup[];
}

const keyed = (file: string): Record<string, number> =>
  Object.fromEntries(
    readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(' '))
      .map(([k, v]) => [k, Number(v)]),
  );

/** CPU and throttling per pod, read from the cgroups the state file records (cgroup v1 or v2). */
function podCgroupUsage(home: string): Map<string, { cpuSeconds: number; throttledSeconds: number }> {
  const usage = new Map<string, { cpuSeconds: number; throttledSeconds: number }>();
  const paths = readLabState(home)?.cgroups ?? [];
  for (const path of paths) {
    const pod = basename(path);
    const entry = usage.get(pod) ?? { cpuSeconds: 0, throttledSeconds: 0 };
    if (existsSync(join(path, 'cpuacct.usage')))
      entry.cpuSeconds = Number(readFileSync(join(path, 'cpuacct.usage'), 'utf8')) / 1e9;
    if (existsSync(join(path, 'cpu.stat'))) {
      const stat = keyed(join(path, 'cpu.stat'));
      if (stat.usage_usec !== undefined) entry.cpuSeconds = stat.usage_usec / 1e6;
      entry.throttledSeconds = (stat.throttled_time ?? 0) / 1e9 + (stat.throttled_usec ?? 0) / 1e6;
    }
    if (existsSync(join(path, 'cpuacct.usage')) || existsSync(join(path, 'cpu.stat'))) usage.set(pod, entry);
  }
  return usage;
}

/** The eight services of the original shop (the others are its stores and our payment gateway). */
const SHOP_SERVICES = [
  'front-end',
  'catalogue',
  'carts',
  'orders',
  'payment',
  'user',
  'shipping',
  'queue-master',
];

interface Readiness {
  /** ms since the epoch */
  at: number;
  /** The pod's CPU-seconds then. */
  cpuSeconds: number;
}

/** Polls the lab's pods until `done`: when each deployment was first seen ready, and its CPU-seconds then. */
async function watchReadiness(home: string, done: () => boolean): Promise<Map<string, Readiness>> {
  const seen = new Map<string, Readiness>();
  while (!done() && !readLabState(home)?.control) await sleep(50);
  const lab = connectToLab(home);
  while (!done()) {
    const pods = await lab.platform.listPods().catch(() => []);
    const fresh = pods.filter((pod) => pod.ready && !seen.has(pod.deployment));
    const usage = fresh.length > 0 ? podCgroupUsage(home) : undefined;
    for (const pod of fresh)
      seen.set(pod.deployment, { at: Date.now(), cpuSeconds: usage?.get(pod.name)?.cpuSeconds ?? NaN });
    await sleep(100);
  }
  return seen;
}

async function podStartups(
  home: string,
  launchedAt: number,
  upAt: number,
  seen: Map<string, Readiness>,
): Promise<PodStartup[]> {
  const usage = podCgroupUsage(home);
  const pods = await connectToLab(home).platform.listPods();
  return pods.map((pod) => {
    const started = pod.container.state.running?.startedAt;
    const u = usage.get(pod.name);
    return {
      deployment: pod.deployment,
      cpuSeconds: u?.cpuSeconds ?? NaN,
      throttledSeconds: u?.throttledSeconds ?? NaN,
      ...(started ? { startedS: (Date.parse(started) - launchedAt) / 1000 } : {}),
      // The last pod may turn ready, and `up` say so, between two polls.
      readyS: ((seen.get(pod.deployment)?.at ?? upAt) - launchedAt) / 1000,
      cpuAtReady: seen.get(pod.deployment)?.cpuSeconds ?? u?.cpuSeconds ?? NaN,
    };
  });
}

async function once(): Promise<Run> {
  const home = mkdtempSync(join(tmpdir(), 'sockshop-lab-bench-'));
  const env = { ...process.env, SOCKSHOP_LAB_HOME: home };
  const extra = values.args.split(' ').filter(Boolean);
  const t0 = performance.now();
  const launchedAt = Date.now();
  const lab = spawn(process.execPath, [cli, 'up', '--port', values.port, ...extra], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let upLine = false;
  const watching = watchReadiness(home, () => upLine || lab.exitCode !== null);
  try {
    const line = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: lab.stdout });
      lines.on('line', (l) => {
        if (/is up at|not every pod is ready/.test(l)) resolve(l);
      });
      lab.once('exit', (code) => reject(new Error(`up exited with ${code}`)));
    });
    const readyMs = performance.now() - t0;
    upLine = true;
    if (!/is up at/.test(line)) throw new Error(line);
    const reportedS = Number(/ready in ([\d.]+) s/.exec(line)?.[1]);
    const labCpuSeconds = lab.pid === undefined ? undefined : processUsage(lab.pid)?.cpuSeconds;
    const pods = await podStartups(home, launchedAt, Date.now(), await watching);
    const t1 = performance.now();
    const result = spawnSync(process.execPath, [cli, 'down'], { cwd: root, env, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`down failed: ${result.stderr}`);
    await new Promise((resolve) => (lab.exitCode !== null ? resolve(null) : lab.once('exit', resolve)));
    return { readyMs, reportedS, downMs: performance.now() - t1, labCpuSeconds, pods };
  } finally {
    upLine = true;
    await watching.catch(() => undefined);
    if (lab.exitCode === null && lab.signalCode === null) {
      lab.kill('SIGINT');
      await new Promise((resolve) => lab.once('exit', resolve));
    }
    rmSync(home, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => {
  const sorted = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor(sorted.length / 2)];
};
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0];

const runs = Number(values.runs);
const results: Run[] = [];
for (let i = 0; i < runs; i++) {
  const load = loadAverage();
  const r = await once();
  results.push(r);
  const podCpu = r.pods.reduce((sum, p) => sum + (Number.isNaN(p.cpuSeconds) ? 0 : p.cpuSeconds), 0);
  const servicesReady = Math.max(
    ...r.pods.filter((p) => SHOP_SERVICES.includes(p.deployment)).map((p) => p.readyS),
  );
  console.log(
    `run ${i + 1} (load ${load}): the eight shop services ready ${servicesReady.toFixed(2)} s after launch, ` +
      `all pods ${(r.readyMs / 1000).toFixed(2)} s (lab reports ${r.reportedS} s); ` +
      `pods burned ${podCpu.toFixed(2)} CPU-s, the lab process ${r.labCpuSeconds?.toFixed(2) ?? '?'} CPU-s; down took ${(r.downMs / 1000).toFixed(2)} s`,
  );
}

console.log(
  '\nper deployment, median over the runs (CPU-s when ready · CPU-s when all ready · throttled s · container started · ready, s after launch):',
);
const deployments = [...new Set(results.flatMap((r) => r.pods.map((p) => p.deployment)))].sort();
for (const deployment of deployments) {
  const of = (pick: (p: PodStartup) => number | undefined) =>
    median(
      results.flatMap((r) => r.pods.filter((p) => p.deployment === deployment).map((p) => pick(p) ?? NaN)),
    );
  console.log(
    `  ${deployment.padEnd(16)} ${of((p) => p.cpuAtReady)
      .toFixed(2)
      .padStart(6)} ${of((p) => p.cpuSeconds)
      .toFixed(2)
      .padStart(6)} ` +
      `${of((p) => p.throttledSeconds)
        .toFixed(2)
        .padStart(6)} ${of((p) => p.startedS)
        .toFixed(2)
        .padStart(6)} ${of((p) => p.readyS)
        .toFixed(2)
        .padStart(6)}`,
  );
}
console.log(
  `\nstartup to all pods ready: median ${(median(results.map((r) => r.readyMs)) / 1000).toFixed(2)} s over ${runs} run(s)`,
);
