/** The lab's control endpoint and the CLI on top of it: kubectl commands against a running lab, then `down`. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { startLab } from '../../src/platform/local/lab.js';
import { readLabState } from '../../src/platform/local/lab-state.js';
import { connectToLab } from '../../src/platform/local/remote.js';
import { FAST, fixtureDeployment, tempHome, until } from './helpers.js';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '../../src/cli/index.ts');

function cli(home: string, ...args: string[]) {
  return run(process.execPath, ['--import', 'tsx', CLI, ...args], {
    env: { ...process.env, SOCKSHOP_LAB_HOME: home },
  });
}

void test('kubectl over the control API drives the running lab; down stops it', async () => {
  const home = tempHome();
  const lab = await startLab({
    home,
    timings: FAST,
    deployments: [
      fixtureDeployment('web', 'http-pod.ts', {
        container: { resources: { requests: { cpu: '50m' }, limits: { cpu: '200m', memory: '200Mi' } } },
      }),
    ],
  });
  try {
    await lab.platform.waitAllReady(20_000);
    const state = readLabState(home)!;
    assert.ok(state.control?.token && state.control.url.startsWith('http://127.0.0.1:'));

    const unauthorized = await fetch(`${state.control.url}/v1/listPods`, { method: 'POST', body: '[]' });
    assert.equal(unauthorized.status, 401);

    const remote = connectToLab(home);
    assert.equal((await remote.platform.listPods()).length, 1);
    await assert.rejects(remote.platform.scale('nope', 2), /deployments.apps "nope" not found/);

    const pods = await cli(home, 'kubectl', 'get', 'pods');
    assert.match(pods.stdout, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);
    assert.match(pods.stdout, /\nweb-\w{10}-\w{5}\s+1\/1\s+Running\s+0\s+/);

    const scaled = await cli(home, 'kubectl', 'scale', 'deployment', 'web', '--replicas', '2');
    assert.equal(scaled.stdout, 'deployment.apps/web scaled\n');
    await until('2 ready', async () => (await lab.platform.getDeployment('web'))?.readyReplicas === 2);

    await cli(home, 'kubectl', 'set', 'resources', 'deployment', 'web', '--limits', 'cpu=100m,memory=128Mi');
    assert.deepEqual((await lab.platform.getDeployment('web'))!.template.container.resources!.limits, {
      cpu: '100m',
      memory: '128Mi',
    });

    const manifest = join(home, 'hpa.yaml');
    writeFileSync(
      manifest,
      'apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: web\n  minReplicas: 1\n  maxReplicas: 4\n  metrics:\n  - type: Resource\n    resource:\n      name: cpu\n      target:\n        type: Utilization\n        averageUtilization: 50\n',
    );
    assert.equal(
      (await cli(home, 'kubectl', 'apply', '-f', manifest)).stdout,
      'horizontalpodautoscaler.autoscaling/web configured\n',
    );
    assert.match((await cli(home, 'kubectl', 'get', 'hpa')).stdout, /\nweb\s+Deployment\/web\s+/);
    assert.equal(
      (await cli(home, 'kubectl', 'delete', 'hpa', 'web')).stdout,
      'horizontalpodautoscaler.autoscaling "web" deleted\n',
    );

    const pod = (await lab.platform.listPods()).find((p) => p.ready)!.name;
    // A pod is Ready as soon as it listens; its first log line may reach the log file a moment later.
    const logs = await until('the pod has logged', async () => {
      const out = await cli(home, 'kubectl', 'logs', pod, '--tail', '1');
      return out.stdout ? out : undefined;
    });
    assert.match(logs.stdout, /^\{"level":"info","msg":"listening"/);
    const events = await cli(home, 'kubectl', 'get', 'events');
    assert.match(
      events.stdout,
      /ScalingReplicaSet\s+deployment\/web\s+Scaled up replica set web-\w{10} from 1 to 2/,
    );

    const missing = await cli(home, 'kubectl', 'describe', 'pod', 'nope').then(
      () => assert.fail('should fail'),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /pods "nope" not found/);
    assert.doesNotMatch(missing.stderr, /at .*\.ts:\d+/, 'no stack trace');

    assert.match((await cli(home, 'down')).stdout, /stopped/);
    await lab.stopped;
    assert.equal(readLabState(home), undefined);
  } finally {
    await lab.stop();
    rmSync(home, { recursive: true, force: true });
  }
});
