/** Contract tests of payment (sockshop-spec §7) and its ledger over real HTTP. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunnableService } from '../../src/shop/common/run-service.js';
import { paymentConfigFromEnv } from '../../src/shop/payment/config.js';
import { createPaymentService } from '../../src/shop/payment/server.js';

interface Payment {
  id: string;
  time: string;
  amount: number;
  authorised: boolean;
  status: string;
  message: string;
  customerId?: string;
  orderId?: string;
  voidedAt?: string;
}

async function start(env: NodeJS.ProcessEnv = {}) {
  const service = createPaymentService(paymentConfigFromEnv(env));
  return { service, url: await service.server.listen(0) };
}

function authorise(url: string, body: string, contentType = 'application/json') {
  return fetch(`${url}/paymentAuth`, { method: 'POST', headers: { 'content-type': contentType }, body });
}

async function goError(res: Response): Promise<string> {
  assert.equal(res.status, 500);
  assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
  const body = (await res.json()) as { error: string; status_code: number; status_text: string };
  assert.deepEqual([body.status_code, body.status_text], [500, 'Internal Server Error']);
  return body.error;
}

void describe('payment authorisation', () => {
  let service: RunnableService;
  let url: string;

  before(async () => ({ service, url } = await start()));
  after(async () => {
    await service.server.close();
    await service.stop?.();
  });

  void it('authorises up to and including 100 and declines above, comparing in float32', async () => {
    const cases: Array<[string, boolean]> = [
      ['{"amount":10}', true],
      ['{"amount":100}', true],
      ['{"amount":100.000001}', true], // rounds to 100 in float32
      ['{"amount":100.01}', false],
      ['{"amount":104.99}', false],
      ['{"amount":0.01}', true],
    ];
    for (const [body, authorised] of cases) {
      const res = await authorise(url, body);
      assert.equal(res.status, 200, body);
      assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
      const expected = authorised
        ? '{"authorised":true,"message":"Payment authorised"}\n'
        : '{"authorised":false,"message":"Payment declined: amount exceeds 100.00"}\n';
      assert.equal(await res.text(), expected, body);
    }
  });

  void it('matches the amount key case-insensitively and ignores other fields and the content type', async () => {
    for (const body of [
      '{"Amount":5}',
      '{"AMOUNT":5}',
      '{"card":{"longNum":"x"},"customer":{},"address":null,"amount":5}',
    ]) {
      assert.deepEqual(
        await (await authorise(url, body)).json(),
        { authorised: true, message: 'Payment authorised' },
        body,
      );
    }
    assert.equal((await authorise(url, '{"amount":5}', 'text/plain')).status, 200);
    assert.equal((await authorise(url, '{"amount":5,"Amount":500}')).status, 200);
    const last = (await (await authorise(url, '{"amount":5,"Amount":500}')).json()) as {
      authorised: boolean;
    };
    assert.equal(last.authorised, false, 'the last matching key wins, as in Go');
  });

  void it('answers a missing or zero amount with the unmarshal-key 500', async () => {
    for (const body of [
      '{}',
      '{"amount":0}',
      '{"amount":null}',
      'null',
      '{"price":12}',
      '{"amount":1e-50}',
    ]) {
      assert.equal(
        await goError(await authorise(url, body)),
        `Cannot unmarshal object key "amount" from JSON: ${body}`,
      );
    }
  });

  void it('answers a negative amount with 500 Invalid payment amount', async () => {
    assert.equal(await goError(await authorise(url, '{"amount":-1}')), 'Invalid payment amount');
  });

  void it('answers malformed JSON and wrong types with Go json error texts', async () => {
    const cases: Array<[string, string]> = [
      ['', 'unexpected end of JSON input'],
      ['{"amount":', 'unexpected end of JSON input'],
      ['nope', "invalid character 'o' in literal null (expecting 'u')"],
      ['{amount:1}', "invalid character 'a' looking for beginning of object key string"],
      ['{"amount" 1}', "invalid character '1' after object key"],
      ['{"amount":1,}', "invalid character '}' looking for beginning of object key string"],
      ['{"amount":1} x', "invalid character 'x' after top-level value"],
      ['{"amount":01}', "invalid character '1' after object key:value pair"],
      ['{"amount":1.}', "invalid character '}' after decimal point in numeric literal"],
      ['{"amount":"1"}', 'json: cannot unmarshal string into Go value of type float32'],
      ['{"amount":true}', 'json: cannot unmarshal bool into Go value of type float32'],
      ['{"amount":[1]}', 'json: cannot unmarshal array into Go value of type float32'],
      ['{"amount":1e39}', 'json: cannot unmarshal number 1e39 into Go value of type float32'],
      ['[1]', 'json: cannot unmarshal array into Go value of type payment.AuthoriseRequest'],
      ['"x"', 'json: cannot unmarshal string into Go value of type payment.AuthoriseRequest'],
    ];
    for (const [body, message] of cases)
      assert.equal(await goError(await authorise(url, body)), message, body);
  });

  void it('refuses an oversized body without harm', async () => {
    const res = await authorise(url, JSON.stringify({ amount: 1, pad: 'x'.repeat(2 * 1024 * 1024) }));
    assert.equal(res.status, 413);
    assert.equal((await authorise(url, '{"amount":1}')).status, 200);
  });

  void it('answers health and unknown routes like the Go original', async () => {
    const health = (await (await fetch(`${url}/health`)).json()) as {
      health: Array<{ service: string; status: string }>;
    };
    assert.deepEqual(
      health.health.map((h) => [h.service, h.status]),
      [['payment', 'OK']],
    );
    const get = await fetch(`${url}/paymentAuth`);
    assert.equal(get.status, 404);
    assert.equal(await get.text(), '404 page not found\n');
  });

  void it('counts decisions by result and labels requests with the Go route', async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    assert.match(text, /payment_authorisations_total\{result="authorised"\} \d+/);
    assert.match(text, /payment_authorisations_total\{result="declined"\} \d+/);
    assert.match(text, /payment_authorisations_total\{result="invalid"\} \d+/);
    assert.match(
      text,
      /request_duration_seconds_count\{method="POST",route="paymentauth",status_code="200",isWS="false"\} \d+/,
    );
  });
});

void describe('payment decline threshold', () => {
  void it('follows PAYMENT_DECLINE_OVER and prints it with two decimals', async () => {
    const { service, url } = await start({ PAYMENT_DECLINE_OVER: '105' });
    try {
      assert.equal(
        ((await (await authorise(url, '{"amount":104.99}')).json()) as { authorised: boolean }).authorised,
        true,
      );
      assert.deepEqual(await (await authorise(url, '{"amount":105.5}')).json(), {
        authorised: false,
        message: 'Payment declined: amount exceeds 105.00',
      });
    } finally {
      await service.server.close();
    }
  });
});

void describe('payment ledger', () => {
  let service: RunnableService;
  let url: string;
  const json = async <T>(path: string, init?: RequestInit) => {
    const res = await fetch(url + path, init);
    return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as T };
  };

  before(async () => ({ service, url } = await start()));
  after(async () => {
    await service.server.close();
  });

  void it('records every decision with customer and order references', async () => {
    const ok = await authorise(
      url,
      '{"amount":17.32,"orderId":"order-1","customer":{"id":"57a98d98e4b00679b4a830af"}}',
    );
    const okId = ok.headers.get('x-payment-id')!;
    assert.ok(okId);
    const declined = await authorise(url, '{"amount":150,"orderId":"order-2","customerId":"c-2"}');
    const declinedId = declined.headers.get('x-payment-id')!;
    await authorise(url, '{"amount":-5}');

    const { body: one } = await json<Payment>(`/payments/${okId}`);
    assert.deepEqual(
      [one.amount, one.authorised, one.status, one.message, one.customerId, one.orderId],
      [17.32, true, 'authorised', 'Payment authorised', '57a98d98e4b00679b4a830af', 'order-1'],
    );
    assert.ok(!Number.isNaN(Date.parse(one.time)));
    const { body: list } = await json<{ payments: Payment[] }>('/payments');
    assert.deepEqual(
      list.payments.map((p) => p.id),
      [declinedId, okId],
      'newest first, invalid requests not recorded',
    );
    const { body: onlyDeclined } = await json<{ payments: Payment[] }>('/payments?status=declined');
    assert.deepEqual(
      onlyDeclined.payments.map((p) => [p.id, p.customerId]),
      [[declinedId, 'c-2']],
    );
    const { body: byOrder } = await json<{ payments: Payment[] }>('/payments?orderId=order-1');
    assert.deepEqual(
      byOrder.payments.map((p) => p.id),
      [okId],
    );
    const { body: limited } = await json<{ payments: Payment[] }>('/payments?limit=1');
    assert.equal(limited.payments.length, 1);
  });

  void it('voids authorisations, idempotently, and refuses to void declines', async () => {
    const id = (await authorise(url, '{"amount":3,"orderId":"orphan"}')).headers.get('x-payment-id')!;
    const voided = await json<Payment>(`/payments/${id}/void`, { method: 'POST' });
    assert.equal(voided.status, 200);
    assert.equal(voided.body.status, 'voided');
    assert.ok(voided.body.voidedAt);
    const again = await json<Payment>(`/payments/${id}/void`, { method: 'POST' });
    assert.deepEqual([again.status, again.body.voidedAt], [200, voided.body.voidedAt]);
    const { body: listed } = await json<{ payments: Payment[] }>('/payments?status=voided');
    assert.deepEqual(
      listed.payments.map((p) => p.id),
      [id],
    );

    const declinedId = (await authorise(url, '{"amount":500}')).headers.get('x-payment-id')!;
    const refused = await json<{ error: string; status_code: number }>(`/payments/${declinedId}/void`, {
      method: 'POST',
    });
    assert.deepEqual([refused.status, refused.body.status_code], [409, 409]);
    assert.match(await (await fetch(`${url}/metrics`)).text(), /payment_voids_total 1/);
  });

  void it('answers unknown ids and bad queries with JSON errors', async () => {
    for (const [path, method, status] of [
      ['/payments/nope', 'GET', 404],
      ['/payments/nope/void', 'POST', 404],
      ['/payments?status=pending', 'GET', 400],
      ['/payments?limit=0', 'GET', 400],
      ['/payments?limit=abc', 'GET', 400],
      ['/payments?limit=5000', 'GET', 400],
    ] as const) {
      const res = await json<{ status_code: number; error: string }>(path, { method });
      assert.equal(res.status, status, path);
      assert.equal(res.type, 'application/json; charset=utf-8');
      assert.equal(res.body.status_code, status);
    }
  });
});
