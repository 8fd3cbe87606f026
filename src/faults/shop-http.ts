/**
 * How primitives and state readers reach the shop from outside: a Service's base URL (through the
 * platform, as a client in the cluster would) or one pod directly (to act on a single replica).
 */
import type { PodInfo } from '../platform/types.js';
import type { FaultContext } from './types.js';
import { FaultError } from './types.js';

export async function serviceUrl(
  ctx: Pick<FaultContext, 'platform' | 'serviceUrl'>,
  name: string,
): Promise<string> {
  if (ctx.serviceUrl) return ctx.serviceUrl(name);
  const service = await ctx.platform.getService(name);
  const port = service?.ports.find((p) => p.protocol === 'http') ?? service?.ports[0];
  if (!service || !port) throw new FaultError(`service "${name}" not found`);
  return `http://${service.clusterIP}:${port.port}`;
}

export function podUrl(pod: PodInfo): string {
  const port = pod.ports.http ?? Object.values(pod.ports)[0];
  if (port === undefined) throw new FaultError(`pod "${pod.name}" has no port`);
  return `http://${pod.podIP}:${port}`;
}

/** One JSON request with a timeout; non-2xx answers become a FaultError naming the call. */
export async function requestJson<T = unknown>(
  url: string,
  init: { method?: string; json?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<T> {
  const method = init.method ?? 'GET';
  const res = await fetch(url, {
    method,
    headers: { ...init.headers, ...(init.json === undefined ? {} : { 'content-type': 'application/json' }) },
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
    signal: AbortSignal.timeout(init.timeoutMs ?? 10_000),
  });
  const text = await res.text();
  if (!res.ok) throw new FaultError(`${method} ${url} answered ${res.status}: ${text.slice(0, 200)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Waits until a deployment's rollout is done: `replicas` updated, ready pods and no old ones left. */
export async function waitRolledOut(
  ctx: Pick<FaultContext, 'platform'>,
  deployment: string,
  replicas: number,
  timeoutMs = 60_000,
): Promise<PodInfo[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await ctx.platform.getDeployment(deployment);
    const pods = await ctx.platform.listPods({ deployment });
    const live = pods.filter((p) => !p.deletionTimestamp);
    if (d && d.updatedReplicas >= replicas && live.length === replicas && live.every((p) => p.ready))
      return live;
    if (Date.now() > deadline)
      throw new FaultError(
        `deployment "${deployment}" did not reach ${replicas} ready pods in ${timeoutMs / 1000}s`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}
