/**
 * `describe_deployment` answers the rollout history (newest first, at most 10, template changes only)
 * on a local platform whose deployments run 0 replicas — no shop, no pod process. A fault injected
 * through the fault engine shows as the env change it made, never as a fault.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { inProcessClient } from '../../src/agent-api/client.js';
import { createAgentContext } from '../../src/agent-api/context.js';
import { openApiDocument } from '../../src/agent-api/openapi.js';
import { FaultEngine } from '../../src/faults/engine.js';
import type { Platform } from '../../src/platform/types.js';
import type { Telemetry } from '../../src/telemetry/runtime.js';
import { fixtureDeployment, tempHome, withPlatform } from '../platform/helpers.js';

interface Answer {
  revision: number;
  rolloutHistory: {
    currentRevision: number;
    revisions?: Array<{
      revision: number;
      createdAt: string;
      replicaSet: string;
      current: boolean;
      changes: string[];
    }>;
    recent: unknown[];
  };
}

// describe_deployment reads the platform only.
const noTelemetry = {} as Telemetry;
const client = (platform: Platform) =>
  inProcessClient(createAgentContext({ platform, telemetry: noTelemetry }));

void test('describe_deployment lists the revisions with their changes, newest first, at most 10', async () => {
  await withPlatform(async (platform) => {
    await platform.apply([
      fixtureDeployment('orders', 'http-pod.ts', {
        replicas: 0,
        service: undefined,
        container: { env: { ORDERS_POOL_SIZE: '8' }, resources: { limits: { cpu: '500m' } } },
      }),
    ]);
    const tools = client(platform);
    const marker = `leakmark${randomBytes(4).toString('hex')}`;
    const journalDir = tempHome();
    after(() => rmSync(journalDir, { recursive: true, force: true }));
    const engine = new FaultEngine(
      { platform, runId: marker, extensions: { setEnv: platform.setEnv.bind(platform) } },
      join(journalDir, 'journal.json'),
    );
    await engine.inject({
      id: `${marker}-step`,
      fault: 'store-config',
      params: { deployment: 'orders', env: { ORDERS_POOL_SIZE: 1 } },
      atMs: 0,
    });
    await platform.scale('orders', 2); // not a revision
    await platform.scale('orders', 0);
    await platform.setResources('orders', { limits: { cpu: '100m' } });

    const answer = (await tools.call('describe_deployment', { name: 'orders' })) as Answer;
    assert.equal(answer.revision, 3);
    assert.equal(answer.rolloutHistory.currentRevision, 3);
    assert.deepEqual(
      answer.rolloutHistory.revisions?.map((r) => [r.revision, r.current, r.changes]),
      [
        [3, true, ['resources limits.cpu: 500m → 100m']],
        [2, false, ['env ORDERS_POOL_SIZE: 8 → 1']],
        [1, false, ['created']],
      ],
    );
    const text = JSON.stringify(answer).toLowerCase();
    for (const word of [marker, 'store-config', 'fault', 'inject', 'scenario'])
      assert.ok(!text.includes(word), `the answer says "${word}"`);

    assert.deepEqual(await engine.revertAll(), []);
    for (let i = 0; i < 12; i++) {
      await sleep(2); // a restart stamp has millisecond precision
      await platform.rolloutRestart('orders');
    }
    const long = (await tools.call('describe_deployment', { name: 'orders' })) as Answer;
    const revisions = long.rolloutHistory.revisions!;
    assert.equal(revisions.length, 10);
    assert.deepEqual(
      revisions.map((r) => r.revision),
      [16, 15, 14, 13, 12, 11, 10, 9, 8, 7],
    );
    assert.deepEqual(revisions[9].changes, ['restarted']);
    assert.deepEqual(
      (await platform.rolloutHistory('orders')).find((r) => r.revision === 4)?.changes,
      undefined,
      'revision 4 (the revert) was trimmed',
    );
  });
});

void test('describe_deployment still answers when the platform has no rollout history to give', async () => {
  await withPlatform(async (platform) => {
    await platform.apply([fixtureDeployment('carts', 'http-pod.ts', { replicas: 0, service: undefined })]);
    // A lab built before `rolloutHistory` answers "unknown method" over the control API.
    const old = Object.create(platform) as Platform;
    old.rolloutHistory = () => Promise.reject(new Error('unknown method rolloutHistory'));
    const answer = (await client(old).call('describe_deployment', { name: 'carts' })) as Answer;
    assert.equal(answer.rolloutHistory.currentRevision, 1);
    assert.equal(answer.rolloutHistory.revisions, undefined);
  });
});

void test('the tool description (OpenAPI summary, MCP description) documents the history', () => {
  const doc = openApiDocument('http://127.0.0.1:1') as {
    paths: Record<string, { post: { summary: string } }>;
  };
  const summary = doc.paths['/api/v1/tools/describe_deployment'].post.summary;
  assert.match(summary, /rolloutHistory\.revisions/);
  assert.match(summary, /newest first, at most 10/);
});
