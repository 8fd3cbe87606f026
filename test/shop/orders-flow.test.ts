/**
 * The whole order pipeline on real services and an AMQP broker (a private vhost: embedded by
 * default, the machine's RabbitMQ with SHOP_TEST_BROKER=rabbitmq):
 * order → shipping publishes → queue-master consumes → order `shipped`; then Incident 5A, the
 * queue blockage: a full `reject-publish` queue with queue-master stopped nacks the 4th shipment,
 * which is counted while every order still answers 201.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cartsConfigFromEnv } from '../../src/shop/carts/config.js';
import { createCartsService } from '../../src/shop/carts/server.js';
import { SHIPPING_QUEUE } from '../../src/shop/common/amqp.js';
import type { RunnableService } from '../../src/shop/common/run-service.js';
import { ServiceDirectory } from '../../src/shop/common/upstream.js';
import { createOrdersService } from '../../src/shop/orders/server.js';
import { paymentConfigFromEnv } from '../../src/shop/payment/config.js';
import { createPaymentService } from '../../src/shop/payment/server.js';
import { createQueueMasterService, type QueueMasterService } from '../../src/shop/queue-master/server.js';
import { shippingConfigFromEnv } from '../../src/shop/shipping/config.js';
import { createShippingService, type ShippingService } from '../../src/shop/shipping/server.js';
import { userConfigFromEnv } from '../../src/shop/user/config.js';
import { createUserService } from '../../src/shop/user/server.js';
import { createTestVhost, type TestVhost } from '../helpers/broker.js';
import { sample } from '../helpers/metrics-text.js';
import { eventually } from '../helpers/wait.js';

const USER = '57a98d98e4b00679b4a830b2';
const CROSSED = '808a2de1-1aaa-4c25-a9b9-6612e8f29a38';
const order = {
  customer: `http://user/customers/${USER}`,
  address: 'http://user/addresses/57a98d98e4b00679b4a830b0',
  card: 'http://user/cards/57a98d98e4b00679b4a830b1',
  items: `http://carts/carts/${USER}/items`,
};

describe('order pipeline through RabbitMQ', () => {
  const directory = new ServiceDirectory();
  const services: RunnableService[] = [];
  let vhost: TestVhost;
  let shipping: ShippingService;
  let queueMaster: QueueMasterService | undefined;
  let ordersUrl: string;

  const launch = async <T extends RunnableService>(name: string, service: T): Promise<T> => {
    services.push(service);
    directory.set(name, await service.server.listen(0));
    return service;
  };
  const startQueueMaster = async () => {
    const qm = await createQueueMasterService(
      { amqpUrl: vhost.url, prefetch: 1, retryDelayMs: 200, httpTimeoutMs: 2000 },
      { directory },
    );
    queueMaster = await launch('queue-master', qm);
    await qm.amqp.waitUntilConnected(10_000);
  };
  const stopQueueMaster = async () => {
    if (!queueMaster) return;
    await queueMaster.server.close();
    await queueMaster.stop?.();
    services.splice(services.indexOf(queueMaster), 1);
    queueMaster = undefined;
  };
  const placeOrder = async () => {
    const res = await fetch(`${ordersUrl}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(order),
    });
    return { status: res.status, body: (await res.json()) as { id: string; status: string; total: number } };
  };
  const statusOf = async (id: string) =>
    ((await (await fetch(`${ordersUrl}/orders/${id}`)).json()) as { status: string }).status;

  before(async () => {
    vhost = await createTestVhost();
    const env = { AMQP_URL: vhost.url };
    await launch('user', createUserService(userConfigFromEnv({})));
    await launch('carts', createCartsService(cartsConfigFromEnv({})));
    await launch('payment', createPaymentService(paymentConfigFromEnv({}), { directory }));
    shipping = await launch('shipping', await createShippingService(shippingConfigFromEnv(env)));
    await shipping.amqp.waitUntilConnected(10_000);
    await launch(
      'orders',
      await createOrdersService(
        {
          httpTimeoutMs: 5000,
          ratesTimeoutMs: 1000,
          pool: { size: 16, queueLimit: 16, queueTimeoutMs: 5000 },
          observeErrors: false,
        },
        { directory },
      ),
    );
    ordersUrl = directory.get('orders')!;
    await startQueueMaster();
    const res = await fetch(`${directory.get('carts')}/carts/${USER}/items`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ itemId: CROSSED, unitPrice: 17.32 }),
    });
    assert.equal(res.status, 201);
  });

  after(async () => {
    for (const service of services.reverse()) {
      await service.server.close().catch(() => undefined);
      await service.stop?.().catch(() => undefined);
    }
    await vhost?.remove();
  });

  it('ships an order: orders → shipping → RabbitMQ → queue-master → orders', async () => {
    const placed = await placeOrder();
    assert.equal(placed.status, 201);
    assert.equal(placed.body.total, 22.31);
    await eventually(
      async () => ((await statusOf(placed.body.id)) === 'shipped' ? true : undefined),
      15_000,
      'order shipped',
    );
    const qmMetrics = await (await fetch(`${directory.get('queue-master')}/prometheus`)).text();
    assert.equal(sample(qmMetrics, 'queue_master_messages_processed_total{result="shipped"}'), 1);
  });

  it('Incident 5A: with the queue capped at 3 and no consumer, the 4th shipment is nacked and counted; orders still 201', async () => {
    await stopQueueMaster();
    await vhost.setPolicy('incident-5a', SHIPPING_QUEUE, { 'max-length': 3, overflow: 'reject-publish' });
    const placed = [];
    for (let i = 0; i < 4; i++) placed.push(await placeOrder());
    assert.deepEqual(
      placed.map((p) => p.status),
      [201, 201, 201, 201],
    );
    const shippingMetrics = await (await fetch(`${directory.get('shipping')}/metrics`)).text();
    assert.equal(sample(shippingMetrics, 'shipping_publish_failures_total{reason="nack"}'), 1);
    assert.equal(await vhost.readyCount(SHIPPING_QUEUE), 3);
    for (const p of placed) assert.equal(await statusOf(p.body.id), 'paid');

    // Remediation: the consumer comes back and drains the three queued shipments; the nacked one is lost.
    await startQueueMaster();
    for (const p of placed.slice(0, 3)) {
      await eventually(
        async () => ((await statusOf(p.body.id)) === 'shipped' ? true : undefined),
        15_000,
        'queued order shipped',
      );
    }
    assert.equal(await vhost.readyCount(SHIPPING_QUEUE), 0);
    assert.equal(await statusOf(placed[3].body.id), 'paid');
  });
});
