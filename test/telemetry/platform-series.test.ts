/** Platform series: cAdvisor and kube-state-metrics values from platform objects, and staleness across rounds. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeploymentInfo, HorizontalPodAutoscaler, PodInfo, PodUsage } from '../../src/platform/types.js';
import {
  PlatformSeriesCollector,
  cadvisorSamples,
  deploymentSamples,
  hpaSamples,
  podSamples,
  type PlatformSample,
  type PlatformSource,
} from '../../src/telemetry/platform-series/index.js';
import { PromqlEngine } from '../../src/telemetry/promql/engine.js';
import { Tsdb } from '../../src/telemetry/tsdb/tsdb.js';

const T0 = Date.parse('2025-01-01T00:00:00Z');

function pod(name: string, overrides: Partial<PodInfo> = {}): PodInfo {
  const deployment = overrides.deployment ?? 'carts';
  return {
    name,
    namespace: 'sock-shop',
    deployment,
    labels: { name: deployment, 'pod-template-hash': 'abc12' },
    status: 'Running',
    phase: 'Running',
    ready: true,
    ports: { http: 40000 },
    podIP: '127.0.0.1',
    nodeName: 'node-1',
    creationTimestamp: new Date(T0).toISOString(),
    container: {
      name: deployment,
      ready: true,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: new Date(T0).toISOString() } },
    },
    resources: { requests: { cpu: '100m', memory: '200Mi' }, limits: { cpu: '300m', memory: '500Mi' } },
    qosClass: 'Burstable',
    enforcement: 'cgroup-v1',
    ...overrides,
  };
}

function usage(podName: string, cpuSecondsTotal: number): PodUsage {
  return {
    pod: podName,
    deployment: 'carts',
    timestamp: new Date(T0).toISOString(),
    cpuMillicores: 50,
    cpuSecondsTotal,
    memoryWorkingSetBytes: 64e6,
    cpuPeriods: 100,
    cpuThrottledPeriods: 7,
    cpuThrottledSeconds: 0.25,
    enforcement: 'cgroup-v1',
  };
}

/** name{k="v",...} → value, for compact assertions. */
function byKey(samples: PlatformSample[]): Map<string, number> {
  return new Map(
    samples.map(({ labels, value }) => {
      const { __name__, ...rest } = labels;
      const inner = Object.entries(rest)
        .filter(([k]) => k !== 'namespace' && k !== 'pod')
        .sort()
        .map(([k, v]) => `${k}="${v}"`)
        .join(',');
      return [`${__name__}{${inner}}`, value];
    }),
  );
}

void test('cAdvisor: usage counters and the CFS/memory spec the kubelet would set', () => {
  const p = pod('carts-abc12-xyz01');
  const got = byKey(cadvisorSamples(p, usage(p.name, 12.5)));
  assert.equal(got.get('container_cpu_usage_seconds_total{container="carts"}'), 12.5);
  assert.equal(got.get('container_cpu_cfs_periods_total{container="carts"}'), 100);
  assert.equal(got.get('container_cpu_cfs_throttled_periods_total{container="carts"}'), 7);
  assert.equal(got.get('container_cpu_cfs_throttled_seconds_total{container="carts"}'), 0.25);
  assert.equal(got.get('container_memory_working_set_bytes{container="carts"}'), 64e6);
  assert.equal(got.get('container_spec_cpu_quota{container="carts"}'), 30_000);
  assert.equal(got.get('container_spec_cpu_period{container="carts"}'), 100_000);
  assert.equal(got.get('container_spec_cpu_shares{container="carts"}'), 102);
  assert.equal(got.get('container_spec_memory_limit_bytes{container="carts"}'), 500 * 2 ** 20);
  const labels = cadvisorSamples(p, usage(p.name, 1))[0].labels;
  assert.deepEqual(labels, {
    __name__: 'container_cpu_usage_seconds_total',
    namespace: 'sock-shop',
    pod: p.name,
    container: 'carts',
  });

  const tiny = byKey(cadvisorSamples(pod('a', { resources: { limits: { cpu: '5m' } } }), usage('a', 1)));
  assert.equal(tiny.get('container_spec_cpu_quota{container="carts"}'), 1000, 'minimum quota 1000 µs');
  const none = byKey(cadvisorSamples(pod('b', { resources: {} }), usage('b', 1)));
  assert.equal(none.has('container_spec_cpu_quota{container="carts"}'), false);
  assert.equal(none.get('container_spec_cpu_shares{container="carts"}'), 2);
  assert.equal(none.get('container_spec_memory_limit_bytes{container="carts"}'), 0);
  assert.deepEqual(cadvisorSamples(p, undefined), [], 'no container sampled yet: no series');
});

