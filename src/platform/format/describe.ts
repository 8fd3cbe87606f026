/**
 * `kubectl describe hpa` and `kubectl describe pod`, written with the same tab structure as kubectl's
 * describers and aligned by the same tabwriter, so columns line up the way kubectl's do.
 */
import type {
  ContainerSpec,
  ContainerState,
  HorizontalPodAutoscaler,
  HpaScalingRules,
  KubeEvent,
  PodInfo,
  Probe,
} from '../types.js';
import { DESCRIBE, tabwrite } from './tabwriter.js';
import { age, rfc1123z } from './time.js';

/** kubectl's PrefixWriter: two spaces per level. */
class Out {
  text = '';
  line(level: number, s: string): void {
    this.text += '  '.repeat(level) + s + '\n';
  }
  /** Flush boundary: kubectl flushes the tabwriter before the Events table. */
  render(): string {
    return this.text
      .split('\u000c')
      .map((part) => tabwrite(part, DESCRIBE))
      .join('');
  }
  flush(): void {
    this.text += '\u000c';
  }
}

function labelsMultiline(
  out: Out,
  title: string,
  labels: Record<string, string> | undefined,
  sep = '=',
): void {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return out.line(0, `${title}:\t<none>`);
  keys.forEach((k, i) => out.line(0, `${i === 0 ? `${title}:` : ''}\t${k}${sep}${labels![k]}`));
}

/** DescribeEvents: "Events:  <none>", or a table with "3s (x3 over 26s)" ages, oldest first. */
function events(out: Out, list: KubeEvent[], now: number): void {
  if (list.length === 0) return out.line(0, 'Events:\t<none>');
  out.flush();
  out.line(0, 'Events:');
  out.line(1, 'Type\tReason\tAge\tFrom\tMessage');
  out.line(1, '----\t------\t----\t----\t-------');
  const sorted = [...list].sort((a, b) => Date.parse(a.lastTimestamp) - Date.parse(b.lastTimestamp));
  for (const e of sorted) {
    const first = age(e.firstTimestamp, now);
    const interval = e.count > 1 ? `${age(e.lastTimestamp, now)} (x${e.count} over ${first})` : first;
    out.line(1, `${e.type}\t${e.reason}\t${interval}\t${e.source.component}\t${e.message.trim()}`);
  }
}

function directionBehavior(out: Out, direction: string, rules: HpaScalingRules | undefined): void {
  if (!rules) return;
  out.line(1, `${direction}:`);
  if (rules.stabilizationWindowSeconds !== undefined) {
    out.line(2, `Stabilization Window: ${rules.stabilizationWindowSeconds} seconds`);
  }
  if (rules.policies?.length) {
    out.line(2, `Select Policy: ${rules.selectPolicy ?? 'Max'}`);
    out.line(2, 'Policies:');
    for (const p of rules.policies)
      out.line(3, `- Type: ${p.type}\tValue: ${p.value}\tPeriod: ${p.periodSeconds} seconds`);
  }
}

