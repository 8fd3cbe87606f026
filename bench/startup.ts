/**
 * Startup time of the lab: from launching `node dist/cli/index.js up` (what `npm start` runs) to the
 * line saying every pod is ready, measured from outside, plus the time `down` takes. Runs in a
 * temporary state dir on free ports' defaults; needs `npm run build` first.
 *
 *   node --import tsx bench/startup.ts [--runs 3] [--port 18079]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { projectRoot } from '../src/lib/project-root.js';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, port: { type: 'string', default: '18079' } },
});
const root = projectRoot();
const cli = join(root, 'dist', 'cli', 'index.js');

async function once(): Promise<{ readyMs: number; reportedS: number; downMs: number }> {
  const home = mkdtempSync(join(tmpdir(), 'sockshop-lab-bench-'));
  const env = { ...process.env, SOCKSHOP_LAB_HOME: home };
  const t0 = performance.now();
  const lab = spawn(process.execPath, [cli, 'up', '--port', values.port], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: lab.stdout });
      lines.on('line', (l) => {
        if (/is up at|not every pod is ready/.test(l)) resolve(l);
      });
      lab.once('exit', (code) => reject(new Error(`up exited with ${code}`)));
    });
    const readyMs = performance.now() - t0;
    if (!/is up at/.test(line)) throw new Error(line);
    const reportedS = Number(/ready in ([\d.]+) s/.exec(line)?.[1]);
    const t1 = performance.now();
    const result = spawnSync(process.execPath, [cli, 'down'], { cwd: root, env, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`down failed: ${result.stderr}`);
    await new Promise((resolve) => (lab.exitCode !== null ? resolve(null) : lab.once('exit', resolve)));
    return { readyMs, reportedS, downMs: performance.now() - t1 };
  } finally {
    if (lab.exitCode === null && lab.signalCode === null) lab.kill('SIGINT');
    rmSync(home, { recursive: true, force: true });
  }
}

const runs = Number(values.runs);
const results = [];
for (let i = 0; i < runs; i++) {
  const r = await once();
  results.push(r);
  console.log(
    `run ${i + 1}: all pods ready ${(r.readyMs / 1000).toFixed(2)} s after launch (lab reports ${r.reportedS} s); down took ${(r.downMs / 1000).toFixed(2)} s`,
  );
}
const sorted = results.map((r) => r.readyMs).sort((a, b) => a - b);
console.log(
  `startup to all pods ready: median ${(sorted[Math.floor(sorted.length / 2)] / 1000).toFixed(2)} s over ${runs} run(s)`,
);