void test('kube-state: a CrashLoopBackOff pod after an OOM kill', () => {
  const p = pod('carts-abc12-xyz01', {
    phase: 'Running',
    ready: false,
    status: 'CrashLoopBackOff',
    container: {
      name: 'carts',
      ready: false,
      started: false,
      restartCount: 3,
      state: { waiting: { reason: 'CrashLoopBackOff' } },
      lastState: {
        terminated: { reason: 'OOMKilled', exitCode: 137, finishedAt: new Date(T0).toISOString() },
      },
    },
    resources: { limits: { cpu: '200m', memory: '100Mi' } },
  });
  const got = byKey(podSamples(p));
  assert.equal(got.get('kube_pod_status_phase{phase="Running"}'), 1);
  assert.equal(got.get('kube_pod_status_phase{phase="Pending"}'), 0);
  assert.equal(got.get('kube_pod_status_ready{condition="false"}'), 1);
  assert.equal(got.get('kube_pod_status_ready{condition="true"}'), 0);
  assert.equal(got.get('kube_pod_container_status_restarts_total{container="carts"}'), 3);
  assert.equal(
    got.get('kube_pod_container_status_waiting_reason{container="carts",reason="CrashLoopBackOff"}'),
    1,
  );
  assert.equal(
    got.get('kube_pod_container_status_last_terminated_reason{container="carts",reason="OOMKilled"}'),
    1,
  );
  assert.equal(got.get('kube_pod_container_status_last_terminated_exitcode{container="carts"}'), 137);
  // Requests default to limits, as the apiserver does.
  assert.equal(
    got.get('kube_pod_container_resource_requests{container="carts",resource="cpu",unit="core"}'),
    0.2,
  );
  assert.equal(
    got.get('kube_pod_container_resource_limits{container="carts",resource="memory",unit="byte"}'),
    100 * 2 ** 20,
  );
  assert.equal(
    got.get(
      'kube_pod_info{created_by_kind="ReplicaSet",created_by_name="carts-abc12",host_ip="127.0.0.1",node="node-1",pod_ip="127.0.0.1"}',
    ),
    1,
  );
});

void test('kube-state: deployment replicas count active pods only', () => {
  const d: DeploymentInfo = {
    name: 'carts',
    namespace: 'sock-shop',
    replicas: 2,
    readyReplicas: 1,
    updatedReplicas: 2,
    availableReplicas: 1,
    revision: 3,
    creationTimestamp: new Date(T0).toISOString(),
    template: { container: { name: 'carts', command: ['x'], ports: [] } },
    replicaSet: 'carts-abc12',
    conditions: [{ type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: '' }],
  };
  const pods = [
    pod('a'),
    pod('b'),
    pod('c', { deletionTimestamp: new Date(T0).toISOString() }),
    pod('o', { deployment: 'orders' }),
  ];
  const got = byKey(deploymentSamples(d, pods));
  assert.equal(got.get('kube_deployment_spec_replicas{deployment="carts"}'), 2);
  assert.equal(got.get('kube_deployment_status_replicas{deployment="carts"}'), 2);
  assert.equal(got.get('kube_deployment_status_replicas_ready{deployment="carts"}'), 1);
  assert.equal(got.get('kube_deployment_status_replicas_available{deployment="carts"}'), 1);
  assert.equal(got.get('kube_deployment_status_replicas_unavailable{deployment="carts"}'), 1);
  assert.equal(
    got.get('kube_deployment_status_condition{condition="Available",deployment="carts",status="false"}'),
    1,
  );
  assert.equal(
    got.get('kube_deployment_status_condition{condition="Available",deployment="carts",status="true"}'),
    0,
  );
});

