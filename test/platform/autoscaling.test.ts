/** The HPA controller inside the local platform, on real CPU usage from cgroup accounting (compressed time). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixtureDeployment, until, withPlatform } from './helpers.js';

const HPA = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: spinner
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: spinner
  minReplicas: 1
  maxReplicas: 3
  metrics:
  - type: Resource
    resource:
      name: cpu
      target:
        type: Utilization
        averageUtilization: 50
`;

void test('an HPA on CPU scales a busy deployment up from measured usage', async () => {
  await withPlatform(
    async (platform) => {
      await platform.apply([
        fixtureDeployment('spinner', 'busy-pod.ts', {
          service: undefined,
          container: { ports: [], resources: { requests: { cpu: '100m' }, limits: { cpu: '200m' } } },
        }),
      ]);
      await platform.applyHpa(HPA);
      const deployment = await until(
        'scaled up by the HPA',
        async () => {
          const d = await platform.getDeployment('spinner');
          return d && d.replicas > 1 && d;
        },
        30_000,
      );
      assert.ok(deployment.replicas <= 3);
      const hpa = (await platform.getHpa('spinner'))!;
      assert.ok((hpa.status.currentMetrics[0]?.resource?.current.averageUtilization ?? 0) > 55);
      const events = await platform.listEvents({ kind: 'HorizontalPodAutoscaler', name: 'spinner' });
      assert.ok(
        events.some(
          (e) =>
            e.reason === 'SuccessfulRescale' &&
            /^New size: [23]; reason: cpu resource utilization/.test(e.message),
        ),
      );
    },
    {
      hpa: {
        syncPeriodSeconds: 0.5,
        cpuInitializationPeriodSeconds: 0,
        initialReadinessDelaySeconds: 0,
        metricWindowSeconds: 1,
      },
      timings: { backoffInitialMs: 300, backoffMaxMs: 2000, backoffResetMs: 60_000, usageWindowMs: 1500 },
    },
  );
});
