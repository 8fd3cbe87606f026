import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HpaController, parseHpaManifest, resourceReplicas } from '../../src/platform/hpa/index.js';
import type { CalculatorTimings } from '../../src/platform/hpa/index.js';
import type { HpaHost, KubeEventInput, PodMetricSample } from '../../src/platform/types.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const MI = 1024 * 1024;

/** A deployment whose pods report the usage the test sets; time moves only when the test says. */
class Lab implements HpaHost {
  time = T0 + 3_600_000;
  replicas = 1;
  events: KubeEventInput[] = [];
  /** Per-pod usage; the deployment's pods are `web-0` … `web-(replicas-1)`. */
  usage: (i: number) => { cpu?: number; mem?: number; ready?: boolean; startedAgoS?: number } = () => ({});
  requests: { cpu?: number; mem?: number } = { cpu: 100, mem: 100 * MI };

  now() {
    return this.time;
  }
  getReplicas(kind: string, name: string) {
    return kind === 'Deployment' && name === 'web' ? this.replicas : undefined;
  }
  podMetrics(): PodMetricSample[] {
    return Array.from({ length: this.replicas }, (_, i) => {
      const u = this.usage(i);
      const started = this.time - (u.startedAgoS ?? 3600) * 1000;
      return {
        pod: `web-${i}`,
        ready: u.ready ?? true,
        phase: 'Running',
        deleting: false,
        startedAt: new Date(started).toISOString(),
        readySince: u.ready === false ? undefined : new Date(started + 5000).toISOString(),
        cpuMillicores: u.cpu,
        memoryWorkingSetBytes: u.mem,
        cpuRequestMillicores: this.requests.cpu,
        memoryRequestBytes: this.requests.mem,
        sampleTime: new Date(this.time).toISOString(),
      };
    });
  }
  async setReplicas(_kind: string, _name: string, n: number) {
    this.replicas = n;
  }
  recordEvent(e: KubeEventInput) {
    this.events.push(e);
  }
  messages(reason: string) {
    return this.events.filter((e) => e.reason === reason).map((e) => e.message);
  }
}

const hpaYaml = (metrics: string, extra = '') => `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: web
  minReplicas: 1
  maxReplicas: 10
  metrics:
${metrics}${extra}`;

const cpu = (pct: number) => `  - type: Resource
    resource:
      name: cpu
      target:
        type: Utilization
        averageUtilization: ${pct}
`;
const memory = (pct: number) => `  - type: Resource
    resource:
      name: memory
      target:
        type: Utilization
        averageUtilization: ${pct}
`;

function setup(yaml: string, replicas = 1, usage?: Lab['usage']) {
  const lab = new Lab();
  lab.replicas = replicas;
  if (usage) lab.usage = usage;
  const hpa = new HpaController(lab, { autoStart: false, namespace: 'sock-shop' });
  hpa.apply(yaml);
  return { lab, hpa };
}

