import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SHIPMENT_TYPE_ID, SHIPPING_EXCHANGE, SHIPPING_QUEUE } from '../../src/shop/common/amqp.js';
import type { ShippingConfig } from '../../src/shop/shipping/config.js';
import { createShippingService, type ShippingService } from '../../src/shop/shipping/server.js';
import { createTestVhost, type TestVhost } from '../helpers/broker.js';
import { sample } from '../helpers/metrics-text.js';
import { eventually } from '../helpers/wait.js';

const post = (url: string, body: unknown, type = 'application/json') =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': type },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

const metrics = async (base: string) => (await fetch(`${base}/metrics`)).text();

describe('shipping', () => {
  let vhost: TestVhost;
  let dir: string;
  let ratesFile: string;
  let service: ShippingService;
  let base: string;

  const writeRates = (yaml: string) => writeFile(ratesFile, yaml);

  before(async () => {
    vhost = await createTestVhost();
    dir = await mkdtemp(join(tmpdir(), 'shipping-rates-'));
    ratesFile = join(dir, 'rates.yaml');
    await writeRates('version: 3\ndefault: 4.99\ncountries:\n  Germany: 6.5\n');
    const config: ShippingConfig = { amqpUrl: vhost.url, confirmTimeoutMs: 5000, ratesFile, ratesPollMs: 50 };
    service = await createShippingService(config);
    base = await service.server.listen(0);
    await service.amqp.waitUntilConnected(10_000);
  });

  after(async () => {
    await service?.server.close();
    await service?.stop?.();
    await vhost?.remove();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('publishes the original message to the default exchange and answers 201 with the shipment', async () => {
    const res = await post(`${base}/shipping`, {
      id: 'a1b2c3d4-0000-4000-8000-000000000001',
      name: '57a98d98e4b00679b4a830af',
    });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('content-type'), 'application/json;charset=UTF-8');
    assert.equal(res.headers.get('x-application-context'), 'shipping:80');
    assert.deepEqual(await res.json(), {
      id: 'a1b2c3d4-0000-4000-8000-000000000001',
      name: '57a98d98e4b00679b4a830af',
    });

    const channel = await (await vhost.client()).createChannel();
    const message = await channel.get(SHIPPING_QUEUE, { noAck: true });
    assert.ok(message, 'a message is waiting in shipping-task');
    assert.equal(message.fields.exchange, '');
    assert.equal(message.fields.routingKey, SHIPPING_QUEUE);
    assert.equal(message.properties.contentType, 'application/json');
    assert.equal(message.properties.contentEncoding, 'UTF-8');
    assert.equal(message.properties.deliveryMode, 2);
    assert.equal(String(message.properties.headers?.__TypeId__), SHIPMENT_TYPE_ID);
    assert.deepEqual(JSON.parse(message.content.toString('utf8')), {
      id: 'a1b2c3d4-0000-4000-8000-000000000001',
      name: '57a98d98e4b00679b4a830af',
    });
    assert.equal(sample(await metrics(base), 'shipping_published_total'), 1);
  });

  it('declares the non-durable queue and the topic exchange bound to it', async () => {
    const channel = await (await vhost.client()).createChannel();
    await channel.checkExchange(SHIPPING_EXCHANGE);
    channel.publish(SHIPPING_EXCHANGE, SHIPPING_QUEUE, Buffer.from('{}'));
    const message = await eventually(
      async () => (await channel.get(SHIPPING_QUEUE, { noAck: true })) || undefined,
    );
    assert.equal(message.fields.exchange, SHIPPING_EXCHANGE);
    // Re-declaring with durable=true must fail if the queue is non-durable, as the original declared it.
    const probe = await (await vhost.client()).createChannel();
    probe.on('error', () => undefined);
    await assert.rejects(probe.assertQueue(SHIPPING_QUEUE, { durable: true }), /PRECONDITION_FAILED/);
  });

  it('answers the original texts on GET', async () => {
    const all = await fetch(`${base}/shipping`);
    assert.equal(all.status, 200);
    assert.match(all.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(await all.text(), 'GET ALL Shipping Resource.');
    const one = await fetch(`${base}/shipping/abc-123`);
    assert.equal(await one.text(), 'GET Shipping Resource with id: abc-123');
  });

  it('reports broker and service health in the Java shape, broker first', async () => {
    const res = await fetch(`${base}/health`);
    const body = (await res.json()) as { health: Array<{ service: string; status: string; date: string }> };
    assert.deepEqual(
      body.health.map((h) => [h.service, h.status]),
      [
        ['shipping-rabbitmq', 'OK'],
        ['shipping', 'OK'],
      ],
    );
    assert.match(body.health[0].date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('refuses bodies that are not JSON objects without publishing', async () => {
    assert.equal((await post(`${base}/shipping`, 'id=1', 'application/x-www-form-urlencoded')).status, 415);
    const malformed = await post(`${base}/shipping`, '{"id":');
    assert.equal(malformed.status, 400);
    assert.equal(((await malformed.json()) as { status: number }).status, 400);
    assert.equal(sample(await metrics(base), 'shipping_published_total'), 1);
  });

  it('quotes shipping rates by country from the versioned file', async () => {
    const quote = async (query: string) => (await fetch(`${base}/shipping/rates${query}`)).json();
    assert.deepEqual(await quote('?country=Germany'), { country: 'Germany', rate: 6.5, version: 3 });
    assert.deepEqual(await quote('?country=germany'), { country: 'germany', rate: 6.5, version: 3 });
    assert.deepEqual(await quote('?country=United%20Kingdom'), {
      country: 'United Kingdom',
      rate: 4.99,
      version: 3,
    });
    assert.deepEqual(await quote(''), { country: null, rate: 4.99, version: 3 });
    assert.equal(sample(await metrics(base), 'shipping_rates_config_version'), 3);
  });

  it('reloads a changed rates file and keeps the last good version when the new one is invalid', async () => {
    await writeRates('version: 4\ndefault: 5.5\ncountries:\n  Germany: 7\n');
    await eventually(async () => (service.rates.version === 4 ? true : undefined), 5000, 'version 4');
    assert.deepEqual(await (await fetch(`${base}/shipping/rates?country=France`)).json(), {
      country: 'France',
      rate: 5.5,
      version: 4,
    });

    // Compared with the count before: the poller may also catch a write half-done and count that.
    const failures = async () => sample(await metrics(base), 'shipping_rates_reload_failures_total') ?? 0;
    const before = await failures();
    await writeRates('version: five\ndefault: -1\n');
    await eventually(
      async () => ((await failures()) > before ? true : undefined),
      10_000,
      'a reload failure',
    );
    assert.deepEqual(await (await fetch(`${base}/shipping/rates?country=Germany`)).json(), {
      country: 'Germany',
      rate: 7,
      version: 4,
    });
    assert.equal(sample(await metrics(base), 'shipping_rates_config_version'), 4);

    await writeRates('version: 5\ndefault: 4.99\n');
    await eventually(async () => (service.rates.version === 5 ? true : undefined), 5000, 'version 5');
    assert.equal(
      ((await (await fetch(`${base}/shipping/rates?country=Germany`)).json()) as { rate: number }).rate,
      4.99,
    );
  });

  it('counts a publish the broker nacks on a full reject-publish queue, and still answers 201', async () => {
    const channel = await (await vhost.client()).createChannel();
    await channel.purgeQueue(SHIPPING_QUEUE);
    await vhost.setPolicy('block', SHIPPING_QUEUE, { 'max-length': 3, overflow: 'reject-publish' });
    const before = await metrics(base);
    const statuses: number[] = [];
    for (let i = 1; i <= 4; i++) {
      statuses.push((await post(`${base}/shipping`, { id: `nack-${i}`, name: 'cust' })).status);
    }
    assert.deepEqual(statuses, [201, 201, 201, 201]);
    const text = await metrics(base);
    assert.equal(sample(text, 'shipping_published_total')! - sample(before, 'shipping_published_total')!, 3);
    assert.equal(sample(text, 'shipping_publish_failures_total{reason="nack"}'), 1);
    assert.equal(await vhost.readyCount(SHIPPING_QUEUE), 3);
  });
});

describe('shipping without a broker', () => {
  let service: ShippingService;
  let base: string;

  before(async () => {
    // Nothing listens on port 1: every connection attempt fails at once.
    const config: ShippingConfig = {
      amqpUrl: 'amqp://guest:guest@127.0.0.1:1',
      confirmTimeoutMs: 1000,
      ratesFile: '/nonexistent/rates.yaml',
      ratesPollMs: 1000,
    };
    service = await createShippingService(config);
    base = await service.server.listen(0);
  });

  after(async () => {
    await service?.server.close();
    await service?.stop?.();
  });

  it('still answers 201, counts the shipment as unavailable and reports the broker down', async () => {
    const res = await post(`${base}/shipping`, { id: 'x', name: 'y' });
    assert.equal(res.status, 201);
    assert.deepEqual(await res.json(), { id: 'x', name: 'y' });
    const text = await metrics(base);
    assert.equal(sample(text, 'shipping_publish_failures_total{reason="unavailable"}'), 1);
    assert.equal(sample(text, 'amqp_connected{connection="shipping"}'), 0);
    const health = (await (await fetch(`${base}/health`)).json()) as { health: Array<{ status: string }> };
    assert.deepEqual(
      health.health.map((h) => h.status),
      ['err', 'OK'],
    );
  });

  it('falls back to the original flat rate when the rates file is missing', async () => {
    assert.deepEqual(await (await fetch(`${base}/shipping/rates?country=Germany`)).json(), {
      country: 'Germany',
      rate: 4.99,
      version: 0,
    });
  });
});
