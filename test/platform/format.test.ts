import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  describeHpa,
  describePod,
  getDeployments,
  getEvents,
  getHpas,
  getPods,
  getServices,
  humanDuration,
  tabwrite,
  TABLE,
  toJson,
  toYaml,
  topPods,
} from '../../src/platform/format/index.js';
import type { HorizontalPodAutoscaler, KubeEvent, PodInfo } from '../../src/platform/types.js';

const now = Date.parse('2026-01-01T12:00:00Z');
const ago = (s: number) => new Date(now - s * 1000).toISOString();
const lines = (...l: string[]) => l.join('\n') + '\n';

const pod: PodInfo = {
  name: 'front-end-6d9c8b7f4-x2x9q',
  namespace: 'sock-shop',
  deployment: 'front-end',
  labels: { name: 'front-end', 'pod-template-hash': '6d9c8b7f4' },
  status: 'Running',
  phase: 'Running',
  ready: true,
  ports: { http: 8079 },
  podIP: '127.0.0.1',
  nodeName: 'lab',
  creationTimestamp: ago(182),
  container: {
    name: 'front-end',
    ready: true,
    started: true,
    restartCount: 3,
    pid: 4242,
    state: { running: { startedAt: ago(35) } },
    lastState: {
      terminated: { reason: 'OOMKilled', exitCode: 137, startedAt: ago(90), finishedAt: ago(36) },
    },
  },
  resources: { requests: { cpu: '100m', memory: '300Mi' }, limits: { cpu: '300m', memory: '1000Mi' } },
  qosClass: 'Burstable',
  enforcement: 'cgroup-v1',
};
const crashing: PodInfo = {
  ...pod,
  name: 'catalogue-5f4c7d9b8-abcde',
  deployment: 'catalogue',
  status: 'CrashLoopBackOff',
  ready: false,
  creationTimestamp: ago(3 * 86400),
  container: { ...pod.container, ready: false, restartCount: 0, lastState: undefined },
};

const hpa: HorizontalPodAutoscaler = {
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'front-end', namespace: 'sock-shop', creationTimestamp: ago(600) },
  spec: {
    scaleTargetRef: { kind: 'Deployment', name: 'front-end' },
    minReplicas: 1,
    maxReplicas: 10,
    metrics: [
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
      },
    ],
  },
  status: {
    currentReplicas: 1,
    desiredReplicas: 4,
    currentMetrics: [
      {
        type: 'Resource',
        resource: { name: 'cpu', current: { averageUtilization: 250, averageValue: '250m' } },
      },
    ],
    conditions: [
      {
        type: 'AbleToScale',
        status: 'True',
        reason: 'SucceededRescale',
        message: 'the HPA controller was able to update the target scale to 4',
        lastTransitionTime: ago(5),
      },
      {
        type: 'ScalingActive',
        status: 'True',
        reason: 'ValidMetricFound',
        message:
          'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)',
        lastTransitionTime: ago(5),
      },
      {
        type: 'ScalingLimited',
        status: 'True',
        reason: 'ScaleUpLimit',
        message: 'the desired replica count is increasing faster than the maximum scale rate',
        lastTransitionTime: ago(5),
      },
    ],
  },
};

function event(
  reason: string,
  type: KubeEvent['type'],
  message: string,
  count: number,
  firstAgo: number,
  lastAgo: number,
  object: KubeEvent['involvedObject'],
  component: string,
): KubeEvent {
  return {
    name: `${object.name}.1`,
    type,
    reason,
    message,
    involvedObject: object,
    source: { component },
    count,
    firstTimestamp: ago(firstAgo),
    lastTimestamp: ago(lastAgo),
  };
}
const hpaRef = { kind: 'HorizontalPodAutoscaler', name: 'front-end' } as const;
const podRef = { kind: 'Pod', name: pod.name } as const;
const rescale = event(
  'SuccessfulRescale',
  'Normal',
  'New size: 4; reason: cpu resource utilization (percentage of request) above target',
  1,
  5,
  5,
  hpaRef,
  'horizontal-pod-autoscaler',
);
const backoff = event(
  'BackOff',
  'Warning',
  `Back-off restarting failed container front-end in pod ${pod.name}`,
  3,
  26,
  3,
  podRef,
  'kubelet',
);
const scheduled = event(
  'Scheduled',
  'Normal',
  `Successfully assigned sock-shop/${pod.name} to lab`,
  1,
  182,
  182,
  podRef,
  'default-scheduler',
);

