/**
 * `Platform` over the control endpoint of a running lab (found through its state file). Every call is
 * one POST; errors come back as PlatformError with the lab's status and message.
 */
import type { Platform } from '../types.js';
import { PlatformError } from '../types.js';
import { PLATFORM_METHODS, type PlatformMethod } from './control-api.js';
import { labHome, runningLab } from './lab-state.js';

export interface RemoteLab {
  platform: Platform;
  info(): Promise<Record<string, unknown>>;
  shutdown(): Promise<void>;
}

const send = (base: string, token: string, path: string, init: RequestInit) =>
  fetch(`${base}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    signal: AbortSignal.timeout(60_000),
  });

async function call(base: string, token: string, path: string, init: RequestInit = {}): Promise<unknown> {
  let res: Response;
  try {
    res = await send(base, token, path, init);
  } catch (first) {
    // A pooled keep-alive socket the lab closed as it was reused fails before the request is read:
    // one fresh attempt tells that race apart from a lab that is really gone.
    if ((first as Error).name === 'TimeoutError') throw unreachable(base, first);
    try {
      res = await send(base, token, path, init);
    } catch (error) {
      throw unreachable(base, error);
    }
  }
  const body = (await res.json().catch(() => ({}))) as { result?: unknown; error?: string };
  if (!res.ok)
    throw new PlatformError(
      body.error ?? `lab answered ${res.status}`,
      res.status as PlatformError['status'],
    );
  return body;
}

function unreachable(base: string, error: unknown): PlatformError {
  const cause = (error as Error & { cause?: Error }).cause?.message;
  return new PlatformError(
    `cannot reach the lab at ${base}: ${(error as Error).message}${cause ? ` (${cause})` : ''}`,
    503,
  );
}

/** Connects to the lab running from `home` (default: $SOCKSHOP_LAB_HOME or ./.lab). */
export function connectToLab(home?: string): RemoteLab {
  const dir = labHome(home);
  const state = runningLab(dir);
  if (!state?.control)
    throw new PlatformError(`no lab is running from ${dir} (start one with \`sockshop-lab up\`)`, 503);
  const { url, token } = state.control;
  const methods: Partial<Record<PlatformMethod, (...args: unknown[]) => Promise<unknown>>> = {};
  for (const name of PLATFORM_METHODS) {
    // A missing or null result is `undefined`, as the in-process Platform answers for "not found".
    methods[name] = async (...args: unknown[]) => {
      const body = await call(url, token, `/v1/${name}`, { method: 'POST', body: JSON.stringify(args) });
      return (body as { result?: unknown }).result ?? undefined;
    };
  }
  const platform = { kind: 'local', namespace: 'sock-shop', ...methods } as unknown as Platform;
  return {
    platform,
    info: async () => (await call(url, token, '/v1/info')) as Record<string, unknown>,
    shutdown: async () => void (await call(url, token, '/v1/shutdown', { method: 'POST' })),
  };
}