export function describeHpa(hpa: HorizontalPodAutoscaler, eventList: KubeEvent[], now: number): string {
  const out = new Out();
  const { spec, status } = hpa;
  out.line(0, `Name:\t${hpa.metadata.name}`);
  out.line(0, `Namespace:\t${hpa.metadata.namespace}`);
  labelsMultiline(out, 'Labels', undefined);
  labelsMultiline(out, 'Annotations', undefined);
  out.line(0, `CreationTimestamp:\t${rfc1123z(hpa.metadata.creationTimestamp)}`);
  out.line(0, `Reference:\t${spec.scaleTargetRef.kind}/${spec.scaleTargetRef.name}`);
  out.line(0, 'Metrics:\t( current / target )');
  (spec.metrics ?? []).forEach((metric, i) => {
    const source = metric.resource ?? metric.containerResource!;
    const current = status.currentMetrics[i]?.resource?.current;
    const subject =
      metric.type === 'ContainerResource'
        ? `resource ${source.name} of container "${metric.containerResource!.container}" on pods`
        : `resource ${source.name} on pods`;
    if (source.target.type === 'AverageValue') {
      out.line(1, `${subject}:\t${current?.averageValue ?? '<unknown>'} / ${source.target.averageValue}`);
      return;
    }
    const currentText =
      current?.averageUtilization !== undefined
        ? `${current.averageUtilization}% (${current.averageValue})`
        : '<unknown>';
    const target =
      source.target.averageUtilization !== undefined ? `${source.target.averageUtilization}%` : '<auto>';
    out.line(1, `${subject}  (as a percentage of request):\t${currentText} / ${target}`);
  });
  out.line(0, `Min replicas:\t${spec.minReplicas ?? '<unset>'}`);
  out.line(0, `Max replicas:\t${spec.maxReplicas}`);
  if (spec.behavior) {
    out.line(0, 'Behavior:');
    directionBehavior(out, 'Scale Up', spec.behavior.scaleUp);
    directionBehavior(out, 'Scale Down', spec.behavior.scaleDown);
  }
  out.line(
    0,
    `${spec.scaleTargetRef.kind} pods:\t${status.currentReplicas} current / ${status.desiredReplicas} desired`,
  );
  if (status.conditions.length > 0) {
    out.line(0, 'Conditions:');
    out.line(1, 'Type\tStatus\tReason\tMessage');
    out.line(1, '----\t------\t------\t-------');
    for (const c of status.conditions) out.line(1, `${c.type}\t${c.status}\t${c.reason}\t${c.message}`);
  }
  events(out, eventList, now);
  return out.render();
}

/** DescribeProbe: "http-get http://:8079/ delay=0s …" or "tcp-socket :5432 delay=0s …". */
function probe(p: Probe, ports: Record<string, number>): string {
  const named = (p.httpGet ?? p.tcpSocket)?.port;
  const port = typeof named === 'string' ? (ports[named] ?? named) : named;
  const host = port === undefined ? '' : `:${port}`;
  const attrs = `delay=${p.initialDelaySeconds ?? 0}s timeout=${p.timeoutSeconds ?? 1}s period=${p.periodSeconds ?? 10}s #success=${p.successThreshold ?? 1} #failure=${p.failureThreshold ?? 3}`;
  return p.httpGet ? `http-get http://${host}${p.httpGet.path} ${attrs}` : `tcp-socket ${host} ${attrs}`;
}

function state(out: Out, name: string, s: ContainerState | undefined): void {
  if (s?.running) {
    out.line(2, `${name}:\tRunning`);
    out.line(3, `Started:\t${rfc1123z(s.running.startedAt)}`);
  } else if (s?.terminated) {
    const t = s.terminated;
    out.line(2, `${name}:\tTerminated`);
    if (t.reason) out.line(3, `Reason:\t${t.reason}`);
    if (t.message) out.line(3, `Message:\t${t.message}`);
    out.line(3, `Exit Code:\t${t.exitCode}`);
    if (t.signal) out.line(3, `Signal:\t${t.signal}`);
    out.line(3, `Started:\t${t.startedAt ? rfc1123z(t.startedAt) : 'Mon, 01 Jan 0001 00:00:00 +0000'}`);
    out.line(3, `Finished:\t${rfc1123z(t.finishedAt)}`);
  } else {
    out.line(2, `${name}:\tWaiting`);
    if (s?.waiting?.reason) out.line(3, `Reason:\t${s.waiting.reason}`);
  }
}

/** The pod's replica set, from the pod name `<deployment>-<hash>-<suffix>`. */
const controller = (pod: PodInfo) => {
  const rs = pod.name.replace(/-[^-]+$/, '');
  return rs !== pod.name && rs.startsWith(pod.deployment) ? `ReplicaSet/${rs}` : undefined;
};

/**
 * `kubectl describe pod`. The local pod's "image" is its command. `container` (the deployment's
 * container spec) adds probes and environment when given.
 */