describe('kubectl formatting', () => {
  it('ages like apimachinery HumanDuration', () => {
    const cases: Array<[number, string]> = [
      [0, '0s'],
      [5, '5s'],
      [119, '119s'],
      [120, '2m'],
      [182, '3m2s'],
      [600, '10m'],
      [179 * 60, '179m'],
      [3 * 3600, '3h'],
      [5 * 3600 + 120, '5h2m'],
      [30 * 3600, '30h'],
      [2 * 86400, '2d'],
      [3 * 86400 + 5 * 3600, '3d5h'],
      [400 * 86400, '400d'],
      [3 * 365 * 86400 + 45 * 86400, '3y45d'],
    ];
    for (const [s, text] of cases) assert.equal(humanDuration(s * 1000), text, `${s}s`);
    assert.equal(humanDuration(-1500), '0s');
    assert.equal(humanDuration(-5000), '<invalid>');
  });

  it('aligns like Go text/tabwriter (last cell not padded, minwidth 6, padding 3)', () => {
    assert.equal(
      tabwrite('A\tBB\tlast\nCCCCCCC\tD\tx\n', TABLE),
      'A         BB    last\nCCCCCCC   D     x\n',
    );
  });

  it('get pods, and -o wide', () => {
    assert.equal(
      getPods([pod, crashing], { now }),
      lines(
        'NAME                        READY   STATUS             RESTARTS      AGE',
        'front-end-6d9c8b7f4-x2x9q   1/1     Running            3 (36s ago)   3m2s',
        'catalogue-5f4c7d9b8-abcde   0/1     CrashLoopBackOff   0             3d',
      ),
    );
    assert.equal(
      getPods([pod], { now, wide: true }),
      lines(
        'NAME                        READY   STATUS    RESTARTS      AGE    IP          NODE   NOMINATED NODE   READINESS GATES',
        'front-end-6d9c8b7f4-x2x9q   1/1     Running   3 (36s ago)   3m2s   127.0.0.1   lab    <none>           <none>',
      ),
    );
    assert.equal(
      getPods([], { now, namespace: 'sock-shop' }),
      'No resources found in sock-shop namespace.\n',
    );
  });

  it('get deployments', () => {
    const deployment = {
      name: 'front-end',
      namespace: 'sock-shop',
      replicas: 3,
      readyReplicas: 2,
      updatedReplicas: 3,
      availableReplicas: 2,
      revision: 1,
      creationTimestamp: ago(3 * 3600 + 60),
      template: { container: { name: 'front-end', command: ['node', 'main.js'], ports: [] } },
      replicaSet: 'front-end-6d9c8b7f4',
      conditions: [],
    };
    assert.equal(
      getDeployments([deployment], { now }),
      lines(
        'NAME        READY   UP-TO-DATE   AVAILABLE   AGE',
        'front-end   2/3     3            2           3h1m',
      ),
    );
  });

  it('get services', () => {
    const service = {
      name: 'catalogue',
      namespace: 'sock-shop',
      clusterIP: '127.0.0.1',
      ports: [{ name: 'http', port: 8081, targetPort: 'http', protocol: 'http' as const }],
      endpoints: {},
      notReadyAddresses: [],
      creationTimestamp: ago(90),
    };
    assert.equal(
      getServices([service], { now }),
      lines(
        'NAME        TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)    AGE',
        'catalogue   ClusterIP   127.0.0.1    <none>        8081/TCP   90s',
      ),
    );
  });

  it('get hpa with TARGETS like kubectl 1.27+', () => {
    const unknown = structuredClone(hpa);
    unknown.metadata.name = 'carts';
    unknown.spec.scaleTargetRef.name = 'carts';
    unknown.spec.metrics!.push({
      type: 'Resource',
      resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '200Mi' } },
    });
    unknown.status.currentMetrics = [null, null];
    assert.equal(
      getHpas([hpa, unknown], { now }),
      lines(
        'NAME        REFERENCE              TARGETS                                       MINPODS   MAXPODS   REPLICAS   AGE',
        'front-end   Deployment/front-end   cpu: 250%/50%                                 1         10        1          10m',
        'carts       Deployment/carts       cpu: <unknown>/50%, memory: <unknown>/200Mi   1         10        1          10m',
      ),
    );
  });

  it('get events, repeated events as "(x3 over 26s)"', () => {
    assert.equal(
      getEvents([backoff, rescale], { now }),
      lines(
        'LAST SEEN          TYPE      REASON              OBJECT                              MESSAGE',
        '5s                 Normal    SuccessfulRescale   horizontalpodautoscaler/front-end   New size: 4; reason: cpu resource utilization (percentage of request) above target',
        `3s (x3 over 26s)   Warning   BackOff             pod/${pod.name}       Back-off restarting failed container front-end in pod ${pod.name}`,
      ),
    );
  });

  it('top pods', () => {
    const usage = {
      pod: pod.name,
      deployment: 'front-end',
      timestamp: ago(0),
      cpuMillicores: 299.2,
      cpuSecondsTotal: 10,
      memoryWorkingSetBytes: 58_982_400,
      cpuPeriods: 0,
      cpuThrottledPeriods: 0,
      cpuThrottledSeconds: 0,
      enforcement: 'cgroup-v1' as const,
    };
    assert.equal(
      topPods([usage]),
      lines('NAME                        CPU(cores)   MEMORY(bytes)', `${pod.name}   300m         56Mi`),
    );
  });

  it('describe hpa', () => {
    const withBehavior = structuredClone(hpa);
    withBehavior.spec.behavior = {
      scaleUp: {
        stabilizationWindowSeconds: 0,
        selectPolicy: 'Max',
        policies: [
          { type: 'Pods', value: 4, periodSeconds: 15 },
          { type: 'Percent', value: 100, periodSeconds: 15 },
        ],
      },
      scaleDown: { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
    };
    assert.equal(
      describeHpa(withBehavior, [rescale], now),
      lines(
        'Name:                                                  front-end',
        'Namespace:                                             sock-shop',
        'Labels:                                                <none>',
        'Annotations:                                           <none>',
        'CreationTimestamp:                                     Thu, 01 Jan 2026 11:50:00 +0000',
        'Reference:                                             Deployment/front-end',
        'Metrics:                                               ( current / target )',
        '  resource cpu on pods  (as a percentage of request):  250% (250m) / 50%',
        'Min replicas:                                          1',
        'Max replicas:                                          10',
        'Behavior:',
        '  Scale Up:',
        '    Stabilization Window: 0 seconds',
        '    Select Policy: Max',
        '    Policies:',
        '      - Type: Pods     Value: 4    Period: 15 seconds',
        '      - Type: Percent  Value: 100  Period: 15 seconds',
        '  Scale Down:',
        '    Select Policy: Max',
        '    Policies:',
        '      - Type: Percent  Value: 100  Period: 15 seconds',
        'Deployment pods:       1 current / 4 desired',
        'Conditions:',
        '  Type            Status  Reason            Message',
        '  ----            ------  ------            -------',
        '  AbleToScale     True    SucceededRescale  the HPA controller was able to update the target scale to 4',
        '  ScalingActive   True    ValidMetricFound  the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)',
        '  ScalingLimited  True    ScaleUpLimit      the desired replica count is increasing faster than the maximum scale rate',
        'Events:',
        '  Type    Reason             Age   From                       Message',
        '  ----    ------             ----  ----                       -------',
        '  Normal  SuccessfulRescale  5s    horizontal-pod-autoscaler  New size: 4; reason: cpu resource utilization (percentage of request) above target',
      ),
    );
    const missing = structuredClone(hpa);
    missing.status.currentMetrics = [null];
    missing.status.conditions = [];
    assert.equal(
      describeHpa(missing, [], now),
      lines(
        'Name:                                                  front-end',
        'Namespace:                                             sock-shop',
        'Labels:                                                <none>',
        'Annotations:                                           <none>',
        'CreationTimestamp:                                     Thu, 01 Jan 2026 11:50:00 +0000',
        'Reference:                                             Deployment/front-end',
        'Metrics:                                               ( current / target )',
        '  resource cpu on pods  (as a percentage of request):  <unknown> / 50%',
        'Min replicas:                                          1',
        'Max replicas:                                          10',
        'Deployment pods:                                       1 current / 4 desired',
        'Events:                                                <none>',
      ),
    );
  });

  it('describe pod', () => {
    const text = describePod(pod, [backoff, scheduled], now, {
      name: 'front-end',
      command: ['node', 'dist/shop/front-end/main.js'],
      ports: [],
      env: { SESSION_REDIS: 'true' },
      livenessProbe: { httpGet: { path: '/', port: 'http' }, initialDelaySeconds: 300, periodSeconds: 3 },
    });
    assert.equal(
      text,
      lines(
        'Name:             front-end-6d9c8b7f4-x2x9q',
        'Namespace:        sock-shop',
        'Priority:         0',
        'Service Account:  default',
        'Node:             lab/127.0.0.1',
        'Start Time:       Thu, 01 Jan 2026 11:56:58 +0000',
        'Labels:           name=front-end',
        '                  pod-template-hash=6d9c8b7f4',
        'Annotations:      <none>',
        'Status:           Running',
        'IP:               127.0.0.1',
        'IPs:',
        '  IP:           127.0.0.1',
        'Controlled By:  ReplicaSet/front-end-6d9c8b7f4',
        'Containers:',
        '  front-end:',
        '    Container ID:   process://4242',
        '    Image:          node dist/shop/front-end/main.js',
        '    Port:           8079/TCP',
        '    Host Port:      0/TCP',
        '    State:          Running',
        '      Started:      Thu, 01 Jan 2026 11:59:25 +0000',
        '    Last State:     Terminated',
        '      Reason:       OOMKilled',
        '      Exit Code:    137',
        '      Started:      Thu, 01 Jan 2026 11:58:30 +0000',
        '      Finished:     Thu, 01 Jan 2026 11:59:24 +0000',
        '    Ready:          True',
        '    Restart Count:  3',
        '    Limits:',
        '      cpu:     300m',
        '      memory:  1000Mi',
        '    Requests:',
        '      cpu:     100m',
        '      memory:  300Mi',
        '    Liveness:  http-get http://:8079/ delay=300s timeout=1s period=3s #success=1 #failure=3',
        '    Environment:',
        '      SESSION_REDIS:  true',
        '    Mounts:           <none>',
        'Conditions:',
        '  Type                        Status',
        '  PodReadyToStartContainers   True ',
        '  Initialized                 True ',
        '  Ready                       True ',
        '  ContainersReady             True ',
        '  PodScheduled                True ',
        'Volumes:                      <none>',
        'QoS Class:                    Burstable',
        'Node-Selectors:               <none>',
        'Tolerations:                  <none>',
        'Events:',
        '  Type     Reason     Age               From               Message',
        '  ----     ------     ----              ----               -------',
        `  Normal   Scheduled  3m2s              default-scheduler  Successfully assigned sock-shop/${pod.name} to lab`,
        `  Warning  BackOff    3s (x3 over 26s)  kubelet            Back-off restarting failed container front-end in pod ${pod.name}`,
      ),
    );
  });

  it('-o json and -o yaml, several objects as a v1 List', () => {
    assert.equal(
      toJson({ kind: 'Pod', metadata: { name: 'a' } }),
      '{\n    "kind": "Pod",\n    "metadata": {\n        "name": "a"\n    }\n}\n',
    );
    assert.equal(
      toYaml([{ metadata: { name: 'a' }, kind: 'Pod', spec: { ports: [1, 2] } }]),
      lines(
        'apiVersion: v1',
        'items:',
        '- kind: Pod',
        '  metadata:',
        '    name: a',
        '  spec:',
        '    ports:',
        '    - 1',
        '    - 2',
        'kind: List',
        'metadata:',
        '  resourceVersion: ""',
      ),
    );
  });
});
