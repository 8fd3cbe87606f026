/**
 * `kubectl get` / `kubectl top` tables from the platform's plain objects, in kubectl's column layout.
 * Every function takes `now` (ms) so ages are reproducible.
 */
import type {
  DeploymentInfo,
  HorizontalPodAutoscaler,
  KubeEvent,
  PodInfo,
  PodUsage,
  ServiceInfo,
} from '../types.js';
import { TABLE, tabwrite } from './tabwriter.js';
import { age } from './time.js';

export interface TableOptions {
  now: number;
  /** `-o wide` */
  wide?: boolean;
  /** For the empty-list message. */
  namespace?: string;
}

function table(header: string[], rows: string[][], namespace = 'default'): string {
  if (rows.length === 0) return `No resources found in ${namespace} namespace.\n`;
  return tabwrite([header, ...rows].map((r) => r.join('\t') + '\n').join(''), TABLE);
}

/** RESTARTS: "0", or "3 (35s ago)" when the last termination time is known. */
function restarts(pod: PodInfo, now: number): string {
  const count = pod.container.restartCount;
  const finished = pod.container.lastState?.terminated?.finishedAt;
  return count > 0 && finished ? `${count} (${age(finished, now)} ago)` : String(count);
}

export function getPods(pods: PodInfo[], o: TableOptions): string {
  const header = ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'];
  if (o.wide) header.push('IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES');
  const rows = pods.map((p) => {
    const row = [
      p.name,
      `${p.container.ready ? 1 : 0}/1`,
      p.status,
      restarts(p, o.now),
      age(p.creationTimestamp, o.now),
    ];
    if (o.wide) row.push(p.podIP || '<none>', p.nodeName || '<none>', '<none>', '<none>');
    return row;
  });
  return table(header, rows, o.namespace);
}

const selector = (labels: Record<string, string> | undefined, fallback: string) => {
  const entries = Object.entries(labels ?? {});
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(',') : `name=${fallback}`;
};

export function getDeployments(deployments: DeploymentInfo[], o: TableOptions): string {
  const header = ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'];
  if (o.wide) header.push('CONTAINERS', 'IMAGES', 'SELECTOR');
  const rows = deployments.map((d) => {
    const row = [
      d.name,
      `${d.readyReplicas}/${d.replicas}`,
      String(d.updatedReplicas),
      String(d.availableReplicas),
      age(d.creationTimestamp, o.now),
    ];
    if (o.wide) {
      const c = d.template.container;
      row.push(c.name, c.command.join(' '), selector(d.template.labels, d.name));
    }
    return row;
  });
  return table(header, rows, o.namespace);
}

/** Services are loopback listeners here: TYPE ClusterIP, the loopback address, one port per Service port. */
export function getServices(
  services: Array<ServiceInfo & { creationTimestamp?: string }>,
  o: TableOptions,
): string {
  const header = ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'];
  if (o.wide) header.push('SELECTOR');
  const rows = services.map((s) => {
    const row = [
      s.name,
      'ClusterIP',
      s.clusterIP,
      '<none>',
      s.ports.map((p) => `${p.port}/TCP`).join(',') || '<none>',
      age(s.creationTimestamp, o.now),
    ];
    if (o.wide) row.push(`name=${s.name}`);
    return row;
  });
  return table(header, rows, o.namespace);
}

/** formatHPAMetrics: "cpu: 250%/50%", "<unknown>" where no status, at most two then "+ N more...". */
export function hpaTargets(hpa: HorizontalPodAutoscaler): string {
  const specs = hpa.spec.metrics ?? [];
  if (specs.length === 0) return '<none>';
  const list = specs.map((spec, i) => {
    const source = spec.resource ?? spec.containerResource!;
    const status = hpa.status.currentMetrics[i]?.resource?.current;
    if (source.target.type === 'AverageValue') {
      return `${source.name}: ${status?.averageValue ?? '<unknown>'}/${source.target.averageValue}`;
    }
    const current = status?.averageUtilization !== undefined ? `${status.averageUtilization}%` : '<unknown>';
    const target =
      source.target.averageUtilization !== undefined ? `${source.target.averageUtilization}%` : '<auto>';
    return `${source.name}: ${current}/${target}`;
  });
  return list.length > 2 ? `${list.slice(0, 2).join(', ')} + ${list.length - 2} more...` : list.join(', ');
}

export function getHpas(hpas: HorizontalPodAutoscaler[], o: TableOptions): string {
  const header = ['NAME', 'REFERENCE', 'TARGETS', 'MINPODS', 'MAXPODS', 'REPLICAS', 'AGE'];
  const rows = hpas.map((h) => [
    h.metadata.name,
    `${h.spec.scaleTargetRef.kind}/${h.spec.scaleTargetRef.name}`,
    hpaTargets(h),
    h.spec.minReplicas === undefined ? '<unset>' : String(h.spec.minReplicas),
    String(h.spec.maxReplicas),
    String(h.status.currentReplicas),
    age(h.metadata.creationTimestamp, o.now),
  ]);
  return table(header, rows, o.namespace);
}

const involved = (e: KubeEvent) => `${e.involvedObject.kind.toLowerCase()}/${e.involvedObject.name}`;

/** LAST SEEN is "26s", or "26s (x3 over 5m)" for a repeated event; oldest first, like `--sort-by=.lastTimestamp`. */
export function getEvents(events: KubeEvent[], o: TableOptions): string {
  const sorted = [...events].sort((a, b) => Date.parse(a.lastTimestamp) - Date.parse(b.lastTimestamp));
  const header = o.wide
    ? [
        'LAST SEEN',
        'TYPE',
        'REASON',
        'OBJECT',
        'SUBOBJECT',
        'SOURCE',
        'MESSAGE',
        'FIRST SEEN',
        'COUNT',
        'NAME',
      ]
    : ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'];
  const rows = sorted.map((e) => {
    const last = age(e.lastTimestamp, o.now);
    const first = age(e.firstTimestamp, o.now);
    if (o.wide) {
      const source = e.source.host ? `${e.source.component}, ${e.source.host}` : e.source.component;
      return [
        last,
        e.type,
        e.reason,
        involved(e),
        e.involvedObject.fieldPath ?? '',
        source,
        e.message,
        first,
        String(e.count),
        e.name,
      ];
    }
    return [
      e.count > 1 ? `${last} (x${e.count} over ${first})` : last,
      e.type,
      e.reason,
      involved(e),
      e.message,
    ];
  });
  return table(header, rows, o.namespace);
}

/** `kubectl top pods`: CPU in millicores (rounded up), memory in MiB (truncated). */
export function topPods(usage: PodUsage[], o: Pick<TableOptions, 'namespace'> = {}): string {
  const rows = usage.map((u) => [
    u.pod,
    `${Math.ceil(u.cpuMillicores - 1e-9)}m`,
    `${Math.trunc(u.memoryWorkingSetBytes / (1024 * 1024))}Mi`,
  ]);
  return table(['NAME', 'CPU(cores)', 'MEMORY(bytes)'], rows, o.namespace);
}
