/** Limits enforced for real: CFS quota for CPU, memory limit with OOM kill and back-off (cgroups, as root on Linux). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cgroupDriver } from '../../src/platform/local/cgroups.js';
import { fixtureDeployment, until, withPlatform } from './helpers.js';

const cgroupsAvailable = process.platform === 'linux' && process.getuid?.() === 0;

void test(
  'a pod limited to 50m CPU gets about 5% of a core',
  { skip: !cgroupsAvailable && 'needs root on Linux' },
  async (t) => {
    await withPlatform(async (platform) => {
      assert.notEqual(platform.enforcement.mode, 'cooperative');
      await platform.apply([
        fixtureDeployment('spinner', 'busy-pod.ts', {
          service: undefined,
          container: {
            ports: [],
            resources: { requests: { cpu: '50m' }, limits: { cpu: '50m', memory: '256Mi' } },
          },
        }),
      ]);
      const [pod] = await until('spinner running', async () => {
        const pods = await platform.listPods();
        return pods[0]?.status === 'Running' && pods;
      });
      // Let the runtime start, then measure the cgroup's CPU time over a few seconds.
      await sleep(1500);
      const before = await until('a usage sample', async () => (await platform.podUsage(pod.name))[0]);
      const t0 = Date.now();
      await sleep(3000);
      const after = (await platform.podUsage(pod.name))[0];
      const cores =
        (after.cpuSecondsTotal - before.cpuSecondsTotal) /
        ((Date.parse(after.timestamp) - Date.parse(before.timestamp)) / 1000);
      assert.ok(Date.now() - t0 >= 3000);
      t.diagnostic(
        `50m limit: ${cores.toFixed(3)} cores measured, ${after.cpuThrottledPeriods} throttled periods`,
      );
      assert.ok(cores > 0.01, `the pod should run at all (got ${cores.toFixed(3)} cores)`);
      assert.ok(cores < 0.1, `50m limit should cap near 0.05 cores, got ${cores.toFixed(3)}`);
      assert.ok(after.cpuThrottledPeriods > 0, 'CFS throttling should be visible in cpu.stat');
      assert.equal(after.enforcement, platform.enforcement.mode);
    });
  },
);

void test(
  'a pod over its memory limit is OOMKilled and restarted with back-off',
  { skip: !cgroupsAvailable && 'needs root on Linux' },
  async () => {
    await withPlatform(async (platform) => {
      await platform.apply([
        fixtureDeployment('eater', 'memory-eater.ts', {
          service: undefined,
          container: { ports: [], resources: { requests: { memory: '96Mi' }, limits: { memory: '128Mi' } } },
        }),
      ]);
      const pod = await until(
        'CrashLoopBackOff after OOM kills',
        async () => {
          const [p] = await platform.listPods();
          return p?.container.restartCount >= 2 && p.status === 'CrashLoopBackOff' && p;
        },
        60_000,
      );
      assert.equal(pod.container.lastState?.terminated?.reason, 'OOMKilled');
      assert.equal(pod.container.lastState?.terminated?.exitCode, 137);
      assert.match(
        pod.container.state.waiting?.message ?? '',
        /^back-off [\d.]+s restarting failed container=eater pod=eater-/,
      );
      const events = await platform.listEvents();
      const backOff = events.find((e) => e.reason === 'BackOff' && e.involvedObject.name === pod.name);
      assert.ok(backOff, 'BackOff event');
      assert.equal(backOff.type, 'Warning');
      assert.equal(backOff.message, `Back-off restarting failed container eater in pod ${pod.name}`);
      assert.ok(events.some((e) => e.reason === 'OOMKilling' && e.involvedObject.kind === 'Node'));
      const started = events.find((e) => e.reason === 'Started' && e.involvedObject.name === pod.name);
      assert.ok(started && started.count >= 2, 'Started is deduplicated with a count');
    });
  },
);

void test('without cgroups the fallback is cooperative, reported, and measures usage from /proc', async () => {
  await withPlatform(
    async (platform) => {
      assert.equal(platform.enforcement.mode, 'cooperative');
      assert.match(platform.enforcement.reason ?? '', /disabled by configuration/);
      await platform.apply([
        fixtureDeployment('spinner', 'busy-pod.ts', {
          service: undefined,
          container: { ports: [], resources: { limits: { cpu: '50m' } } },
        }),
      ]);
      const usage = await until('a /proc usage sample over a second', async () => {
        const [u] = await platform.podUsage();
        return u && u.cpuSecondsTotal > 0.5 && u;
      });
      assert.equal(usage.enforcement, 'cooperative');
      assert.ok(usage.cpuMillicores > 200, `not limited: ${usage.cpuMillicores}m`);
      assert.equal(usage.cpuThrottledPeriods, 0);
      assert.ok(usage.memoryWorkingSetBytes > 1024 * 1024);
      const [pod] = await platform.listPods();
      assert.equal(pod.enforcement, 'cooperative');
    },
    { cgroups: 'cooperative' },
  );
});

void test(
  "the lab's pods weigh like a node's kubepods: one cpu share per millicore of the machine",
  { skip: !cgroupsAvailable && 'needs root on Linux' },
  async () => {
    const driver = cgroupDriver(`weight-test-${process.pid}`, () => {});
    try {
      assert.notEqual(driver.enforcement, 'cooperative');
      const shares = availableParallelism() * 1024;
      const [runDir] = driver.runPaths; // v1: the cpu hierarchy's directory comes first
      for (const dir of [dirname(runDir), runDir]) {
        if (driver.enforcement === 'cgroup-v1') {
          assert.equal(Number(readFileSync(join(dir, 'cpu.shares'), 'utf8')), shares);
        } else {
          const weight = 1 + Math.floor(((shares - 2) * 9999) / 262142);
          assert.equal(Number(readFileSync(join(dir, 'cpu.weight'), 'utf8')), weight);
        }
      }
    } finally {
      await driver.removeRun();
    }
  },
);
