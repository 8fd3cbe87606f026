/**
 * The scenario runner on a real lab (every shop service, the embedded broker, cgroups when available):
 * the control run does not manifest and keeps its SLOs; consumer-down manifests from telemetry and is
 * reverted; a run SIGKILLed mid-fault leaves the fault behind, and the next start (journal recovery)
 * reverts it and the shop is back to baseline.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { waitRolledOut } from '../../src/faults/shop-http.js';
import { projectRoot } from '../../src/lib/project-root.js';
import { startLab, type Lab } from '../../src/platform/local/lab.js';
import { shopTopology } from '../../src/platform/topology.js';
import { loadScenarioFile } from '../../src/scenarios/load.js';
import { COMPRESSED, cappedPace, runScenario, type Pace } from '../../src/scenarios/runner.js';
import { JOURNAL_FILE, acquireLab, recoverLeftovers, type RunLab } from '../../src/scenarios/runner-lab.js';

const root = projectRoot();
const home = mkdtempSync(join(tmpdir(), 'runner-lab-'));
const runs = mkdtempSync(join(tmpdir(), 'runner-runs-'));
// The shortest phases that still give the checks a few scrapes (every 2 s) to work with.
const pace: Pace = {
  ...cappedPace(COMPRESSED, 3000),
  warmupMs: 2000,
  pollMs: 1000,
};
let lab: Lab;
let runLab: RunLab;
const children: ChildProcess[] = [];

before(async () => {
  const tsx = !existsSync(join(root, 'dist', 'shop', 'front-end', 'main.js'));
  const { deployments, configMaps } = shopTopology({ mode: tsx ? 'tsx' : 'dist', anyPorts: true });
  lab = await startLab({ home, deployments, configMaps });
  runLab = await acquireLab({ home }); // reuses the lab above through its control endpoint
});

after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await runLab?.close();
  await lab?.stop();
  rmSync(home, { recursive: true, force: true });
  rmSync(runs, { recursive: true, force: true });
});

const scenario = (id: string) => loadScenarioFile(join(root, 'scenarios', `${id}.yaml`));

test('control: nothing manifests, the SLOs hold, a run folder is written', async () => {
  assert.equal(runLab.origin, 'reused');
  const result = await runScenario(await scenario('control'), { lab: runLab, runsDir: runs, pace });
  assert.equal(result.verdict, 'did-not-manifest', result.error);
  assert.equal(result.recovered, true, JSON.stringify(result.checks));
  assert.equal(result.correct, true);
  for (const f of ['scenario.yaml', 'timeline.jsonl', 'checks.json', 'summary.md', 'evidence/before.json'])
    assert.ok(existsSync(join(result.runDir!, f)), f);
  assert.match(readFileSync(join(result.runDir!, 'summary.md'), 'utf8'), /control \(no fault\), recovered/);
});

test('consumer-down: manifests against its baseline, is reverted, and recovers', async () => {
  const result = await runScenario(await scenario('consumer-down'), { lab: runLab, runsDir: runs, pace });
  assert.equal(result.verdict, 'manifested', JSON.stringify(result.checks));
  const userFacing = result.checks.find((c) => c.phase === 'manifestation' && c.userFacing)!;
  assert.equal(userFacing.passed, true);
  assert.equal(userFacing.heldAtBaseline, false);
  assert.equal(result.recovered, true, JSON.stringify(result.checks));
  assert.equal((await lab.platform.getDeployment('queue-master'))?.replicas, 1);
  assert.equal(existsSync(join(home, JOURNAL_FILE)), false);
});

test('a run SIGKILLed mid-fault is reverted by the next start', async () => {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(root, 'src/cli/index.ts'),
      'scenario',
      'run',
      'consumer-down',
      '--home',
      home,
      '--runs',
      runs,
      '--phase-cap',
      '1s',
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const journal = join(home, JOURNAL_FILE);
  const deadline = Date.now() + 120_000;
  while (!(existsSync(journal) && readFileSync(journal, 'utf8').includes('"active"'))) {
    assert.ok(Date.now() < deadline && child.exitCode === null, `no fault was injected:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  assert.equal((await lab.platform.getDeployment('queue-master'))?.replicas, 0, 'the fault outlived its run');

  const report = await recoverLeftovers(runLab); // what `scenario run` / `scenario revert` do first
  assert.deepEqual(report?.reverted, ['stop-consumer']);
  assert.equal(existsSync(journal), false);
  await waitRolledOut(runLab.ctx, 'queue-master', 1);
  const depthDrains = Date.now() + 30_000;
  for (;;) {
    const q = await runLab.ctx.broker!.getQueue('shipping-task');
    if (q && q.consumers >= 1 && q.messages === 0) break;
    assert.ok(Date.now() < depthDrains, `queue not back to baseline: ${JSON.stringify(q)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
});
