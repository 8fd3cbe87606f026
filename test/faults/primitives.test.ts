/**
 * Fault primitives against the real local platform (fixture pods as OS processes) and the embedded
 * broker: each inject changes what it should, each revert restores the recorded state; the engine
 * reverts in reverse order, and a crashed run's journal is reverted on the next start.
 */
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FaultEngine, recoverJournal } from '../../src/faults/engine.js';
import type { FaultContext } from '../../src/faults/types.js';
import type { LocalPlatform } from '../../src/platform/local/platform.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/stores/broker/embedded.js';
import { LocalPlatform as Platform } from '../../src/platform/local/platform.js';
import { FAST, fixtureDeployment, get, tempHome, until } from '../platform/helpers.js';

const ready = { httpGet: { path: '/health' }, periodSeconds: 0.1 };

describe('fault primitives on the local platform', () => {
  let platform: LocalPlatform;
  let broker: EmbeddedBroker;
  let home: string;
  let ctx: FaultContext;
  let n = 0;
  const journal = () => join(home, `journal-${++n}.json`);

  before(async () => {
    home = tempHome();
    broker = await startEmbeddedBroker();
    platform = await Platform.start({ home, timings: FAST, sampleIntervalMs: 250 });
    await platform.apply(
      [
        fixtureDeployment('web', 'http-pod.ts', {
          container: {
            readinessProbe: ready,
            resources: {
              requests: { cpu: '100m', memory: '64Mi' },
              limits: { cpu: '300m', memory: '256Mi' },
            },
            configMaps: [{ configMap: 'rates', env: 'RATES_FILE', key: 'rates.yaml' }],
          },
        }),
        fixtureDeployment('front', 'http-pod.ts', { calls: ['web'], container: { readinessProbe: ready } }),
      ],
      { rates: { 'rates.yaml': 'version: 1\nGermany: 4.99\n' } },
    );
    await platform.waitAllReady(30_000);
    ctx = { platform, broker: broker.admin, runId: 'test-run' };
  });

  after(async () => {
    await platform?.shutdown(2);
    await broker?.close();
    rmSync(home, { recursive: true, force: true });
  });

  const replicas = async (d: string) => (await platform.getDeployment(d))!.replicas;

  it('scale and consumer-stop: inject changes replicas, revert restores them', async () => {
    const engine = new FaultEngine(ctx, journal());
    await engine.inject({ id: 'scale', fault: 'scale', params: { deployment: 'web', replicas: 2 }, atMs: 0 });
    assert.equal(await replicas('web'), 2);
    await until('2 web pods ready', async () => (await platform.getDeployment('web'))!.readyReplicas === 2);
    await engine.inject({ id: 'stop', fault: 'consumer-stop', params: { deployment: 'front' }, atMs: 0 });
    assert.equal(await replicas('front'), 0);
    assert.deepEqual(await engine.revertAll(), []);
    assert.equal(await replicas('web'), 1);
    assert.equal(await replicas('front'), 1);
    await platform.waitAllReady(30_000);
  });

  it('set-resources: limits change; revert writes the recorded values back', async () => {
    const engine = new FaultEngine(ctx, journal());
    await engine.inject({
      id: 'starve',
      fault: 'store-resources',
      params: { deployment: 'web', limits: { cpu: '50m', memory: '128Mi' } },
      atMs: 0,
    });
    const during = (await platform.getDeployment('web'))!.template.container.resources!;
    assert.deepEqual(during.limits, { cpu: '50m', memory: '128Mi' });
    // inject returns once the rollout is done: the pods that serve run under the new limits
    const live = (await platform.listPods({ deployment: 'web' })).filter((p) => !p.deletionTimestamp);
    assert.ok(live.length > 0 && live.every((p) => p.ready && p.resources.limits?.cpu === '50m'));
    assert.deepEqual(await engine.revertAll(), []);
    const afterRevert = (await platform.getDeployment('web'))!.template.container.resources!;
    assert.deepEqual(afterRevert.limits, { cpu: '300m', memory: '256Mi' });
    assert.deepEqual(afterRevert.requests, { cpu: '100m', memory: '64Mi' });
  });

  it('hpa-apply: a memory HPA appears; revert deletes it (there was none)', async () => {
    const engine = new FaultEngine(ctx, journal());
    const manifest = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 1,
        maxReplicas: 3,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } },
          },
        ],
      },
    };
    await engine.inject({ id: 'hpa', fault: 'hpa-apply', params: { manifest }, atMs: 0 });
    const hpa = await platform.getHpa('web');
    assert.equal(hpa?.spec.metrics?.[0].resource?.name, 'memory');
    await engine.inject({
      id: 'patch',
      fault: 'hpa-patch',
      params: { name: 'web', patch: { maxReplicas: 2 } },
      atMs: 0,
    });
    assert.equal((await platform.getHpa('web'))!.spec.maxReplicas, 2);
    assert.deepEqual(await engine.revertAll(), []);
    assert.equal(await platform.getHpa('web'), undefined);
  });

  it('mesh delay and one-way partition: rules appear with run-scoped ids and go away on revert', async () => {
    const engine = new FaultEngine(ctx, journal());
    await engine.inject({
      id: 'delay',
      fault: 'mesh-delay',
      params: { source: 'front', destination: 'web', latency: '300ms' },
      atMs: 0,
    });
    await engine.inject({
      id: 'oneway',
      fault: 'mesh-one-way-partition',
      params: { source: 'front', destination: 'web' },
      atMs: 0,
    });
    const rules = await platform.listMeshRules();
    assert.deepEqual(rules.map((r) => [r.id, r.direction, r.fault.kind]).sort(), [
      ['test-run.delay', 'to', 'delay'],
      ['test-run.oneway', 'from', 'partition'],
    ]);
    assert.deepEqual(await engine.revertAll(), []);
    assert.deepEqual(await platform.listMeshRules(), []);
  });

  it('mesh-abort acts on the real edge and stops after revert', async () => {
    const engine = new FaultEngine(ctx, journal());
    const [front] = await platform.listPods({ deployment: 'front' });
    const body = JSON.parse((await get(`http://127.0.0.1:${front.ports.http}/`)).body) as {
      services: string;
    };
    const edge = (JSON.parse(body.services) as Record<string, string>).web;
    await engine.inject({
      id: 'abort',
      fault: 'mesh-abort',
      params: { source: 'front', destination: 'web', httpStatus: 503 },
      atMs: 0,
    });
    assert.equal((await get(`${edge}/`)).status, 503);
    await engine.revertAll();
    assert.equal((await get(`${edge}/`)).status, 200);
  });

  it('config-map-push: a new version with the edit; revert pushes the old data back', async () => {
    const engine = new FaultEngine(ctx, journal());
    const before = (await platform.getConfigMap('rates'))!.current;
    await engine.inject({
      id: 'rates',
      fault: 'config-map-push',
      params: {
        configMap: 'rates',
        replace: { key: 'rates.yaml', edits: [['Germany: 4.99', 'Germany: 49.90']] },
      },
      atMs: 0,
    });
    const during = (await platform.getConfigMap('rates'))!.current;
    assert.equal(during.version, before.version + 1);
    assert.match(during.data['rates.yaml'], /Germany: 49\.90/);
    assert.deepEqual(await engine.revertAll(), []);
    const restored = (await platform.getConfigMap('rates'))!.current;
    assert.deepEqual(restored.data, before.data);
    await platform.waitAllReady(30_000);
  });

  it('pod-kill: the pod goes away and the deployment replaces it', async () => {
    const engine = new FaultEngine(ctx, journal());
    const [victim] = await platform.listPods({ deployment: 'web' });
    await engine.inject({ id: 'kill', fault: 'pod-kill', params: { deployment: 'web' }, atMs: 0 });
    await engine.revertAll(); // waits for the replacement
    const pods = (await platform.listPods({ deployment: 'web' })).filter((p) => !p.deletionTimestamp);
    assert.equal(pods.length, 1);
    assert.notEqual(pods[0].name, victim.name);
    assert.equal(pods[0].ready, true);
  });

  it('broker-policy: the policy is set on the embedded broker; revert clears it', async () => {
    const engine = new FaultEngine(ctx, journal());
    await engine.inject({
      id: 'cap',
      fault: 'broker-policy',
      params: { pattern: '^shipping-task$', definition: { 'max-length': 3, overflow: 'reject-publish' } },
      atMs: 0,
    });
    const policies = await broker.admin.listPolicies();
    assert.deepEqual(
      policies.map((p) => [p.name, p.definition]),
      [['shipping-task-limits', { 'max-length': 3, overflow: 'reject-publish' }]],
    );
    assert.deepEqual(await engine.revertAll(), []);
    assert.deepEqual(await broker.admin.listPolicies(), []);
  });

  it('broker-policy restores a policy that existed under the same name', async () => {
    await broker.admin.setPolicy('shipping-task-limits', '^shipping-task$', { 'max-length': 1000 });
    const engine = new FaultEngine(ctx, journal());
    await engine.inject({
      id: 'cap',
      fault: 'broker-policy',
      params: { pattern: '^shipping-task$', definition: { 'max-length': 3 } },
      atMs: 0,
    });
    await engine.revertAll();
    const [p] = await broker.admin.listPolicies();
    assert.deepEqual(p.definition, { 'max-length': 1000 });
    await broker.admin.clearPolicy('shipping-task-limits');
  });

  it('a crashed run is reverted from its journal on the next start, newest first', async () => {
    const path = journal();
    const crashed = new FaultEngine({ ...ctx, runId: 'crashed' }, path);
    await crashed.inject({
      id: 'scale',
      fault: 'scale',
      params: { deployment: 'web', replicas: 3 },
      atMs: 0,
    });
    await crashed.inject({
      id: 'cap',
      fault: 'broker-policy',
      params: { pattern: '^shipping-task$', definition: { 'max-length': 3 } },
      atMs: 0,
    });
    await crashed.inject({
      id: 'delay',
      fault: 'mesh-delay',
      params: { source: 'front', destination: 'web', latency: '1s' },
      atMs: 0,
    });
    // The process "dies" here: no revertAll. The next start finds the journal.
    assert.ok(existsSync(path));
    const report = await recoverJournal({ ...ctx, runId: 'next' }, path);
    assert.deepEqual(report, { runId: 'crashed', reverted: ['delay', 'cap', 'scale'], errors: [] });
    assert.equal(await replicas('web'), 1);
    assert.deepEqual(await broker.admin.listPolicies(), []);
    assert.deepEqual(await platform.listMeshRules(), []);
    assert.equal(existsSync(path), false);
    assert.equal(await recoverJournal(ctx, path), undefined);
    await platform.waitAllReady(30_000);
  });

  it('scheduled steps inject at their offsets and revert after their duration', async () => {
    const engine = new FaultEngine(ctx, journal());
    engine.schedule([
      { id: 'later', fault: 'scale', params: { deployment: 'web', replicas: 2 }, atMs: 100, durationMs: 300 },
    ]);
    await until('scaled by the schedule', async () => (await replicas('web')) === 2, 5000);
    await until('reverted after its duration', async () => (await replicas('web')) === 1, 5000);
    assert.deepEqual(
      engine.timeline.map((t) => [t.stepId, t.action]),
      [
        ['later', 'inject'],
        ['later', 'revert'],
      ],
    );
    assert.deepEqual(await engine.revertAll(), []);
  });

  it('a primitive without the platform verb it needs fails with one clear line, before acting', async () => {
    const engine = new FaultEngine(ctx, journal());
    await assert.rejects(
      engine.inject({ id: 'cpu', fault: 'cpu-stress', params: { deployment: 'web', workers: 1 }, atMs: 0 }),
      /fault "cpu-stress" needs the stress platform verbs, which this lab does not provide/,
    );
    assert.deepEqual(await engine.revertAll(), []);
  });
});