export function describePod(
  pod: PodInfo,
  eventList: KubeEvent[],
  now: number,
  container?: ContainerSpec,
): string {
  const out = new Out();
  const c = pod.container;
  out.line(0, `Name:\t${pod.name}`);
  out.line(0, `Namespace:\t${pod.namespace}`);
  out.line(0, 'Priority:\t0');
  out.line(0, 'Service Account:\tdefault');
  out.line(0, `Node:\t${pod.nodeName ? `${pod.nodeName}/127.0.0.1` : '<none>'}`);
  out.line(0, `Start Time:\t${rfc1123z(pod.creationTimestamp)}`);
  labelsMultiline(out, 'Labels', pod.labels);
  labelsMultiline(out, 'Annotations', undefined);
  if (pod.deletionTimestamp) out.line(0, `Status:\tTerminating (lasts ${age(pod.deletionTimestamp, now)})`);
  else out.line(0, `Status:\t${pod.phase}`);
  out.line(0, `IP:\t${pod.podIP}`);
  if (pod.podIP) {
    out.line(0, 'IPs:');
    out.line(1, `IP:\t${pod.podIP}`);
  } else out.line(0, 'IPs:\t<none>');
  const owner = controller(pod);
  if (owner) out.line(0, `Controlled By:\t${owner}`);
  out.line(0, 'Containers:');
  out.line(1, `${c.name}:`);
  out.line(2, `Container ID:\t${c.pid ? `process://${c.pid}` : ''}`);
  out.line(2, `Image:\t${container?.command.join(' ') ?? c.name}`);
  const ports = Object.values(pod.ports).map((p) => `${p}/TCP`);
  out.line(2, `${ports.length > 1 ? 'Ports' : 'Port'}:\t${ports.join(', ') || '<none>'}`);
  out.line(
    2,
    `${ports.length > 1 ? 'Host Ports' : 'Host Port'}:\t${ports.map(() => '0/TCP').join(', ') || '<none>'}`,
  );
  state(out, 'State', c.state);
  if (c.lastState?.terminated) state(out, 'Last State', c.lastState);
  out.line(2, `Ready:\t${c.ready ? 'True' : 'False'}`);
  out.line(2, `Restart Count:\t${c.restartCount}`);
  for (const [title, list] of [
    ['Limits', pod.resources.limits],
    ['Requests', pod.resources.requests],
  ] as const) {
    const names = (['cpu', 'memory'] as const).filter((n) => list?.[n] !== undefined);
    if (names.length === 0) continue;
    out.line(2, `${title}:`);
    for (const n of names) out.line(3, `${n}:\t${list![n]}`);
  }
  if (container?.livenessProbe) out.line(2, `Liveness:\t${probe(container.livenessProbe, pod.ports)}`);
  if (container?.readinessProbe) out.line(2, `Readiness:\t${probe(container.readinessProbe, pod.ports)}`);
  const env = Object.entries(container?.env ?? {});
  out.line(2, `Environment:${env.length ? '' : '\t<none>'}`);
  for (const [k, v] of env) out.line(3, `${k}:\t${v}`);
  out.line(2, 'Mounts:\t<none>');
  out.line(0, 'Conditions:');
  out.line(1, 'Type\tStatus');
  const running = pod.phase === 'Running';
  for (const [type, ok] of [
    ['PodReadyToStartContainers', running],
    ['Initialized', true],
    ['Ready', pod.ready],
    ['ContainersReady', c.ready],
    ['PodScheduled', true],
  ] as const) {
    out.line(1, `${type} \t${ok ? 'True' : 'False'} `);
  }
  out.line(0, 'Volumes:\t<none>');
  out.line(0, `QoS Class:\t${pod.qosClass}`);
  out.line(0, 'Node-Selectors:\t<none>');
  out.line(0, 'Tolerations:\t<none>');
  events(out, eventList, now);
  return out.render();
}