describe('HPA: the replica calculation', () => {
  const t: CalculatorTimings = {
    tolerance: 0.1,
    cpuInitializationPeriodMs: 300_000,
    initialReadinessDelayMs: 30_000,
    metricWindowMs: 15_000,
  };
  const pod = (
    name: string,
    cpuMilli: number | undefined,
    extra: Partial<PodMetricSample> = {},
  ): PodMetricSample => ({
    pod: name,
    ready: true,
    phase: 'Running',
    deleting: false,
    startedAt: new Date(T0 - 3_600_000).toISOString(),
    readySince: new Date(T0 - 3_500_000).toISOString(),
    cpuMillicores: cpuMilli,
    cpuRequestMillicores: 100,
    sampleTime: new Date(T0).toISOString(),
    ...extra,
  });
  const calc = (current: number, pods: PodMetricSample[], utilization = 50) =>
    resourceReplicas(current, pods, { resource: 'cpu', target: { utilization }, container: 'web' }, T0, t);

  it('front-end pinned at its 300m limit with a 100m request: 300% of a 50% target asks for 6', () => {
    assert.deepEqual(calc(1, [pod('a', 300)]), { replicas: 6, utilization: 300, rawAverageMilli: 300 });
  });

  it('truncates utilization to an integer percent of summed usage over summed requests', () => {
    // (149 + 150) / 200 = 149.5% → 149%
    assert.equal(calc(2, [pod('a', 149), pod('b', 150)]).utilization, 149);
  });

  it('does nothing inside the 10% tolerance band and acts just outside it', () => {
    assert.equal(calc(2, [pod('a', 54), pod('b', 54)]).replicas, 2); // ratio 1.08
    assert.equal(calc(2, [pod('a', 46), pod('b', 46)]).replicas, 2); // ratio 0.92
    assert.equal(calc(2, [pod('a', 56), pod('b', 56)]).replicas, 3); // ratio 1.12 → ceil(2.24)
    assert.equal(calc(4, [pod('a', 20), pod('b', 20), pod('c', 20), pod('d', 20)]).replicas, 2); // 0.4·4 = 1.6 → 2
  });

  it('on a scale-up, missing pods count as 0%', () => {
    // 200%/50% over two pods; the third (no sample) counts 0 → 133% → ratio 2.67 → ceil(2.67·3) = 8
    assert.equal(calc(3, [pod('a', 200), pod('b', 200), pod('c', undefined)]).replicas, 8);
  });

  it('on a scale-down, missing pods count as 100% and can hold the scale-down back', () => {
    // 10% each would ask for 1; with the missing pod at 100%: 40% → ratio 0.8 → ceil(2.4) = 3 = current
    const result = calc(3, [pod('a', 10), pod('b', 10), pod('c', undefined)]);
    assert.deepEqual(result, { replicas: 3, utilization: 10, rawAverageMilli: 10 });
  });

  it('on a scale-up, unready pods count as 0%', () => {
    const unready = pod('c', 90, { ready: false, readySince: undefined });
    // ready: 100% + 100% → ratio 2; with c at 0: 66% → ratio 1.32 → ceil(3.96) = 4
    assert.equal(calc(3, [pod('a', 100), pod('b', 100), unready]).replicas, 4);
  });

  it('sets aside a CPU sample taken less than a window after the pod became ready', () => {
    const fresh = pod('b', 400, {
      startedAt: new Date(T0 - 20_000).toISOString(),
      readySince: new Date(T0 - 10_000).toISOString(),
    });
    // Without b: 60%/50% = 1.2 → scale-up with unready b at 0 → 30% → flips direction → stay at 2.
    assert.equal(calc(2, [pod('a', 60), fresh]).replicas, 2);
  });

  it('ignores failed and deleting pods', () => {
    const failed = pod('b', 500, { phase: 'Failed' });
    const deleting = pod('c', 500, { deleting: true });
    assert.equal(calc(3, [pod('a', 50), failed, deleting]).replicas, 3);
  });

  it('names the pod and container missing a request', () => {
    assert.throws(() => calc(1, [pod('a', 50, { cpuRequestMillicores: undefined })]), {
      message: 'missing request for cpu in container web of Pod a',
    });
  });

  it('AverageValue targets divide the average usage by the target', () => {
    const pods = [pod('a', 300), pod('b', 100)];
    const r = resourceReplicas(
      2,
      pods,
      { resource: 'cpu', target: { averageMilli: 100 }, container: 'web' },
      T0,
      t,
    );
    assert.deepEqual(r, { replicas: 4, utilization: undefined, rawAverageMilli: 200 });
  });
});

