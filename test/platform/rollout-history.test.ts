/**
 * Rollout history: every template change, restart, config-map roll and undo is a revision with a
 * computed change line; scaling is not. Deployments at 0 replicas, so no pod process starts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startControlServer } from '../../src/platform/local/control-api.js';
import { describeRevisionChange, type RevisionContent } from '../../src/platform/rollout-history.js';
import type { ContainerSpec } from '../../src/platform/types.js';
import { fixtureDeployment, withPlatform } from './helpers.js';

const idle = (name: string, container: Partial<ContainerSpec> = {}) =>
  fixtureDeployment(name, 'http-pod.ts', { replicas: 0, service: undefined, container });

void test('each change is a revision with what changed; scaling and a no-op set env are not', async () => {
  await withPlatform(async (platform) => {
    await platform.apply(
      [
        idle('api', {
          env: { POOL_SIZE: '8', DB_URL: 'mongodb://shop:s3cret@127.0.0.1:27017/shop' },
          resources: { requests: { cpu: '100m' }, limits: { cpu: '500m', memory: '256Mi' } },
          configMaps: [{ configMap: 'rates', env: 'RATES_DIR' }],
        }),
        idle('other'),
      ],
      { rates: { 'rates.yaml': 'eu: 4.99\n' } },
    );
    const changesOf = async () => (await platform.rolloutHistory('api')).map((r) => [r.revision, r.changes]);
    assert.deepEqual(await changesOf(), [[1, ['created']]]);

    await platform.scale('api', 3);
    await platform.scale('api', 0);
    await platform.setEnv('api', { POOL_SIZE: '8' });
    assert.equal((await platform.rolloutHistory('api')).length, 1, 'scale and a no-op set env add nothing');

    await platform.setEnv('api', { POOL_SIZE: '1', DEBUG: 'true' });
    await platform.setResources('api', { limits: { cpu: '100m' } });
    await platform.rolloutRestart('api');
    await platform.setConfigMap('rates', { 'rates.yaml': 'eu: 49.9\n' });
    await platform.setEnv('api', { DB_URL: 'mongodb://shop:other-s3cret@10.0.0.1:27017/shop', DEBUG: null });

    const history = await platform.rolloutHistory('api');
    assert.deepEqual(
      history.map((r) => [r.revision, r.changes]),
      [
        [
          6,
          [
            'env DB_URL: mongodb://shop:***@127.0.0.1:27017/shop → mongodb://shop:***@10.0.0.1:27017/shop',
            'env DEBUG: true → (none)',
          ],
        ],
        [5, ['config map rates: v1 → v2']],
        [4, ['restarted']],
        [3, ['resources limits.cpu: 500m → 100m']],
        [2, ['env POOL_SIZE: 8 → 1', 'env DEBUG: (none) → true']],
        [1, ['created']],
      ],
    );
    assert.ok(!JSON.stringify(history).includes('s3cret'), 'URL passwords are masked');
    assert.deepEqual(
      history.map((r) => r.current),
      [true, false, false, false, false, false],
    );
    const times = history.map((r) => r.createdAt);
    assert.ok(times.every((t) => !Number.isNaN(Date.parse(t))));
    assert.deepEqual([...times].sort().reverse(), times, 'newest first');
    const current = await platform.getDeployment('api');
    assert.equal(current!.revision, 6);
    assert.equal(history[0].replicaSet, current!.replicaSet);
    assert.equal(new Set(history.map((r) => r.replicaSet)).size, 6);

    // Undo goes back to revision 5's template: a new revision 7 says so and shows the diff.
    await platform.rolloutUndo('api');
    const undone = await platform.rolloutHistory('api');
    assert.deepEqual(
      undone.map((r) => r.revision),
      [7, 6, 4, 3, 2, 1],
      'the restored revision moves to the top',
    );
    assert.deepEqual(undone[0].changes, [
      'rollback to revision 5',
      'env DB_URL: mongodb://shop:***@10.0.0.1:27017/shop → mongodb://shop:***@127.0.0.1:27017/shop',
      'env DEBUG: (none) → true',
    ]);
    assert.equal(undone[0].replicaSet, history[1].replicaSet, 'the old replica set comes back');

    // A config-map change rolls every mounting deployment; others keep their one revision.
    assert.deepEqual(
      (await platform.rolloutHistory('other')).map((r) => r.revision),
      [1],
    );
    await assert.rejects(platform.rolloutHistory('nope'), /deployments.apps "nope" not found/);
  });
});

void test('the history keeps the 10 newest revisions (revisionHistoryLimit)', async () => {
  await withPlatform(async (platform) => {
    await platform.apply([idle('web')]);
    for (let i = 1; i <= 14; i++) await platform.setEnv('web', { STEP: String(i) });
    const history = await platform.rolloutHistory('web');
    assert.deepEqual(
      history.map((r) => r.revision),
      [15, 14, 13, 12, 11, 10, 9, 8, 7, 6],
    );
    assert.deepEqual(history[0].changes, ['env STEP: 13 → 14']);
    assert.deepEqual(history.at(-1)!.changes, ['env STEP: 4 → 5'], 'changes survive the trimming');

    // Over the control API, as the CLI and an agent API on a running lab reach it.
    const control = await startControlServer(platform, { info: () => ({}), onShutdown: () => {} });
    try {
      const res = await fetch(`${control.url}/v1/rolloutHistory`, {
        method: 'POST',
        headers: { authorization: `Bearer ${control.token}` },
        body: JSON.stringify(['web']),
      });
      assert.equal(res.status, 200);
      assert.deepEqual(((await res.json()) as { result: unknown }).result, history);
    } finally {
      await control.close();
    }
  });
});

void test('change lines: generic fields, bounded values, restart only when the stamp moves forward', () => {
  const base: RevisionContent = {
    template: {
      labels: { app: 'web' },
      terminationGracePeriodSeconds: 30,
      container: {
        name: 'web',
        command: ['node', 'web.js'],
        ports: [{ name: 'http', env: 'PORT' }],
        readinessProbe: { httpGet: { path: '/health' }, periodSeconds: 1 },
      },
    },
    configMapVersions: {},
    restartedAt: '2026-01-01T00:00:00.000Z',
  };
  const next = structuredClone(base);
  next.template.container.command = ['node', 'web2.js'];
  next.template.container.readinessProbe!.periodSeconds = 5;
  next.template.terminationGracePeriodSeconds = 5;
  next.template.container.env = { LONG: 'x'.repeat(100), BLANK: '' };
  next.template.container.configMaps = [{ configMap: 'cfg', env: 'CFG', key: 'a.yaml' }];
  next.configMapVersions = { cfg: 3 };
  assert.deepEqual(describeRevisionChange(base, next), [
    'command: node web.js → node web2.js',
    `env LONG: (none) → ${'x'.repeat(59)}…`,
    'env BLANK: (none) → ""',
    'config map mounts: (none) → cfg/a.yaml',
    'readinessProbe.periodSeconds: 1 → 5',
    'terminationGracePeriodSeconds: 30 → 5',
    'config map cfg v3',
  ]);
  assert.deepEqual(describeRevisionChange(base, structuredClone(base)), []);

  const restarted = { ...base, restartedAt: '2026-01-02T00:00:00.000Z' };
  assert.deepEqual(describeRevisionChange(base, restarted), ['restarted']);
  assert.deepEqual(describeRevisionChange(restarted, base), [], 'going back to an older stamp is no restart');

  const many = structuredClone(base);
  many.template.container.env = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`K${i}`, 'v']));
  const lines = describeRevisionChange(base, many);
  assert.equal(lines.length, 9);
  assert.equal(lines.at(-1), '+4 more changes');
});
