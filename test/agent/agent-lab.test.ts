/**
 * The reference agent on a real lab through the in-process ToolClient: quiet while nothing is wrong,
 * then a fault injected by the fault engine (queue-master scaled to 0 while orders keep coming) — the
 * agent must detect it, name the consumer, scale it back and verify that the queue drains.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { inProcessClient } from '../../src/agent-api/client.js';
import { agentContextFromRunLab } from '../../src/agent-api/context.js';
import { runReferenceAgent } from '../../src/agent/index.js';
import { FaultEngine } from '../../src/faults/engine.js';
import { projectRoot } from '../../src/lib/project-root.js';
import { builtinProfile } from '../../src/load/builtin-profiles.js';
import { startLoad, type LoadRun } from '../../src/load/runner.js';
import { startLab, type Lab } from '../../src/platform/local/lab.js';
import { shopTopology } from '../../src/platform/topology.js';
import { acquireLab, type RunLab } from '../../src/scenarios/runner-lab.js';

const home = mkdtempSync(join(tmpdir(), 'agent-lab-'));
const log = process.env.AGENT_TEST_LOG ? (line: string) => console.log(line) : undefined;
let lab: Lab;
let runLab: RunLab;
let load: LoadRun;
let engine: FaultEngine;

before(async () => {
  const tsx = !existsSync(join(projectRoot(), 'dist', 'shop', 'front-end', 'main.js'));
  const { deployments, configMaps } = shopTopology({ mode: tsx ? 'tsx' : 'dist', anyPorts: true });
  lab = await startLab({ home, deployments, configMaps });
  runLab = await acquireLab({ home, scrapeIntervalMs: 2000 });
  engine = new FaultEngine({ ...runLab.ctx, runId: 'agentlab' }, join(home, 'journal.json'));
  load = startLoad({
    host: await runLab.frontEndUrl(),
    profile: builtinProfile('mixed')!,
    users: 10,
    spawnRate: 5,
    durationMs: 600_000,
  });
  await new Promise((r) => setTimeout(r, 25_000)); // warm-up: a baseline to compare with
});

after(async () => {
  await engine?.revertAll();
  await load?.stop();
  await runLab?.close();
  await lab?.stop();
  rmSync(home, { recursive: true, force: true });
});

const client = () => inProcessClient(agentContextFromRunLab(runLab));

test('no fault: the agent watches and raises nothing', async () => {
  const report = await runReferenceAgent(client(), { budgetMs: 20_000, pollMs: 2000, log });
  assert.equal(report.detected, false, JSON.stringify(report.symptoms));
  assert.deepEqual(report.actions, []);
  assert.equal(report.diagnosis?.detected, false);
});

test('consumer down: detected, localised to queue-master, scaled back, drain verified', async () => {
  await engine.inject({
    id: 'stop-consumer',
    fault: 'consumer-stop',
    params: { deployment: 'queue-master', queue: 'shipping-task' },
    atMs: 0,
  });
  const report = await runReferenceAgent(client(), { budgetMs: 180_000, pollMs: 2000, log });
  assert.equal(report.detected, true);
  assert.equal(report.diagnosis?.faultType, 'consumer-down', report.diagnosis?.summary);
  assert.equal(report.diagnosis?.components[0], 'queue-master');
  assert.ok(
    report.actions.some(
      (a) => a.ok && a.tool === 'scale' && (a.args as { deployment: string }).deployment === 'queue-master',
    ),
    JSON.stringify(report.actions),
  );
  assert.ok(!report.actions.some((a) => a.tool === 'purge_queue'));
  const qm = (await lab.platform.listDeployments()).find((d) => d.name === 'queue-master');
  assert.ok((qm?.replicas ?? 0) >= 1);
  assert.equal(
    report.recoveryVerified,
    true,
    report.timeline.map((s) => `${s.phase}: ${s.concluded}`).join('\n'),
  );
});