describe('HPA controller', () => {
  it('Incident 7: an HPA on memory does not scale a CPU-bound deployment; the CPU one does', async () => {
    const usage = () => ({ cpu: 300, mem: 60 * MI });
    const broken = setup(hpaYaml(memory(80)), 1, usage);
    await broken.hpa.sync('web');
    assert.equal(broken.lab.replicas, 1);
    const status = broken.hpa.get('web')!.status;
    assert.deepEqual(status.currentMetrics, [
      {
        type: 'Resource',
        resource: { name: 'memory', current: { averageUtilization: 60, averageValue: '62914560' } },
      },
    ]);
    assert.deepEqual(
      status.conditions.map((c) => [c.type, c.status, c.reason]),
      [
        ['AbleToScale', 'True', 'ReadyForNewScale'],
        ['ScalingActive', 'True', 'ValidMetricFound'],
        ['ScalingLimited', 'False', 'DesiredWithinRange'],
      ],
    );
    assert.equal(
      status.conditions[1].message,
      'the HPA was able to successfully calculate a replica count from memory resource utilization (percentage of request)',
    );
    assert.deepEqual(broken.lab.messages('SuccessfulRescale'), []);

    const fixed = setup(hpaYaml(cpu(50)), 1, usage);
    await fixed.hpa.sync('web');
    // desired 6, capped at max(2·1, 4) = 4 without behavior
    assert.equal(fixed.lab.replicas, 4);
    assert.deepEqual(fixed.lab.messages('SuccessfulRescale'), [
      'New size: 4; reason: cpu resource utilization (percentage of request) above target',
    ]);
    const s = fixed.hpa.get('web')!.status;
    assert.deepEqual([s.currentReplicas, s.desiredReplicas], [1, 4]);
    assert.equal(s.lastScaleTime, new Date(fixed.lab.time).toISOString());
    assert.deepEqual(
      s.conditions.map((c) => [c.type, c.status, c.reason]),
      [
        ['AbleToScale', 'True', 'SucceededRescale'],
        ['ScalingActive', 'True', 'ValidMetricFound'],
        ['ScalingLimited', 'True', 'ScaleUpLimit'],
      ],
    );
  });

  it('with the default behavior the first step is max(current + 4, 2·current) = 5', async () => {
    const behavior = `  behavior:
    scaleUp:
      stabilizationWindowSeconds: 0
`;
    const { lab, hpa } = setup(hpaYaml(cpu(50), behavior), 1, () => ({ cpu: 300 }));
    await hpa.sync('web');
    assert.equal(lab.replicas, 5);
    // 15 s later the pods still burn 300m each: 6 per pod → 30, capped at max 10
    lab.time += 15_000;
    await hpa.sync('web');
    assert.equal(lab.replicas, 10);
    assert.equal(
      hpa.get('web')!.status.conditions.find((c) => c.type === 'ScalingLimited')!.reason,
      'TooManyReplicas',
    );
  });

  it('rate policies count the replicas already added in the period', async () => {
    const behavior = `  behavior:
    scaleUp:
      policies:
      - type: Pods
        value: 1
        periodSeconds: 60
`;
    const { lab, hpa } = setup(hpaYaml(cpu(50), behavior), 2, () => ({ cpu: 200 }));
    await hpa.sync('web');
    assert.equal(lab.replicas, 3);
    lab.time += 15_000;
    await hpa.sync('web'); // still inside the 60 s period: no more than 2 + 1
    assert.equal(lab.replicas, 3);
    assert.equal(
      hpa.get('web')!.status.conditions.find((c) => c.type === 'ScalingLimited')!.reason,
      'ScaleUpLimit',
    );
    lab.time += 46_000;
    await hpa.sync('web');
    assert.equal(lab.replicas, 4);
  });

  it('scale-down: Percent truncates, Min picks the smaller change, Disabled stops it', async () => {
    const down = (policy: string) => `  behavior:
    scaleDown:
      stabilizationWindowSeconds: 0
${policy}`;
    const percent = setup(
      hpaYaml(
        cpu(50),
        down(`      policies:\n      - type: Percent\n        value: 50\n        periodSeconds: 60\n`),
      ),
      5,
      () => ({ cpu: 5 }),
    );
    await percent.hpa.sync('web');
    assert.equal(percent.lab.replicas, 2); // int(5 · 0.5) = 2

    const min = setup(
      hpaYaml(
        cpu(50),
        down(
          `      selectPolicy: Min\n      policies:\n      - type: Percent\n        value: 50\n        periodSeconds: 60\n      - type: Pods\n        value: 1\n        periodSeconds: 60\n`,
        ),
      ),
      6,
      () => ({ cpu: 5 }),
    );
    await min.hpa.sync('web');
    assert.equal(min.lab.replicas, 5);

    const disabled = setup(hpaYaml(cpu(50), down(`      selectPolicy: Disabled\n`)), 4, () => ({ cpu: 5 }));
    await disabled.hpa.sync('web');
    assert.equal(disabled.lab.replicas, 4);
  });

  it('without behavior, scale-down waits for the highest recommendation of the last 5 minutes', async () => {
    let load = 120;
    const { lab, hpa } = setup(hpaYaml(cpu(80)), 4, () => ({ cpu: load }));
    await hpa.sync('web'); // 120%/80% → ceil(1.5·4) = 6
    assert.equal(lab.replicas, 6);
    load = 10; // now 10% → would want ceil(0.125·6) = 1
    for (let s = 15; s < 300; s += 15) {
      lab.time += 15_000;
      await hpa.sync('web');
      assert.equal(lab.replicas, 6, `after ${s} s`);
    }
    assert.equal(hpa.get('web')!.status.conditions[0].reason, 'ScaleDownStabilized');
    lab.time += 16_000;
    await hpa.sync('web');
    assert.equal(lab.replicas, 1);
    assert.deepEqual(
      lab.messages('SuccessfulRescale').at(-1),
      'New size: 1; reason: All metrics below target',
    );
  });

  it('a compressed stabilization window scales down sooner', async () => {
    let load = 200;
    const lab = new Lab();
    lab.replicas = 2;
    lab.usage = () => ({ cpu: load });
    const hpa = new HpaController(lab, { autoStart: false, downscaleStabilizationSeconds: 30 });
    hpa.apply(hpaYaml(cpu(50)));
    await hpa.sync('web');
    load = 5;
    lab.time += 31_000;
    await hpa.sync('web');
    assert.equal(lab.replicas, 1);
  });

  it('several metrics: the largest proposal wins', async () => {
    const { lab, hpa } = setup(hpaYaml(cpu(50) + memory(50)), 2, () => ({ cpu: 100, mem: 60 * MI }));
    await hpa.sync('web');
    assert.equal(lab.replicas, 4);
    assert.match(lab.messages('SuccessfulRescale')[0], /reason: cpu resource utilization/);
  });

  it('missing metrics: FailedGetResourceMetric, no scaling, <unknown> status', async () => {
    const { lab, hpa } = setup(hpaYaml(cpu(50)), 2, () => ({}));
    await hpa.sync('web');
    assert.equal(lab.replicas, 2);
    const err =
      'failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API';
    assert.deepEqual(lab.messages('FailedGetResourceMetric'), [err]);
    assert.deepEqual(lab.messages('FailedComputeMetricsReplicas'), [
      `invalid metrics (1 invalid out of 1), first error is: ${err}`,
    ]);
    const status = hpa.get('web')!.status;
    assert.deepEqual(status.currentMetrics, [null]);
    assert.deepEqual(
      status.conditions.map((c) => [c.type, c.status, c.reason, c.message]),
      [
        [
          'AbleToScale',
          'True',
          'SucceededGetScale',
          "the HPA controller was able to get the target's current scale",
        ],
        [
          'ScalingActive',
          'False',
          'FailedGetResourceMetric',
          `the HPA was unable to compute the replica count: ${err}`,
        ],
      ],
    );
  });

  it('one failing metric does not stop a scale-up but blocks a scale-down', async () => {
    const up = setup(hpaYaml(cpu(50) + memory(50)), 2, () => ({ cpu: 200 }));
    await up.hpa.sync('web');
    assert.equal(up.lab.replicas, 4);
    const down = setup(hpaYaml(cpu(50) + memory(50)), 4, () => ({ cpu: 5 }));
    await down.hpa.sync('web');
    assert.equal(down.lab.replicas, 4);
    assert.equal(down.hpa.get('web')!.status.conditions[1].reason, 'FailedGetResourceMetric');
  });

  it('keeps the replica count inside min/max and does not scale a target at zero', async () => {
    const above = setup(hpaYaml(cpu(50)), 12, () => ({ cpu: 50 }));
    await above.hpa.sync('web');
    assert.equal(above.lab.replicas, 10);
    assert.deepEqual(above.lab.messages('SuccessfulRescale'), [
      'New size: 10; reason: Current number of replicas above Spec.MaxReplicas',
    ]);
    const zero = setup(hpaYaml(cpu(50)), 0);
    await zero.hpa.sync('web');
    assert.equal(zero.lab.replicas, 0);
    assert.equal(zero.hpa.get('web')!.status.conditions[1].reason, 'ScalingDisabled');
  });

  it('reports a missing target', async () => {
    const lab = new Lab();
    const hpa = new HpaController(lab, { autoStart: false });
    hpa.apply(hpaYaml(cpu(50)).replace('name: web\n  minReplicas', 'name: nope\n  minReplicas'));
    await hpa.sync('web');
    assert.deepEqual(lab.messages('FailedGetScale'), ['deployments/scale.apps "nope" not found']);
  });

  it('patches the spec with a merge patch and validates it', async () => {
    const { lab, hpa } = setup(hpaYaml(memory(80)), 1, () => ({ cpu: 300, mem: 60 * MI }));
    hpa.patch('web', {
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
        },
      ],
    });
    await hpa.sync('web');
    assert.equal(lab.replicas, 4);
    assert.throws(() => hpa.patch('web', { maxReplicas: 0 }), /spec.maxReplicas/);
    assert.throws(() => hpa.patch('nope', {}), { status: 404 });
  });
});

