import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SHIPMENT_TYPE_ID, SHIPPING_QUEUE } from '../../src/shop/common/amqp.js';
import { ServiceDirectory } from '../../src/shop/common/upstream.js';
import { createQueueMasterService, type QueueMasterService } from '../../src/shop/queue-master/server.js';
import { createTestVhost, type TestVhost } from '../helpers/broker.js';
import { sample } from '../helpers/metrics-text.js';
import { eventually } from '../helpers/wait.js';

/** A stand-in for orders' report-back route: records calls, answers what each shipment id is scripted to. */
class OrdersFixture {
  readonly calls: string[] = [];
  /** Status codes to answer, in turn, per shipment id; 200 once the script runs out. */
  readonly script = new Map<string, number[]>();
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const match = /^\/orders\/shipments\/([^/]+)\/shipped$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !match) {
        res.writeHead(404).end();
        return;
      }
      const id = decodeURIComponent(match[1]);
      this.calls.push(id);
      const status = this.script.get(id)?.shift() ?? 200;
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  count(id: string): number {
    return this.calls.filter((c) => c === id).length;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

const springProps = {
  contentType: 'application/json',
  contentEncoding: 'UTF-8',
  headers: { __TypeId__: SHIPMENT_TYPE_ID },
  persistent: true,
};

describe('queue-master', () => {
  let vhost: TestVhost;
  const orders = new OrdersFixture();
  let service: QueueMasterService;
  let base: string;

  const metrics = async () => (await fetch(`${base}/prometheus`)).text();
  const processed = async (result: string) =>
    sample(await metrics(), `queue_master_messages_processed_total{result="${result}"}`) ?? 0;
  const send = async (content: string, props: Record<string, unknown> = springProps) => {
    const channel = await (await vhost.client()).createConfirmChannel();
    channel.sendToQueue(SHIPPING_QUEUE, Buffer.from(content), props);
    await channel.waitForConfirms();
    await channel.close();
  };

  before(async () => {
    vhost = await createTestVhost();
    const directory = new ServiceDirectory({ orders: await orders.start() });
    service = await createQueueMasterService(
      { amqpUrl: vhost.url, prefetch: 1, retryDelayMs: 300, httpTimeoutMs: 2000 },
      { directory },
    );
    base = await service.server.listen(0);
    await service.amqp.waitUntilConnected(10_000);
  });

  after(async () => {
    await service?.server.close();
    await service?.stop?.();
    await orders.stop();
    await vhost?.remove();
  });

  it('reports its health and the broker connection in the Java shape', async () => {
    const res = await fetch(`${base}/health`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-application-context'), 'queue-master:80');
    const body = (await res.json()) as { health: Array<{ service: string; status: string }> };
    assert.deepEqual(
      body.health.map((h) => [h.service, h.status]),
      [
        ['queue-master', 'OK'],
        ['queue-master-rabbitmq', 'OK'],
      ],
    );
  });

  it('serves Prometheus text at /prometheus like the original and at /metrics too', async () => {
    for (const path of ['/prometheus', '/metrics']) {
      const res = await fetch(`${base}${path}`);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /queue_master_messages_processed_total\{result="shipped"\} 0/);
    }
  });

  it('consumes a Spring-style shipment message, reports it to orders and acknowledges it', async () => {
    await send(JSON.stringify({ id: 'ship-1', name: '57a98d98e4b00679b4a830af' }));
    await eventually(async () => ((await processed('shipped')) === 1 ? true : undefined), 10_000, 'shipped');
    assert.deepEqual(orders.calls, ['ship-1']);
    assert.equal(await vhost.readyCount(SHIPPING_QUEUE), 0);
  });

  it('accepts a message without __TypeId__ as the original converter did', async () => {
    await send(JSON.stringify({ id: 'ship-2', name: 'n' }), { contentType: 'application/json' });
    await eventually(
      async () => ((await processed('shipped')) === 2 ? true : undefined),
      10_000,
      'second shipped',
    );
    assert.equal(orders.count('ship-2'), 1);
  });

  it('puts a task back after a delay while orders fails, and finishes it once orders recovers', async () => {
    orders.script.set('ship-retry', [503, 500]);
    await send(JSON.stringify({ id: 'ship-retry', name: 'n' }));
    await eventually(
      async () => (orders.count('ship-retry') === 3 ? true : undefined),
      10_000,
      'third attempt',
    );
    await eventually(
      async () => ((await processed('shipped')) === 3 ? true : undefined),
      10_000,
      'retried task shipped',
    );
    assert.equal(await processed('retry'), 2);
    assert.equal(await vhost.readyCount(SHIPPING_QUEUE), 0);
  });

  it('never redelivers in a hot loop while orders stays down', async () => {
    orders.script.set('ship-stuck', Array<number>(1000).fill(503));
    await send(JSON.stringify({ id: 'ship-stuck', name: 'n' }));
    await eventually(
      async () => (orders.count('ship-stuck') >= 2 ? true : undefined),
      10_000,
      'two attempts',
    );
    await new Promise((resolve) => setTimeout(resolve, 900));
    // With a 300 ms delay between attempts, a second is a handful of attempts, not hundreds.
    assert.ok(orders.count('ship-stuck') <= 8, `attempts: ${orders.count('ship-stuck')}`);
    orders.script.set('ship-stuck', []);
    await eventually(
      async () => ((await processed('shipped')) === 4 ? true : undefined),
      10_000,
      'stuck task shipped',
    );
  });

  it('acknowledges a task orders does not know (404) instead of retrying it', async () => {
    orders.script.set('ship-unknown', [404]);
    await send(JSON.stringify({ id: 'ship-unknown', name: 'n' }));
    await eventually(
      async () => ((await processed('unknown_order')) === 1 ? true : undefined),
      10_000,
      'unknown order',
    );
    assert.equal(orders.count('ship-unknown'), 1);
  });

  it('rejects unreadable messages without requeue and without calling orders', async () => {
    const callsBefore = orders.calls.length;
    await send('{"id":"text-plain"}', { contentType: 'text/plain' });
    await send(JSON.stringify({ id: 'other-type' }), {
      contentType: 'application/json',
      headers: { __TypeId__: 'com.example.Other' },
    });
    await send('{"id":', springProps);
    await send(JSON.stringify({ name: 'no id' }), springProps);
    await eventually(
      async () => ((await processed('rejected')) === 4 ? true : undefined),
      10_000,
      'four rejected',
    );
    assert.equal(orders.calls.length, callsBefore);
    assert.equal(await vhost.readyCount(SHIPPING_QUEUE), 0);
  });

  it('reconnects after the broker drops its connection and consumes again', async () => {
    const lost = once(service.amqp, 'disconnected');
    await vhost.dropConnections();
    await lost;
    await service.amqp.waitUntilConnected(15_000);
    await eventually(async () => (service.consumer.consuming ? true : undefined), 15_000, 'consuming again');
    const shippedBefore = await processed('shipped');
    await send(JSON.stringify({ id: 'ship-after-reconnect', name: 'n' }));
    await eventually(
      async () => ((await processed('shipped')) === shippedBefore + 1 ? true : undefined),
      15_000,
      'shipped after reconnect',
    );
    assert.equal(sample(await metrics(), 'amqp_connected{connection="queue-master"}'), 1);
  });
});
