/**
 * orders over real HTTP, against the real user, carts and payment services started in this
 * process; shipping is a small fixture so its answers (rates, failures, delays) can be scripted.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { cartsConfigFromEnv } from '../../src/shop/carts/config.js';
import { createCartsService } from '../../src/shop/carts/server.js';
import type { RunnableService } from '../../src/shop/common/run-service.js';
import { ServiceDirectory } from '../../src/shop/common/upstream.js';
import type { OrdersConfig } from '../../src/shop/orders/config.js';
import { createOrdersService } from '../../src/shop/orders/server.js';
import { paymentConfigFromEnv } from '../../src/shop/payment/config.js';
import { createPaymentService } from '../../src/shop/payment/server.js';
import { userConfigFromEnv } from '../../src/shop/user/config.js';
import { createUserService } from '../../src/shop/user/server.js';
import { sample } from '../helpers/metrics-text.js';

const USER = '57a98d98e4b00679b4a830b2';
const USER_ADDRESS = '57a98d98e4b00679b4a830b0';
const USER_CARD = '57a98d98e4b00679b4a830b1';
const EVE = '57a98d98e4b00679b4a830af';
const COLOURFUL = '3395a43e-2d88-40de-b95f-e00e1502085b';
const HOLY = '03fef6ac-1896-4ce8-bd69-b798f85c6e0b';
const JAVA_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/;

interface StatusEntry {
  status: string;
  date: string;
  reason?: string;
}
/** An order as orders renders it; `id` fields are present only in the plain (POST) form. */
interface OrderJson {
  id?: string;
  customerId: string;
  customer: Record<string, unknown>;
  address: Record<string, unknown>;
  card: Record<string, unknown>;
  items: Array<Record<string, unknown>>;
  shipment: { id?: string; name: string };
  date: string;
  total: number;
  status: string;
  statusHistory: StatusEntry[];
  _links: { self: { href: string }; order: { href: string } };
}
interface OrderList {
  _embedded: { customerOrders: OrderJson[] };
  _links: Record<string, { href: string } | undefined>;
  page?: { size: number; totalElements: number; totalPages: number; number: number };
}

