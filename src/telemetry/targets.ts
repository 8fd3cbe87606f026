/**
 * Service discovery for the lab's scraper, from the platform's pods (like Prometheus' kubernetes_sd
 * pod role with the usual relabelling): one target per pod that is not terminating, on
 * - the port and path named by the pod labels `prometheus.io/port` (name or number) and
 *   `prometheus.io/path`, when present (`prometheus.io/scrape: "false"` opts a pod out);
 * - otherwise its first HTTP port among `metrics`, `management` (the broker's management listener
 *   serves RabbitMQ's /metrics) and `http` (every shop service), path `/metrics`.
 * Target labels: job = the deployment (so `{job="front-end"}` works as in the seed), instance =
 * host:port, pod, namespace, and `name` = the pod's `name` label (what the original Sock Shop
 * dashboards select on, e.g. `request_duration_seconds_count{name="orders"}`).
 */
import type { PodInfo } from '../platform/types.js';
import type { ScrapeTarget } from './scrape/scraper.js';
import type { SpanTarget } from './traces/index.js';

const DEFAULT_PORTS = ['metrics', 'management', 'http'];
const SCRAPE = 'prometheus.io/scrape';
const PORT = 'prometheus.io/port';
const PATH = 'prometheus.io/path';

/** Pods worth reading: not terminating, and with at least one port to reach. */
function live(pods: readonly PodInfo[]): PodInfo[] {
  return pods.filter((p) => !p.deletionTimestamp && Object.keys(p.ports).length > 0);
}

function metricsPort(pod: PodInfo): number | undefined {
  const wanted = pod.labels[PORT];
  if (wanted !== undefined) return /^\d+$/.test(wanted) ? Number(wanted) : pod.ports[wanted];
  for (const name of DEFAULT_PORTS) if (pod.ports[name] !== undefined) return pod.ports[name];
  return undefined;
}

export function scrapeTargets(pods: readonly PodInfo[]): ScrapeTarget[] {
  const out: ScrapeTarget[] = [];
  for (const pod of live(pods)) {
    if (pod.labels[SCRAPE] === 'false') continue;
    const port = metricsPort(pod);
    if (port === undefined) continue;
    const path = pod.labels[PATH] ?? '/metrics';
    const instance = `${pod.podIP}:${port}`;
    out.push({
      job: pod.deployment,
      instance,
      url: `http://${instance}${path.startsWith('/') ? path : `/${path}`}`,
      pod: pod.name,
      namespace: pod.namespace,
      labels: { name: pod.labels['name'] ?? pod.deployment },
    });
  }
  return out;
}

/** Shop pods serve their finished spans at `/spans` on the `http` port. */
export function spanTargets(pods: readonly PodInfo[]): SpanTarget[] {
  return live(pods)
    .filter((p) => p.ports['http'] !== undefined)
    .map((p) => ({ pod: p.name, url: `http://${p.podIP}:${p.ports['http']}`, service: p.deployment }));
}