void test('kube-state: HPA spec and status, targets by metric_name and metric_target_type', () => {
  const h: HorizontalPodAutoscaler = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'front-end', namespace: 'sock-shop', creationTimestamp: new Date(T0).toISOString() },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'front-end' },
      maxReplicas: 5,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
        },
        {
          type: 'Resource',
          resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } },
        },
      ],
    },
    status: {
      currentReplicas: 2,
      desiredReplicas: 4,
      currentMetrics: [
        { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 180 } } },
        null,
      ],
      conditions: [
        {
          type: 'ScalingActive',
          status: 'True',
          reason: 'ValidMetricFound',
          message: '',
          lastTransitionTime: '',
        },
      ],
    },
  };
  const got = byKey(hpaSamples(h));
  const hpa = 'horizontalpodautoscaler="front-end"';
  assert.equal(
    got.get(`kube_horizontalpodautoscaler_spec_min_replicas{${hpa}}`),
    1,
    'minReplicas defaults to 1',
  );
  assert.equal(got.get(`kube_horizontalpodautoscaler_spec_max_replicas{${hpa}}`), 5);
  assert.equal(got.get(`kube_horizontalpodautoscaler_status_current_replicas{${hpa}}`), 2);
  assert.equal(got.get(`kube_horizontalpodautoscaler_status_desired_replicas{${hpa}}`), 4);
  assert.equal(
    got.get(
      `kube_horizontalpodautoscaler_spec_target_metric{${hpa},metric_name="cpu",metric_target_type="utilization"}`,
    ),
    50,
  );
  assert.equal(
    got.get(
      `kube_horizontalpodautoscaler_spec_target_metric{${hpa},metric_name="memory",metric_target_type="average"}`,
    ),
    500 * 2 ** 20,
  );
  assert.equal(
    got.get(
      `kube_horizontalpodautoscaler_status_target_metric{${hpa},metric_name="cpu",metric_target_type="utilization"}`,
    ),
    180,
  );
  assert.equal(
    got.get(`kube_horizontalpodautoscaler_status_condition{condition="ScalingActive",${hpa},status="true"}`),
    1,
  );
});

/** A platform whose state the test sets between rounds. */
class ScriptedPlatform implements PlatformSource {
  pods: PodInfo[] = [];
  failing = false;
  async listPods() {
    if (this.failing) throw new Error('apiserver unreachable');
    return this.pods;
  }
  async listDeployments() {
    return [];
  }
  async listHpas() {
    return [];
  }
  async podUsage() {
    return this.pods.map((p) => usage(p.name, 1));
  }
}

void test('collector: series of a vanished pod, a cleared reason and a failed round go stale', async () => {
  const tsdb = new Tsdb();
  const engine = new PromqlEngine(tsdb);
  const platform = new ScriptedPlatform();
  let now = T0;
  const errors: unknown[] = [];
  const collector = new PlatformSeriesCollector({
    platform,
    tsdb,
    nodeName: 'node-1',
    now: () => now,
    onError: (e) => errors.push(e),
  });
  const count = (expr: string) => {
    const v = engine.instantQuery(`count(${expr})`, now);
    return v.type === 'vector' ? (v.samples[0]?.v ?? 0) : NaN;
  };

  const waiting = pod('b', {
    container: { ...pod('b').container, state: { waiting: { reason: 'ContainerCreating' } } },
  });
  platform.pods = [pod('a'), waiting];
  await collector.collectOnce();
  assert.equal(count('container_cpu_usage_seconds_total{job="kubelet", instance="node-1"}'), 2);
  assert.equal(count('kube_pod_container_status_waiting_reason{pod="b", job="kube-state-metrics"}'), 1);
  assert.equal(count('up{job=~"kubelet|kube-state-metrics"} == 1'), 2);

  now += 1000;
  platform.pods = [pod('a'), pod('b')];
  await collector.collectOnce();
  assert.equal(count('kube_pod_container_status_waiting_reason'), 0, 'reason cleared: stale at once');

  now += 1000;
  platform.pods = [pod('a')];
  await collector.collectOnce();
  assert.equal(count('{pod="b"}'), 0, 'pod b gone');
  assert.ok(count('{pod="a"}') > 10);
  assert.equal(collector.last?.stale && collector.last.stale > 10, true);

  now += 1000;
  platform.failing = true;
  await collector.collectOnce();
  assert.equal(count('{pod="a"}'), 0, 'a failed round is an empty scrape');
  assert.equal(count('up == 0'), 2);
  assert.match(collector.last?.error ?? '', /apiserver unreachable/);
  assert.equal(errors.length, 1);
});
