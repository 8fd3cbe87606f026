/** Each pod's SOCKSHOP_SERVICES points at its own mesh edge per callee; mesh rules pass through the platform. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixtureDeployment, get, withPlatform } from './helpers.js';

const ready = { httpGet: { path: '/health' }, periodSeconds: 0.1 };

void test('callers reach services through their edges, and a rule on one edge leaves the others alone', async () => {
  await withPlatform(async (platform) => {
    await platform.apply([
      fixtureDeployment('web', 'http-pod.ts', { replicas: 2, container: { readinessProbe: ready } }),
      fixtureDeployment('front', 'http-pod.ts', { calls: ['web'], container: { readinessProbe: ready } }),
      fixtureDeployment('back', 'http-pod.ts', { calls: ['web'], container: { readinessProbe: ready } }),
    ]);
    await platform.waitAllReady(20_000);
    // The fixture echoes its SOCKSHOP_SERVICES; read each caller's directory from the pod itself.
    const directoryOf = async (deployment: string) => {
      const [pod] = await platform.listPods({ deployment });
      const body = JSON.parse((await get(`http://127.0.0.1:${pod.ports.http}/`)).body) as {
        services: string;
      };
      return JSON.parse(body.services) as Record<string, string>;
    };
    const front = (await directoryOf('front')).web;
    const back = (await directoryOf('back')).web;
    assert.match(front, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(front, back, 'one edge per caller');
    assert.equal((await get(`${front}/`)).status, 200);

    const rule = await platform.addMeshRule({
      source: 'front',
      destination: 'web',
      direction: 'to',
      fault: { kind: 'abort', httpStatus: 503 },
    });
    assert.deepEqual(
      (await platform.listMeshRules()).map((r) => r.id),
      [rule.id],
    );
    const aborted = await get(`${front}/`);
    assert.equal(aborted.status, 503);
    assert.equal(aborted.body, 'fault filter abort');
    assert.equal((await get(`${back}/`)).status, 200);
    assert.equal(await platform.removeMeshRule(rule.id), true);
    assert.equal((await get(`${front}/`)).status, 200);
  });
});