describe('HPA manifests', () => {
  it('reads autoscaling/v2 with defaults for minReplicas and behavior', () => {
    const m = parseHpaManifest(`apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: front-end, namespace: sock-shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: front-end}
  maxReplicas: 8
  metrics:
  - type: Resource
    resource: {name: memory, target: {type: AverageValue, averageValue: 200Mi}}
`);
    assert.deepEqual(m, {
      name: 'front-end',
      namespace: 'sock-shop',
      labels: undefined,
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'front-end' },
        minReplicas: 1,
        maxReplicas: 8,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '200Mi' } },
          },
        ],
      },
    });
  });

  it('turns autoscaling/v1 targetCPUUtilizationPercentage into a cpu metric (80% when absent)', () => {
    const v1 = (extra: string) => `apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata:
  name: carts
spec:
  scaleTargetRef: {kind: Deployment, name: carts}
  minReplicas: 2
  maxReplicas: 5
${extra}`;
    assert.deepEqual(parseHpaManifest(v1('  targetCPUUtilizationPercentage: 60\n')).spec.metrics, [
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } },
      },
    ]);
    assert.equal(parseHpaManifest(v1('')).spec.metrics![0].resource!.target.averageUtilization, 80);
  });

  it('names the line and field of an error', () => {
    const bad =
      (metrics: string, extra = '') =>
      () =>
        parseHpaManifest(hpaYaml(metrics, extra));
    assert.throws(bad(cpu(50).replace('averageUtilization: 50', 'averageUtilizaton: 50')), {
      message: 'line 18: spec.metrics[0].resource.target: Unrecognized key: "averageUtilizaton"',
    });
    assert.throws(bad(`  - type: Pods\n    pods: {}\n`), { message: /^line 13: spec\.metrics\[0\]\.type: / });
    assert.throws(bad(cpu(50).replace('name: cpu', 'name: gpu')), {
      message: 'line 15: spec.metrics[0].resource.name: supported values: "cpu", "memory"',
    });
    assert.throws(() => parseHpaManifest(hpaYaml(cpu(50)).replace('maxReplicas: 10', 'maxReplicas: 0')), {
      message: /^line 11: spec\.maxReplicas: /,
    });
    assert.throws(() => parseHpaManifest(hpaYaml(cpu(50)).replace('minReplicas: 1', 'minReplicas: 20')), {
      message: 'line 11: spec.maxReplicas: Invalid value: 10: must be greater than or equal to `minReplicas`',
    });
    assert.throws(() => parseHpaManifest('kind: Deployment\napiVersion: apps/v1\n'), {
      message: 'line 1: kind: expected HorizontalPodAutoscaler, got "Deployment"',
    });
    assert.throws(() => parseHpaManifest('spec: [\n'), { message: /^line \d+: invalid YAML/ });
    assert.throws(
      () =>
        parseHpaManifest(
          hpaYaml(cpu(50)).replace('averageUtilization: 50', 'averageUtilization: 50\n  foo: 1'),
        ),
      {
        status: 400,
      },
    );
  });
});
