/** Deployments, Services and config maps on real processes: scaling, readiness gating, rolling restart, undo. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixtureDeployment, get, until, withPlatform } from './helpers.js';

const readiness = { httpGet: { path: '/health' }, periodSeconds: 0.1, failureThreshold: 1 };

void test('scaling to 0 stops the pods and the Service answers 503; scaling up serves again', async () => {
  await withPlatform(async (platform) => {
    await platform.apply([
      fixtureDeployment('web', 'http-pod.ts', { replicas: 2, container: { readinessProbe: readiness } }),
    ]);
    await platform.waitAllReady(20_000);
    const port = (await platform.getService('web'))!.ports[0].port;
    const pids = (await platform.listPods()).map((p) => p.container.pid!);
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++)
      seen.add((JSON.parse((await get(`http://127.0.0.1:${port}/`)).body) as { pod: string }).pod);
    assert.equal(seen.size, 2, 'round-robin reaches both pods');

    await platform.scale('web', 0);
    await until('pods gone', async () => (await platform.listPods()).length === 0);
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), 'pod process is gone');
    const res = await get(`http://127.0.0.1:${port}/`);
    assert.equal(res.status, 503);
    const events = await platform.listEvents({ kind: 'Deployment', name: 'web' });
    assert.ok(events.some((e) => /^Scaled down replica set web-\w{10} from 2 to 0$/.test(e.message)));

    await platform.scale('web', 1);
    await platform.waitAllReady(20_000);
    assert.equal((await get(`http://127.0.0.1:${port}/`)).status, 200);
  });
});

void test('readiness gates endpoints; liveness failures restart the container', async () => {
  await withPlatform(async (platform) => {
    await platform.apply([
      fixtureDeployment('gated', 'http-pod.ts', {
        container: { env: { START_UNREADY: '1' }, readinessProbe: readiness },
      }),
    ]);
    const [pod] = await until('pod running', async () => {
      const pods = await platform.listPods();
      return pods[0]?.status === 'Running' && pods;
    });
    const podPort = await until('pod listening', async () => {
      const p = await platform.getPod(pod.name);
      return p && (await get(`http://127.0.0.1:${p.ports.http}/`).catch(() => undefined)) && p.ports.http;
    });
    const service = await platform.getService('gated');
    assert.deepEqual(service!.endpoints.http, []);
    assert.deepEqual(service!.notReadyAddresses, [pod.name]);
    assert.equal((await get(`http://127.0.0.1:${service!.ports[0].port}/`)).status, 503);
    await until('Unhealthy event', async () =>
      (await platform.listEvents({ kind: 'Pod', name: pod.name })).find(
        (e) =>
          e.reason === 'Unhealthy' &&
          e.message === `Readiness probe failed: HTTP probe failed with statuscode: 503`,
      ),
    );

    await get(`http://127.0.0.1:${podPort}/ready`);
    await until(
      'endpoint added',
      async () => (await platform.getService('gated'))!.endpoints.http.length === 1,
    );
    assert.equal((await get(`http://127.0.0.1:${service!.ports[0].port}/`)).status, 200);
    await get(`http://127.0.0.1:${podPort}/unready`);
    await until(
      'endpoint removed',
      async () => (await platform.getService('gated'))!.endpoints.http.length === 0,
    );
  });

  await withPlatform(async (platform) => {
    await platform.apply([
      fixtureDeployment('sick', 'http-pod.ts', {
        container: {
          env: { START_UNREADY: '1' },
          livenessProbe: {
            httpGet: { path: '/health' },
            periodSeconds: 0.1,
            failureThreshold: 2,
            initialDelaySeconds: 0.3,
          },
        },
      }),
    ]);
    const pod = await until('restart after liveness failure', async () => {
      const [p] = await platform.listPods();
      return p?.container.restartCount >= 1 && p;
    });
    const events = await platform.listEvents({ kind: 'Pod', name: pod.name });
    assert.ok(
      events.some(
        (e) =>
          e.reason === 'Killing' && e.message === 'Container sick failed liveness probe, will be restarted',
      ),
    );
    assert.ok(
      events.some((e) => e.reason === 'Unhealthy' && e.message.startsWith('Liveness probe failed: ')),
    );
  });
});

void test('a rolling restart replaces every pod while the Service keeps answering', async () => {
  await withPlatform(async (platform) => {
    await platform.apply([
      fixtureDeployment('web', 'http-pod.ts', { replicas: 2, container: { readinessProbe: readiness } }),
    ]);
    await platform.waitAllReady(20_000);
    const port = (await platform.getService('web'))!.ports[0].port;
    const before = new Set((await platform.listPods()).map((p) => p.name));
    const revision = (await platform.getDeployment('web'))!.revision;

    let failures = 0;
    let requests = 0;
    let done = false;
    const traffic = (async () => {
      while (!done) {
        requests++;
        const res = await get(`http://127.0.0.1:${port}/`).catch(() => ({ status: 0 }));
        if (res.status !== 200) failures++;
      }
    })();
    await platform.rolloutRestart('web');
    await until(
      'all pods replaced',
      async () => {
        const pods = await platform.listPods();
        return pods.length === 2 && pods.every((p) => !before.has(p.name) && p.ready);
      },
      30_000,
    );
    done = true;
    await traffic;
    assert.ok(requests > 5);
    assert.equal(failures, 0, `${failures} of ${requests} requests failed during the rollout`);
    assert.equal((await platform.getDeployment('web'))!.revision, revision + 1);
    const messages = (await platform.listEvents({ kind: 'Deployment', name: 'web' })).map((e) => e.message);
    assert.ok(messages.some((m) => /^Scaled up replica set web-\w{10} from 0 to 1$/.test(m)));
  });
});

void test('config maps: set makes a version and rolls mounting pods; rollout undo restores the previous data', async () => {
  await withPlatform(async (platform) => {
    await platform.apply(
      [
        fixtureDeployment('rates', 'http-pod.ts', {
          container: { configMaps: [{ configMap: 'shipping-rates', env: 'RATES_DIR' }] },
        }),
      ],
      { 'shipping-rates': { 'rates.yaml': 'eu: 4.99\n' } },
    );
    await platform.waitAllReady(20_000);
    const first = (await platform.listPods())[0].name;
    await platform.setConfigMap('shipping-rates', { 'rates.yaml': 'eu: 49.9\n' });
    await until('rolled onto version 2', async () => {
      const pods = await platform.listPods();
      return pods.length === 1 && pods[0].name !== first && pods[0].ready;
    });
    await platform.rolloutUndo('rates');
    const history = await platform.configMapHistory('shipping-rates');
    assert.deepEqual(
      history.map((v) => [v.version, v.data['rates.yaml'], v.cause]),
      [
        [1, 'eu: 4.99\n', 'create'],
        [2, 'eu: 49.9\n', 'set'],
        [3, 'eu: 4.99\n', 'rollback to version 1'],
      ],
    );
    assert.deepEqual((await platform.getConfigMap('shipping-rates'))!.mountedBy, ['rates']);
    await assert.rejects(platform.scale('nope', 1), /deployments.apps "nope" not found/);
    await assert.rejects(platform.setResources('rates', { limits: { cpu: 'lots' } }), /invalid cpu "lots"/);
  });
});
