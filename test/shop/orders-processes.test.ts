/**
 * orders, shipping and queue-master as real processes (`node --import tsx src/shop/<svc>/main.ts`):
 * each starts on a free port, answers /health, and ends cleanly (exit 0) on SIGTERM.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestVhost, type TestVhost } from '../helpers/broker.js';
import { killAll, startService } from '../helpers/process.js';
import { eventually } from '../helpers/wait.js';

describe('orders, shipping and queue-master as processes', () => {
  let vhost: TestVhost;

  before(async () => {
    vhost = await createTestVhost();
  });

  after(async () => {
    killAll();
    await vhost?.remove();
  });

  const cases: Array<[string, string[]]> = [
    ['orders', ['orders', 'orders-db']],
    ['shipping', ['shipping-rabbitmq', 'shipping']],
    ['queue-master', ['queue-master', 'queue-master-rabbitmq']],
  ];

  for (const [name, checks] of cases) {
    it(`${name} starts, reports health and ends cleanly on SIGTERM`, async () => {
      const service = await startService(name, { AMQP_URL: vhost.url });
      type Health = Array<{ service: string; status: string }>;
      // The broker connection is made in the background; wait for it to show in /health.
      const health = await eventually(async () => {
        const body = (await (await fetch(`${service.url}/health`)).json()) as { health: Health };
        return body.health.every((h) => h.status === 'OK') ? body.health : undefined;
      });
      assert.deepEqual(
        health.map((h) => [h.service, h.status]),
        checks.map((check) => [check, 'OK']),
      );
      assert.equal((await service.stop()).code, 0, service.stderr());
    });
  }
});
