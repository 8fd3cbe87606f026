/**
 * Issue #6: every fault primitive injects and reverts on real processes. This file covers the
 * primitives primitives.test.ts does not (set-resources by name, hpa-delete, mesh-partition, mesh-loss,
 * mesh-bandwidth, external-latency, store-config, cpu-stress, memory-stress) against the local platform
 * with fixture pods, reading what the pods really run with from /proc; and it checks that every
 * primitive in the registry is exercised by some test file. (A separate file so that each file keeps
 * within the runner's per-file time limit on a busy machine.)
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FaultEngine } from '../../src/faults/engine.js';
import { faultNames } from '../../src/faults/registry.js';
import type { FaultContext } from '../../src/faults/types.js';
import { LocalPlatform } from '../../src/platform/local/platform.js';
import { FAST, fixtureDeployment, get, tempHome, until } from '../platform/helpers.js';

const ready = { httpGet: { path: '/health' }, periodSeconds: 0.1 };

/** Linux: a process's environment and cgroup paths, read from /proc. */
function procEnv(pid: number): Record<string, string> {
  const entries = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
  return Object.fromEntries(entries.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}
const procCgroups = (pid: number) => readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n').sort();
const alive = (pid: number) => existsSync(`/proc/${pid}`);

/** Kibibytes of resident memory of a process (VmRSS). */
function rssKiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.match(/\d+/)?.[0] ?? 0);
}