/** Stands in for shipping and for odd dependencies: records shipments, serves scripted rates, can be slow. */
class ShippingFixture {
  readonly shipments: unknown[] = [];
  rates: Record<string, number> = {};
  ratesStatus = 200;
  shippingStatus = 201;
  shippingDelayMs = 0;
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer(
      (req, res) => void this.handle(req, res.writeHead.bind(res), (body) => res.end(body)),
    );
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async handle(
    req: IncomingMessage,
    head: (s: number, h?: Record<string, string>) => unknown,
    end: (b?: string) => void,
  ) {
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method === 'POST' && url.pathname === '/shipping') {
      await new Promise((resolve) => setTimeout(resolve, this.shippingDelayMs));
      this.shipments.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      head(this.shippingStatus, { 'content-type': 'application/json' });
      return end(Buffer.concat(chunks).toString('utf8'));
    }
    if (url.pathname === '/shipping/rates') {
      const country = url.searchParams.get('country');
      head(this.ratesStatus, { 'content-type': 'application/json' });
      return end(JSON.stringify({ country, rate: this.rates[country ?? ''] ?? 4.99, version: 7 }));
    }
    if (url.pathname === '/slow') {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      head(200, { 'content-type': 'application/json' });
      return end('[]');
    }
    head(404);
    end();
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

interface Started {
  directory: ServiceDirectory;
  services: RunnableService[];
}

async function startBackends(shipping: ShippingFixture): Promise<Started> {
  const directory = new ServiceDirectory();
  const services: RunnableService[] = [];
  const launch = async (name: string, service: RunnableService) => {
    services.push(service);
    directory.set(name, await service.server.listen(0));
  };
  await launch('user', createUserService(userConfigFromEnv({})));
  await launch('carts', createCartsService(cartsConfigFromEnv({})));
  await launch('payment', createPaymentService(paymentConfigFromEnv({}), { directory }));
  const fixture = await shipping.start();
  directory.set('shipping', fixture);
  directory.set('fixture', fixture);
  return { directory, services };
}

async function stopAll(services: RunnableService[]): Promise<void> {
  for (const service of services.reverse()) {
    await service.server.close().catch(() => undefined);
    await service.stop?.().catch(() => undefined);
  }
}

const ordersConfig = (overrides: Partial<OrdersConfig> = {}): OrdersConfig => ({
  httpTimeoutMs: 500,
  ratesTimeoutMs: 500,
  pool: { size: 8, queueLimit: 8, queueTimeoutMs: 5000 },
  observeErrors: false,
  ...overrides,
});

const orderRequest = (customer: string, extra: Record<string, unknown> = {}) => ({
  customer: `http://user/customers/${customer}`,
  address: `http://user/addresses/${customer === USER ? USER_ADDRESS : '57a98d98e4b00679b4a830ad'}`,
  card: `http://user/cards/${customer === USER ? USER_CARD : '57a98d98e4b00679b4a830ae'}`,
  items: `http://carts/carts/${customer}/items`,
  ...extra,
});

describe('orders', () => {
  const shipping = new ShippingFixture();
  let started: Started;
  let base: string;
  let cartsBase: string;

  const placeOrder = (body: unknown) =>
    fetch(`${base}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const fillCart = async (customer: string, itemId: string, unitPrice: number, times: number) => {
    await fetch(`${cartsBase}/carts/${customer}`, { method: 'DELETE' });
    for (let i = 0; i < times; i++) {
      const res = await fetch(`${cartsBase}/carts/${customer}/items`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ itemId, unitPrice }),
      });
      assert.equal(res.status, 201);
    }
  };
  const metrics = async () => (await fetch(`${base}/metrics`)).text();

  before(async () => {
    started = await startBackends(shipping);
    const orders = await createOrdersService(ordersConfig(), { directory: started.directory });
    started.services.push(orders);
    base = await orders.server.listen(0);
    started.directory.set('orders', base);
    cartsBase = started.directory.get('carts')!;
  });

  after(async () => {
    await stopAll(started?.services ?? []);
    await shipping.stop();
  });

  beforeEach(() => {
    shipping.rates = {};
    shipping.ratesStatus = 200;
    shipping.shippingStatus = 201;
  });

  let placed: { id: string; shipment: { id: string } };

  it('places an order: 201 with the plain order JSON of the original, float32 total, shipment sent', async () => {
    await fillCart(USER, COLOURFUL, 18, 3);
    const res = await placeOrder(orderRequest(USER));
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('content-type'), 'application/json;charset=UTF-8');
    assert.equal(res.headers.get('x-application-context'), 'orders:80');
    const order = (await res.json()) as OrderJson;
    assert.deepEqual(Object.keys(order), [
      'id',
      'customerId',
      'customer',
      'address',
      'card',
      'items',
      'shipment',
      'date',
      'total',
      'status',
      'statusHistory',
    ]);
    assert.match(order.id ?? '', /^[0-9a-f]{24}$/);
    assert.equal(order.customerId, USER);
    assert.deepEqual(order.customer, {
      id: null,
      firstName: 'User',
      lastName: 'Name',
      username: 'user',
      addresses: [],
      cards: [],
    });
    assert.deepEqual(order.address, {
      id: null,
      number: '246',
      street: 'Whitelees Road',
      city: 'Glasgow',
      postcode: 'G67 3DL',
      country: 'United Kingdom',
    });
    assert.deepEqual(order.card, { id: null, longNum: '5544154011345918', expires: '08/19', ccv: '958' });
    assert.equal(order.items.length, 1);
    assert.deepEqual(Object.keys(order.items[0]), ['id', 'itemId', 'quantity', 'unitPrice']);
    assert.deepEqual(
      { ...order.items[0], id: 'x' },
      { id: 'x', itemId: COLOURFUL, quantity: 3, unitPrice: 18 },
    );
    assert.match(order.shipment.id ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(order.shipment.name, USER);
    assert.match(order.date, JAVA_DATE);
    assert.equal(order.total, 58.989998);
    assert.equal(order.status, 'paid');
    assert.deepEqual(
      order.statusHistory.map((h: { status: string }) => h.status),
      ['created', 'paid'],
    );
    assert.deepEqual(shipping.shipments.at(-1), { id: order.shipment.id, name: USER });
    placed = order as typeof placed;
  });

  it('serves the order as Spring Data REST HAL without ids', async () => {
    const res = await fetch(`${base}/orders/${placed.id}`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/hal\+json/);
    const order = (await res.json()) as OrderJson;
    assert.equal(JSON.stringify(order).includes('"id"'), false);
    assert.deepEqual(order.shipment, { name: USER });
    assert.deepEqual(order.card, { longNum: '5544154011345918', expires: '08/19', ccv: '958' });
    assert.equal(order.total, 58.989998);
    const href = `http://orders/orders/${placed.id}`;
    assert.deepEqual(order._links, { self: { href }, order: { href } });
    assert.equal((await fetch(`${base}/orders/000000000000000000000000`)).status, 404);
  });

  it("lists a customer's orders in insertion order, ignoring sort, and answers [] for none", async () => {
    await fillCart(USER, COLOURFUL, 18, 1);
    const second = (await (await placeOrder(orderRequest(USER))).json()) as { id: string; total: number };
    assert.equal(second.total, 22.99);
    const res = await fetch(`${base}/orders/search/customerId?custId=${USER}&sort=date,desc`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as {
      _embedded: { customerOrders: Array<{ _links: { self: { href: string } } }> };
      _links: unknown;
    };
    assert.deepEqual(
      body._embedded.customerOrders.map((o) => o._links.self.href),
      [`http://orders/orders/${placed.id}`, `http://orders/orders/${second.id}`],
    );
    const none = (await (await fetch(`${base}/orders/search/customerId?custId=nobody`)).json()) as OrderList;
    assert.deepEqual(none._embedded, { customerOrders: [] });
  });

  it('pages the collection the Spring Data REST way', async () => {
    const all = (await (await fetch(`${base}/orders`)).json()) as OrderList;
    assert.equal(all._embedded.customerOrders.length, 2);
    assert.deepEqual(all.page, { size: 20, totalElements: 2, totalPages: 1, number: 0 });
    assert.ok(all._links.self && all._links.profile && all._links.search);
    const second = (await (await fetch(`${base}/orders?page=1&size=1`)).json()) as OrderList;
    assert.equal(second._embedded.customerOrders.length, 1);
    assert.deepEqual(second.page, { size: 1, totalElements: 2, totalPages: 2, number: 1 });
    assert.equal(second._links.prev?.href, 'http://orders/orders?page=0&size=1');
    assert.equal(second._links.next, undefined);
  });

  it("refuses an order with a missing link: 406 in Spring's shape, not observed in the latency histogram", async () => {
    const res = await placeOrder(orderRequest(USER, { card: null }));
    assert.equal(res.status, 406);
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body.message, 'Invalid order request. Order requires customer, address, card and items.');
    assert.equal(
      body.exception,
      'works.weave.socks.orders.controllers.OrdersController$InvalidOrderException',
    );
    assert.equal(body.path, '/orders');
    const text = await metrics();
    assert.doesNotMatch(text, /request_duration_seconds_count\{[^}]*status_code="406"/);
    assert.match(
      text,
      /request_duration_seconds_count\{service="orders",method="POST",route="\/orders",status_code="201"\} 2/,
    );
  });

  it("answers payment's decline as 406 and records the order as payment_failed, outside the original listings", async () => {
    await fillCart(EVE, HOLY, 99.99, 1);
    const res = await placeOrder(orderRequest(EVE));
    assert.equal(res.status, 406);
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body.message, 'Payment declined: amount exceeds 100.00');
    assert.equal(
      body.exception,
      'works.weave.socks.orders.controllers.OrdersController$PaymentDeclinedException',
    );
    assert.equal(body.error, 'Not Acceptable');
    const listed = (await (
      await fetch(`${base}/orders/search/customerId?custId=${EVE}`)
    ).json()) as OrderList;
    assert.deepEqual(listed._embedded.customerOrders, []);
    const failed = (await (
      await fetch(`${base}/orders/search/status?status=payment_failed`)
    ).json()) as OrderList;
    assert.equal(failed._embedded.customerOrders.length, 1);
    const order = failed._embedded.customerOrders[0];
    assert.equal(order.total, 104.979996);
    assert.deepEqual(
      order.statusHistory.map((h: { status: string }) => h.status),
      ['created', 'payment_failed'],
    );
    assert.equal(order.statusHistory[1].reason, 'Payment declined: amount exceeds 100.00');
    assert.equal(sample(await metrics(), 'orders_created_total{status="payment_failed"}'), 1);
  });

