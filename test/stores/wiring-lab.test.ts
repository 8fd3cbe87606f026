/**
 * Store wiring on the local platform: the shop topology's store pods (embedded PGlite and session
 * server by default; the machine's own mariadbd / postgres / redis-server with `local`) behind
 * their Services, the services reaching them through SOCKSHOP_SERVICES, pool gauges on /metrics.
 * Only the deployments a case needs are applied, run from the TypeScript sources.
 */
import assert from 'node:assert/strict';
import { chmodSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LocalPlatform } from '../../src/platform/local/platform.js';
import { missingBinary, storeBackends } from '../../src/platform/store-pods.js';
import { shopTopology } from '../../src/platform/topology.js';
import type { StoreKind } from '../../src/stores/config.js';
import { FAST, tempHome, until } from '../platform/helpers.js';

async function startSlice(
  names: string[],
  stores: ReturnType<typeof storeBackends>,
  home: string,
): Promise<LocalPlatform> {
  const platform = await LocalPlatform.start({ home, timings: FAST, sampleIntervalMs: 250 });
  const { deployments } = shopTopology({
    mode: 'tsx',
    anyPorts: true,
    stores,
    dataDir: join(home, 'stores'),
  });
  const slice = deployments
    .filter((d) => names.includes(d.name))
    .map((d) => ({ ...d, calls: d.calls?.filter((c) => names.includes(c)) }));
  try {
    await platform.apply(slice);
    await platform.waitAllReady(120_000);
  } catch (error) {
    const pods = await platform.listPods();
    const logs = await Promise.all(
      pods
        .filter((p) => !p.ready)
        .map(async (p) => `${p.name}: ${(await platform.podLogs(p.name)).slice(-8).join('\n')}`),
    );
    await platform.shutdown(2);
    throw new Error(`${(error as Error).message}\n${logs.join('\n')}`, { cause: error });
  }
  return platform;
}

async function serviceUrl(platform: LocalPlatform, name: string): Promise<string> {
  return `http://127.0.0.1:${(await platform.getService(name))!.ports[0].port}`;
}

async function json(url: string): Promise<unknown> {
  const res = await fetch(url);
  assert.equal(res.status, 200, url);
  return res.json();
}

describe('default store pods: catalogue-db on PGlite, session-db on the session server', () => {
  let home: string;
  let platform: LocalPlatform;
  before(async () => {
    home = tempHome();
    platform = await startSlice(
      ['catalogue', 'catalogue-db', 'front-end', 'session-db'],
      storeBackends(),
      home,
    );
  });
  after(async () => {
    await platform?.shutdown(2);
    rmSync(home, { recursive: true, force: true });
  });

  it('gives the store pods limits and probes, and the services reach them', async () => {
    const [db] = await platform.listPods({ deployment: 'catalogue-db' });
    assert.equal(db.resources.limits?.memory, '1Gi');
    assert.equal(db.qosClass, 'Burstable');
    const [sessions] = await platform.listPods({ deployment: 'session-db' });
    assert.equal(sessions.resources.limits?.cpu, '250m');

    const catalogue = await serviceUrl(platform, 'catalogue');
    assert.deepEqual(await json(`${catalogue}/catalogue/size`), { size: 9, err: null });
    const health = (await json(`${catalogue}/health`)) as {
      health: Array<{ service: string; status: string }>;
    };
    assert.equal(health.health.find((h) => h.service === 'catalogue-db')?.status, 'OK');
    const metrics = await (await fetch(`${catalogue}/metrics`)).text();
    assert.match(metrics, /db_pool_size\{pool="catalogue-db"\} 10/);
    assert.match(metrics, /db_pool_acquire_timeouts_total\{pool="catalogue-db"\} 0/);

    const frontEnd = await serviceUrl(platform, 'front-end');
    const res = await fetch(`${frontEnd}/cart`);
    await res.arrayBuffer();
    const feHealth = (await json(`${frontEnd}/health`)) as {
      health: Array<{ service: string; status: string }>;
    };
    assert.equal(feHealth.health.find((h) => h.service === 'session-db')?.status, 'OK');
    assert.match(await (await fetch(`${frontEnd}/metrics`)).text(), /db_pool_size\{pool="session-db"\} 1/);
  });

  it('turns catalogue-db down into the original 500 and a health entry `err`', async () => {
    const catalogue = await serviceUrl(platform, 'catalogue');
    await platform.scale('catalogue-db', 0);
    try {
      // like `kubectl scale`, scale returns at once; the pod keeps serving until its process has exited
      await until(
        'catalogue-db pod gone',
        async () => (await platform.listPods({ deployment: 'catalogue-db' })).length === 0,
        30_000,
      );
      const res = await fetch(`${catalogue}/tags`);
      assert.equal(res.status, 500);
      assert.deepEqual(await res.json(), {
        error: 'Do: database connection error',
        status_code: 500,
        status_text: 'Internal Server Error',
      });
      const health = (await json(`${catalogue}/health`)) as {
        health: Array<{ service: string; status: string }>;
      };
      assert.equal(health.health.find((h) => h.service === 'catalogue-db')?.status, 'err');
    } finally {
      await platform.scale('catalogue-db', 1);
    }
  });
});

const LOCAL: StoreKind[] = ['catalogue-db', 'user-db', 'session-db'];
const missing = LOCAL.map((kind) => missingBinary(kind)).find(Boolean);

describe('local store pods: the machine’s mariadbd, postgres and redis-server under pod limits', () => {
  let home: string;
  let platform: LocalPlatform;
  before(async () => {
    if (missing) return;
    home = tempHome();
    chmodSync(home, 0o711); // the servers run as mysql / postgres and must reach their data dirs
    const stores = storeBackends('memory', {
      'catalogue-db': 'local',
      'user-db': 'local',
      'session-db': 'local',
    });
    platform = await startSlice(
      ['catalogue', 'catalogue-db', 'user', 'user-db', 'front-end', 'session-db'],
      stores,
      home,
    );
  });
  after(async () => {
    await platform?.shutdown(2);
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('serves the shop from the real servers, each in its pod with limits', { skip: missing }, async () => {
    for (const kind of LOCAL) {
      const [pod] = await platform.listPods({ deployment: kind });
      assert.equal(pod.ready, true, kind);
      assert.equal(pod.resources.limits?.memory, '1Gi', kind);
      assert.notEqual(pod.enforcement, 'cooperative', `${kind}: limits enforced`);
    }
    const catalogue = await serviceUrl(platform, 'catalogue');
    assert.deepEqual(await json(`${catalogue}/catalogue/size`), { size: 9, err: null });
    const user = await serviceUrl(platform, 'user');
    const login = await fetch(`${user}/login`, {
      headers: { authorization: `Basic ${Buffer.from('Eve_Berger:eve').toString('base64')}` },
    });
    assert.equal(login.status, 200);
    const frontEnd = await serviceUrl(platform, 'front-end');
    const feHealth = (await json(`${frontEnd}/health`)) as {
      health: Array<{ service: string; status: string }>;
    };
    assert.equal(feHealth.health.find((h) => h.service === 'session-db')?.status, 'OK');
  });
});
