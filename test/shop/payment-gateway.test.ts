/**
 * payment with its gateway: the real payment-gateway server, and for failures a slow or absent
 * provider started by the test (a fixture; the gateway itself holds no fault logic).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { RunnableService } from '../../src/shop/common/run-service.js';
import { ServiceDirectory } from '../../src/shop/common/upstream.js';
import { paymentConfigFromEnv } from '../../src/shop/payment/config.js';
import { createPaymentService } from '../../src/shop/payment/server.js';
import { paymentGatewayConfigFromEnv } from '../../src/shop/payment-gateway/config.js';
import { createPaymentGatewayService } from '../../src/shop/payment-gateway/server.js';

function metric(text: string, name: string, labels = ''): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(name) && line.includes(labels))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

function authorise(url: string, body: unknown) {
  return fetch(`${url}/paymentAuth`, { method: 'POST', body: JSON.stringify(body) });
}

async function startPayment(directory: ServiceDirectory, env: NodeJS.ProcessEnv) {
  const service = createPaymentService(paymentConfigFromEnv(env), { directory });
  return { service, url: await service.server.listen(0) };
}

void describe('payment-gateway', () => {
  let gateway: RunnableService;
  let url: string;

  before(async () => {
    gateway = createPaymentGatewayService(paymentGatewayConfigFromEnv({}));
    url = await gateway.server.listen(0);
  });
  after(async () => {
    await gateway.server.close();
  });

  void it('approves well-formed authorisations with a reference', async () => {
    const res = await fetch(`${url}/authorise`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"amount":12.5,"orderId":"o-1"}',
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { authorised: boolean; message: string; reference: string };
    assert.equal(body.authorised, true);
    assert.match(body.reference, /^gw-[0-9a-f-]{36}$/);
  });

  void it('refuses bad bodies with 400 and stays up', async () => {
    for (const [body, type] of [
      ['{"amount":"1"}', 'application/json'],
      ['{"amount":-1}', 'application/json'],
      ['{', 'application/json'],
      ['amount=1', 'text/plain'],
    ]) {
      const res = await fetch(`${url}/authorise`, {
        method: 'POST',
        headers: { 'content-type': type },
        body,
      });
      assert.equal(res.status, 400, body);
    }
    const health = (await (await fetch(`${url}/health`)).json()) as {
      health: Array<{ service: string; status: string }>;
    };
    assert.deepEqual(
      health.health.map((h) => [h.service, h.status]),
      [['payment-gateway', 'OK']],
    );
  });
});

void describe('payment through the gateway', () => {
  const directory = new ServiceDirectory();
  let gateway: RunnableService;
  let payment: { service: RunnableService; url: string };

  before(async () => {
    gateway = createPaymentGatewayService(paymentGatewayConfigFromEnv({}));
    directory.set('payment-gateway', await gateway.server.listen(0));
    payment = await startPayment(directory, { PAYMENT_GATEWAY: 'on' });
  });
  after(async () => {
    await payment.service.server.close();
    await payment.service.stop?.();
    await gateway.server.close();
  });

  void it('asks the gateway by name and keeps its reference in the ledger', async () => {
    const res = await authorise(payment.url, { amount: 20, orderId: 'o-9' });
    assert.deepEqual(await res.json(), { authorised: true, message: 'Payment authorised' });
    const entry = (await (
      await fetch(`${payment.url}/payments/${res.headers.get('x-payment-id')}`)
    ).json()) as {
      gatewayRef?: string;
      orderId?: string;
    };
    assert.match(entry.gatewayRef ?? '', /^gw-/);
    assert.equal(entry.orderId, 'o-9');
    const gatewayMetrics = await (await fetch(`${directory.get('payment-gateway')}/metrics`)).text();
    assert.equal(metric(gatewayMetrics, 'payment_gateway_approvals_total'), 1);
  });

  void it('declines over the threshold without calling the gateway', async () => {
    const res = await authorise(payment.url, { amount: 250 });
    assert.deepEqual(await res.json(), {
      authorised: false,
      message: 'Payment declined: amount exceeds 100.00',
    });
    const gatewayMetrics = await (await fetch(`${directory.get('payment-gateway')}/metrics`)).text();
    assert.equal(metric(gatewayMetrics, 'payment_gateway_approvals_total'), 1);
    const text = await (await fetch(`${payment.url}/metrics`)).text();
    assert.equal(metric(text, 'payment_gateway_duration_seconds_count', 'outcome="approved"'), 1);
  });
});

void describe('payment with a failing gateway', () => {
  const directory = new ServiceDirectory();
  let slow: Server;
  const pending = new Set<() => void>();

  before(async () => {
    // A provider that answers only after 2 s: longer than payment's timeout below.
    slow = createServer((_req, res) => {
      const timer = setTimeout(() => res.end('{"authorised":true}'), 2000);
      pending.add(() => clearTimeout(timer));
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    directory.set('payment-gateway', `http://127.0.0.1:${(slow.address() as AddressInfo).port}`);
  });
  after(async () => {
    for (const cancel of pending) cancel();
    slow.closeAllConnections();
    await new Promise((resolve) => slow.close(resolve));
  });

  void it('declines with a clear message when the gateway times out, and counts it', async () => {
    const { service, url } = await startPayment(directory, {
      PAYMENT_GATEWAY: 'on',
      PAYMENT_GATEWAY_TIMEOUT_MS: '200',
    });
    try {
      const res = await authorise(url, { amount: 10, orderId: 'o-slow' });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), {
        authorised: false,
        message: 'Payment declined: payment gateway timed out after 200 ms',
      });
      const text = await (await fetch(`${url}/metrics`)).text();
      assert.equal(metric(text, 'payment_gateway_errors_total', 'kind="timeout"'), 1);
      assert.equal(metric(text, 'payment_gateway_duration_seconds_count', 'outcome="error"'), 1);
      assert.equal(metric(text, 'payment_authorisations_total', 'result="declined"'), 1);
      const ledger = (await (await fetch(`${url}/payments?orderId=o-slow`)).json()) as {
        payments: Array<{ status: string }>;
      };
      assert.deepEqual(
        ledger.payments.map((p) => p.status),
        ['declined'],
      );
    } finally {
      await service.server.close();
      await service.stop?.();
    }
  });

  void it('declines when the gateway is unreachable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const { service, url } = await startPayment(new ServiceDirectory(), {
      PAYMENT_GATEWAY_URL: `http://127.0.0.1:${port}`,
    });
    try {
      assert.deepEqual(await (await authorise(url, { amount: 10 })).json(), {
        authorised: false,
        message: 'Payment declined: payment gateway unreachable',
      });
      const text = await (await fetch(`${url}/metrics`)).text();
      assert.equal(metric(text, 'payment_gateway_errors_total', 'kind="connection"'), 1);
    } finally {
      await service.server.close();
      await service.stop?.();
    }
  });
});

void describe('payment gateway configuration', () => {
  void it('is off by default, on by flag with the bare name, or by URL', () => {
    assert.equal(paymentConfigFromEnv({}).gatewayUrl, undefined);
    assert.equal(paymentConfigFromEnv({ PAYMENT_GATEWAY: 'on' }).gatewayUrl, 'http://payment-gateway');
    assert.equal(paymentConfigFromEnv({ PAYMENT_GATEWAY_URL: 'http://pgw:9' }).gatewayUrl, 'http://pgw:9');
    assert.equal(
      paymentConfigFromEnv({ PAYMENT_GATEWAY_URL: 'http://pgw:9', PAYMENT_GATEWAY: 'off' }).gatewayUrl,
      undefined,
    );
    assert.equal(paymentConfigFromEnv({}).gatewayTimeoutMs, 3000);
    assert.throws(
      () => paymentConfigFromEnv({ PAYMENT_GATEWAY_TIMEOUT_MS: 'soon' }),
      /PAYMENT_GATEWAY_TIMEOUT_MS/,
    );
  });
});