  it("prices shipping from shipping's rates, and falls back to 4.99 when they are unavailable", async () => {
    await fillCart(USER, COLOURFUL, 18, 3);
    shipping.rates = { 'United Kingdom': 10 };
    assert.equal(((await (await placeOrder(orderRequest(USER))).json()) as { total: number }).total, 64);
    shipping.ratesStatus = 503;
    assert.equal(
      ((await (await placeOrder(orderRequest(USER))).json()) as { total: number }).total,
      58.989998,
    );
    assert.equal(sample(await metrics(), 'orders_shipping_rate_fallbacks_total'), 1);
  });

  it('answers 500 with the original messages on a timeout and on a failing dependency', async () => {
    const slow = await placeOrder(orderRequest(USER, { items: 'http://fixture/slow' }));
    assert.equal(slow.status, 500);
    assert.equal(
      ((await slow.json()) as { message: string }).message,
      'Unable to create order due to timeout from one of the services.',
    );
    const missing = await placeOrder(
      orderRequest(USER, { customer: 'http://user/customers/000000000000000000000000' }),
    );
    assert.equal(missing.status, 500);
    assert.equal(
      ((await missing.json()) as { message: string }).message,
      'Unable to create order due to unspecified IO error.',
    );
    assert.equal(sample(await metrics(), 'orders_rejected_total{reason="timeout"}'), 1);
  });

