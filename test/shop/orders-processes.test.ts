/**
 * orders, shipping and queue-master as real processes (`node --import tsx src/shop/<svc>/main.ts`):
 * each starts on a free port, answers /health, and ends cleanly (exit 0) on SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { createTestVhost, type TestVhost } from './shipping-broker.js';

interface Started {
  child: ChildProcess;
  url: string;
}

/** Spawns a service on port 0 and resolves with its URL from the "listening" log line. */
async function startProcess(
  service: string,
  env: NodeJS.ProcessEnv,
  children: ChildProcess[],
): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', `src/shop/${service}/main.ts`], {
    env: { ...process.env, ...env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${service} did not start: ${stderr}`)), 30_000);
    child.once('exit', (code) => reject(new Error(`${service} exited with ${code}: ${stderr}`)));
    lines.on('line', (line) => {
      let entry: { msg?: string; url?: string };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        return;
      }
      if (entry.msg === `${service} listening` && entry.url) {
        clearTimeout(timer);
        resolve(entry.url);
      }
    });
  });
  return { child, url };
}

describe('orders, shipping and queue-master as processes', () => {
  let vhost: TestVhost;
  const children: ChildProcess[] = [];

  before(async () => {
    vhost = await createTestVhost();
  });

  after(async () => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await vhost?.remove();
  });

  const cases: Array<[string, string[]]> = [
    ['orders', ['orders', 'orders-db']],
    ['shipping', ['shipping-rabbitmq', 'shipping']],
    ['queue-master', ['queue-master', 'queue-master-rabbitmq']],
  ];

  for (const [service, checks] of cases) {
    it(`${service} starts, reports health and ends cleanly on SIGTERM`, async () => {
      const { child, url } = await startProcess(service, { AMQP_URL: vhost.url }, children);
      // The broker connection is made in the background; wait for it to show in /health.
      let health: Array<{ service: string; status: string }> = [];
      for (let i = 0; i < 200; i++) {
        health = ((await (await fetch(`${url}/health`)).json()) as { health: typeof health }).health;
        if (health.every((h) => h.status === 'OK')) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.deepEqual(
        health.map((h) => [h.service, h.status]),
        checks.map((name) => [name, 'OK']),
      );
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      assert.equal(code, 0);
    });
  }
});
