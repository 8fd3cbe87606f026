/** JSON calls to the shop's own admin routes (through a Service or straight to one pod). */
import type { PodInfo } from '../platform/types.js';
import { ToolError } from './errors.js';

export async function shopJson<T = unknown>(
  url: string,
  init: { method?: string; json?: unknown; timeoutMs?: number } = {},
): Promise<{ status: number; body: T }> {
  const method = init.method ?? 'GET';
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: init.json === undefined ? {} : { 'content-type': 'application/json' },
      body: init.json === undefined ? undefined : JSON.stringify(init.json),
      signal: AbortSignal.timeout(init.timeoutMs ?? 10_000),
    });
  } catch (error) {
    throw new ToolError(
      'unavailable',
      `${method} ${new URL(url).pathname} failed: ${(error as Error).message}`,
    );
  }
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // a plain-text answer stays text
  }
  return { status: res.status, body: body as T };
}

/** Like shopJson, but a non-2xx answer is an error naming the route and the status. */
export async function shopJsonOk<T = unknown>(
  url: string,
  init: Parameters<typeof shopJson>[1] = {},
): Promise<T> {
  const { status, body } = await shopJson<T>(url, init);
  if (status < 200 || status >= 300) {
    const detail = typeof body === 'string' ? body : JSON.stringify(body);
    throw new ToolError(
      'unavailable',
      `${init.method ?? 'GET'} ${new URL(url).pathname} answered ${status}: ${String(detail).slice(0, 200)}`,
    );
  }
  return body;
}

export function podBaseUrl(pod: PodInfo): string {
  const port = pod.ports.http ?? Object.values(pod.ports)[0];
  if (port === undefined) throw new ToolError('unavailable', `pod "${pod.name}" has no port`);
  return `http://${pod.podIP}:${port}`;
}
