/** Lifecycle safety: a SIGKILLed lab leaves processes and cgroups behind; the next start removes them all. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { LocalPlatform } from '../../src/platform/local/platform.js';
import { readLabState } from '../../src/platform/local/lab-state.js';
import { FIXTURES, tempHome, until } from './helpers.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

void test('the next start removes every process and cgroup of a SIGKILLed lab', async () => {
  const home = tempHome();
  const lab = spawn(process.execPath, ['--import', 'tsx', join(FIXTURES, 'lab-child.ts'), home], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let pids: number[] = [];
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: lab.stdout }).once('line', resolve);
      lab.once('exit', (code) => reject(new Error(`lab exited early (${code})`)));
    });
    pids = (JSON.parse(line) as { pids: number[] }).pids;
    assert.equal(pids.length, 3);
    const state = readLabState(home)!;
    assert.equal(state.labPid, lab.pid);
    assert.deepEqual(state.processes.map((p) => p.pid).sort(), [...pids].sort());

    lab.kill('SIGKILL');
    await new Promise((resolve) => lab.once('exit', resolve));
    assert.ok(pids.every(alive), 'pods outlive a SIGKILLed lab');
    const cgroups = state.cgroups;
    if (process.platform === 'linux' && process.getuid?.() === 0)
      assert.ok(cgroups.length > 0 && cgroups.every((c) => existsSync(c)));

    const next = await LocalPlatform.start({ home });
    try {
      assert.ok(next.reclaimed, 'leftovers reported');
      assert.equal(next.reclaimed.runId, state.runId);
      assert.equal(next.reclaimed.processes, 3);
      await until('leftover pods dead', () => pids.every((pid) => !alive(pid)));
      for (const cgroup of cgroups) assert.equal(existsSync(cgroup), false, `${cgroup} removed`);
      assert.notEqual(readLabState(home)!.runId, state.runId);
    } finally {
      await next.shutdown(1);
    }
    assert.equal(readLabState(home), undefined, 'a clean shutdown removes the state file');
  } finally {
    if (lab.exitCode === null && lab.signalCode === null) lab.kill('SIGKILL');
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(home, { recursive: true, force: true });
  }
});

void test('a lab refuses to start over a running one', async () => {
  const home = tempHome();
  const first = await LocalPlatform.start({ home });
  try {
    // The state file names a live process (this one) — a second lab from another process must refuse.
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `import('${join(FIXTURES, '../../src/platform/local/lab-state.ts')}').then(m => m.reclaimLeftovers(${JSON.stringify(home)})).then(() => process.exit(0), (e) => { console.error(e.message); process.exit(3); })`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    assert.equal(code, 3);
    assert.match(stderr, /a lab is already running/);
  } finally {
    await first.shutdown(1);
    rmSync(home, { recursive: true, force: true });
  }
});