describe('the rest of the registry: inject and revert on real processes', () => {
  let platform: LocalPlatform;
  let home: string;
  let ctx: FaultContext;
  let edgeToWeb: string;
  /** Burner processes the stress verbs started, by stress id. */
  const burners = new Map<string, number>();
  let n = 0;
  const journal = () => join(home, `journal-${++n}.json`);

  before(async () => {
    home = tempHome();
    platform = await LocalPlatform.start({ home, timings: FAST, sampleIntervalMs: 250 });
    await platform.apply([
      fixtureDeployment('web', 'http-pod.ts', {
        container: {
          readinessProbe: ready,
          resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
          env: { KEEP: 'yes' },
        },
      }),
      fixtureDeployment('front', 'http-pod.ts', { calls: ['web'], container: { readinessProbe: ready } }),
    ]);
    await platform.waitAllReady(30_000);
    ctx = {
      platform,
      runId: 'rest',
      extensions: {
        setEnv: platform.setEnv.bind(platform),
        stress: async (pod, load) => {
          const started = await platform.stress(pod, load);
          burners.set(started.id, started.pid!);
          return started;
        },
        stopStress: platform.stopStress.bind(platform),
      },
    };
    const [front] = await platform.listPods({ deployment: 'front' });
    const body = JSON.parse((await get(`http://127.0.0.1:${front.ports.http}/`)).body) as {
      services: string;
    };
    edgeToWeb = (JSON.parse(body.services) as Record<string, string>).web;
  });

  after(async () => {
    await platform?.shutdown(2);
    rmSync(home, { recursive: true, force: true });
  });

  const webPod = async () => {
    const pods = await platform.listPods({ deployment: 'web' });
    return pods.filter((p) => p.ready && !p.deletionTimestamp);
  };

  it('set-resources: the serving pod runs under the new limits; revert restores the recorded block', async () => {
    const engine = new FaultEngine(ctx, journal());
    const before = (await platform.getDeployment('web'))!.template.container.resources;
    await engine.inject({
      id: 'throttle',
      fault: 'set-resources',
      params: { deployment: 'web', limits: { cpu: '300m' } },
      atMs: 0,
    });
    const [during] = await webPod();
    assert.equal(during.resources.limits?.cpu, '300m');
    assert.deepEqual(await engine.revertAll(), []);
    assert.deepEqual((await platform.getDeployment('web'))!.template.container.resources, before);
    const [restored] = await webPod();
    assert.equal(restored.resources.limits?.cpu, '500m');
  });

  it('hpa-delete: the HPA goes away; revert applies the recorded spec again', async () => {
    await platform.applyHpa(
      [
        'apiVersion: autoscaling/v2',
        'kind: HorizontalPodAutoscaler',
        'metadata: { name: web }',
        'spec:',
        '  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: web }',
        '  minReplicas: 1',
        '  maxReplicas: 4',
        '  metrics:',
        '    - { type: Resource, resource: { name: cpu, target: { type: Utilization, averageUtilization: 90 } } }',
      ].join('\n'),
    );
    const engine = new FaultEngine(ctx, journal());
    await engine.inject({ id: 'no-hpa', fault: 'hpa-delete', params: { name: 'web' }, atMs: 0 });
    assert.equal(await platform.getHpa('web'), undefined);
    assert.deepEqual(await engine.revertAll(), []);
    const restored = await platform.getHpa('web');
    assert.equal(restored?.spec.maxReplicas, 4);
    assert.equal(restored?.spec.metrics?.[0].resource?.name, 'cpu');
    await platform.deleteHpa('web');
  });

  it('mesh-partition and mesh-loss cut the real edge; revert restores it', async () => {
    for (const [fault, params] of [
      ['mesh-partition', {}],
      ['mesh-loss', { percent: 100 }],
    ] as const) {
      const engine = new FaultEngine(ctx, journal());
      assert.equal((await get(`${edgeToWeb}/`)).status, 200);
      await engine.inject({
        id: 'cut',
        fault,
        params: { source: 'front', destination: 'web', ...params },
        atMs: 0,
      });
      const [rule] = await platform.listMeshRules();
      assert.equal(rule.fault.kind, fault === 'mesh-partition' ? 'partition' : 'loss', fault);
      await assert.rejects(get(`${edgeToWeb}/`), `${fault}: the edge still answers`);
      assert.deepEqual(await engine.revertAll(), []);
      assert.deepEqual(await platform.listMeshRules(), []);
      assert.equal((await get(`${edgeToWeb}/`)).status, 200, `${fault}: edge back after revert`);
    }
  });

  it('mesh-bandwidth and external-latency: their rules on the edge, with parsed rate and latency', async () => {
    const engine = new FaultEngine(ctx, journal());
    await engine.inject({
      id: 'narrow',
      fault: 'mesh-bandwidth',
      params: { source: 'front', destination: 'web', rate: '10kbps' },
      atMs: 0,
    });
    await engine.inject({
      id: 'slow-dep',
      fault: 'external-latency',
      params: { source: 'front', destination: 'web', latency: '200ms', jitter: '50ms' },
      atMs: 0,
    });
    const rules = Object.fromEntries((await platform.listMeshRules()).map((r) => [r.id, r]));
    assert.deepEqual(rules['rest.narrow'].fault, { kind: 'bandwidth', bytesPerSecond: 10_000 });
    assert.equal(rules['rest.slow-dep'].direction, 'to');
    assert.equal(rules['rest.slow-dep'].fault.kind, 'delay');
    assert.deepEqual(
      [rules['rest.slow-dep'].fault.latencyMs, rules['rest.slow-dep'].fault.jitterMs],
      [200, 50],
    );
    assert.equal((await get(`${edgeToWeb}/`)).status, 200, 'a slow edge still answers');
    assert.deepEqual(await engine.revertAll(), []);
    assert.deepEqual(await platform.listMeshRules(), []);
  });

  it('store-config: the rolled pod runs with the new env; revert unsets what was unset, keeps the rest', async () => {
    const engine = new FaultEngine(ctx, journal());
    await engine.inject({
      id: 'short-ttl',
      fault: 'store-config',
      params: { deployment: 'web', env: { SESSION_TTL_SECONDS: 10, KEEP: 'changed' } },
      atMs: 0,
    });
    await until('a web pod with the new env', async () => {
      const pods = await webPod();
      return pods.length === 1 && procEnv(pods[0].container.pid!).SESSION_TTL_SECONDS === '10';
    });
    assert.equal(procEnv((await webPod())[0].container.pid!).KEEP, 'changed');
    assert.deepEqual(await engine.revertAll(), []);
    assert.deepEqual((await platform.getDeployment('web'))!.template.container.env, { KEEP: 'yes' });
    await until('a web pod with the old env', async () => {
      const pods = await webPod();
      if (pods.length !== 1) return false;
      const env = procEnv(pods[0].container.pid!);
      return env.KEEP === 'yes' && !('SESSION_TTL_SECONDS' in env);
    });
  });

  it('cpu-stress and memory-stress: burners run in the pod (its cgroup when enforced); revert ends them', async () => {
    await platform.waitAllReady(30_000);
    const [pod] = await webPod();
    const engine = new FaultEngine(ctx, journal());
    await engine.inject({
      id: 'burn',
      fault: 'cpu-stress',
      params: { deployment: 'web', workers: 1, load: 50 },
      atMs: 0,
    });
    await engine.inject({
      id: 'eat',
      fault: 'memory-stress',
      params: { deployment: 'web', size: '48Mi' },
      atMs: 0,
    });
    const pids = [...burners.values()];
    assert.equal(pids.length, 2);
    assert.ok(pids.every(alive));
    // The burner's shell joins the pod's cgroups one by one before it execs: wait for all of them.
    const podCgroups = JSON.stringify(procCgroups(pod.container.pid!));
    if (pod.enforcement !== 'cooperative')
      await until('burners in the pod cgroups', () =>
        pids.every((pid) => JSON.stringify(procCgroups(pid)) === podCgroups),
      );
    await until('the memory burner holds its 48 MiB', () => rssKiB(pids[1]) >= 48 * 1024);
    assert.deepEqual(await engine.revertAll(), []);
    assert.deepEqual(pids.filter(alive), [], 'burners still running after revert');
    assert.equal((await webPod())[0].name, pod.name, 'the pod itself was not touched');
  });
});

describe('coverage of the registry (issue #6)', () => {
  it('every registered primitive is injected and reverted by a test on real processes', () => {
    const dir = fileURLToPath(new URL('.', import.meta.url));
    const faultTests = readdirSync(dir)
      .filter((f) => f.endsWith('.test.ts'))
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('\n');
    // store-index-drop and store-kv-config need the lab's store pods: they are tested with them there.
    const stores = readFileSync(new URL('../scenarios/store-admins.test.ts', import.meta.url), 'utf8');
    const camel = (name: string) => name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
    const untested = faultNames().filter(
      (name) =>
        !faultTests.includes(`'${name}'`) &&
        !new RegExp(`injectAndRevert\\(\\s*${camel(name)},`).test(stores),
    );
    assert.deepEqual(untested, []);
  });
});