  it('marks an order failed when shipping refuses it after payment', async () => {
    await fillCart(USER, COLOURFUL, 18, 1);
    shipping.shippingStatus = 500;
    const res = await placeOrder(orderRequest(USER));
    assert.equal(res.status, 500);
    const failed = (await (await fetch(`${base}/orders/search/status?status=failed`)).json()) as OrderList;
    assert.deepEqual(
      failed._embedded.customerOrders.at(-1)!.statusHistory.map((h: { status: string }) => h.status),
      ['created', 'paid', 'failed'],
    );
  });

  it('marks an order shipped when queue-master reports its shipment, once', async () => {
    const url = `${base}/orders/shipments/${placed.shipment.id}/shipped`;
    const res = await fetch(url, { method: 'POST' });
    assert.equal(res.status, 200);
    const order = (await res.json()) as {
      id: string;
      status: string;
      statusHistory: Array<{ status: string; date: string }>;
    };
    assert.equal(order.id, placed.id);
    assert.equal(order.status, 'shipped');
    assert.deepEqual(
      order.statusHistory.map((h) => h.status),
      ['created', 'paid', 'shipped'],
    );
    assert.match(order.statusHistory[2].date, JAVA_DATE);
    assert.equal((await fetch(url, { method: 'POST' })).status, 200);
    assert.equal(
      (await fetch(`${base}/orders/shipments/no-such-shipment/shipped`, { method: 'POST' })).status,
      404,
    );
    const declined = (await (
      await fetch(`${base}/orders/search/status?status=payment_failed`)
    ).json()) as OrderList;
    const declinedId = declined._embedded.customerOrders[0]._links.self.href.split('/').pop();
    const declinedOrder = (await (await fetch(`${base}/orders/${declinedId}`)).json()) as {
      shipment: { name: string };
    };
    assert.equal(declinedOrder.shipment.name, EVE);
    assert.equal(sample(await metrics(), 'orders_shipped_total{outcome="updated"}'), 1);
    assert.equal(sample(await metrics(), 'orders_shipped_total{outcome="unchanged"}'), 1);
  });

  it('refuses bodies that are not JSON', async () => {
    const form = await fetch(`${base}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    });
    assert.equal(form.status, 415);
    const malformed = await fetch(`${base}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{',
    });
    assert.equal(malformed.status, 400);
  });

  it('reports orders and orders-db health', async () => {
    const body = (await (await fetch(`${base}/health`)).json()) as {
      health: Array<{ service: string; status: string }>;
    };
    assert.deepEqual(
      body.health.map((h) => [h.service, h.status]),
      [
        ['orders', 'OK'],
        ['orders-db', 'OK'],
      ],
    );
  });
});

describe('orders worker pool', () => {
  const shipping = new ShippingFixture();
  let started: Started;
  let base: string;

  before(async () => {
    started = await startBackends(shipping);
    const orders = await createOrdersService(
      ordersConfig({ pool: { size: 1, queueLimit: 0, queueTimeoutMs: 1000 } }),
      {
        directory: started.directory,
      },
    );
    started.services.push(orders);
    base = await orders.server.listen(0);
    const carts = started.directory.get('carts')!;
    await fetch(`${carts}/carts/${USER}/items`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ itemId: COLOURFUL, unitPrice: 18 }),
    });
  });

  after(async () => {
    await stopAll(started?.services ?? []);
    await shipping.stop();
  });

  it('refuses order creation with 503 while every worker is busy, and exports its gauges', async () => {
    shipping.shippingDelayMs = 300;
    const post = () =>
      fetch(`${base}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(orderRequest(USER)),
      });
    const first = post();
    // Wait until the first order holds the only worker.
    while (!/worker_pool_in_flight\{pool="orders"\} 1/.test(await (await fetch(`${base}/metrics`)).text())) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const second = await post();
    assert.equal(second.status, 503);
    assert.equal((await first).status, 201);
    const text = await (await fetch(`${base}/metrics`)).text();
    assert.equal(sample(text, 'worker_pool_size{pool="orders"}'), 1);
    assert.equal(sample(text, 'worker_pool_rejected_total{pool="orders",reason="queue_full"}'), 1);
  });
});
