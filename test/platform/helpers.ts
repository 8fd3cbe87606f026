/** Shared helpers for platform tests: a platform in a temp home, fixture deployments, polling. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { LocalPlatform, type LocalPlatformOptions } from '../../src/platform/local/platform.js';
import type { DeploymentSpec, PodTemplateSpec } from '../../src/platform/types.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** Compressed kubelet timings for tests. */
export const FAST = {
  backoffInitialMs: 300,
  backoffMaxMs: 2000,
  backoffResetMs: 60_000,
  usageWindowMs: 3000,
};

export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), 'sockshop-lab-test-'));
}

export async function withPlatform<T>(
  fn: (platform: LocalPlatform) => Promise<T>,
  options: LocalPlatformOptions = {},
): Promise<T> {
  const home = tempHome();
  const platform = await LocalPlatform.start({ home, timings: FAST, sampleIntervalMs: 250, ...options });
  try {
    return await fn(platform);
  } finally {
    await platform.shutdown(2);
    rmSync(home, { recursive: true, force: true });
  }
}

export function fixtureDeployment(
  name: string,
  fixture: string,
  overrides: Partial<DeploymentSpec> & { container?: Partial<PodTemplateSpec['container']> } = {},
): DeploymentSpec {
  const { container, ...rest } = overrides;
  return {
    name,
    replicas: 1,
    template: {
      terminationGracePeriodSeconds: 2,
      container: {
        name,
        command: [process.execPath, '--import', 'tsx', join(FIXTURES, fixture)],
        ports: [{ name: 'http', env: 'PORT', protocol: 'http' }],
        ...container,
      },
    },
    service: { name, ports: [{ name: 'http', port: 0, targetPort: 'http', protocol: 'http' }] },
    ...rest,
  };
}

/** Polls `check` until it returns a truthy value or the deadline passes (then throws with `what`). */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** One HTTP GET on a fresh connection. */
export async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { headers: { connection: 'close' }, signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.text() };
}
