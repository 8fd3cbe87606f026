import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cartsConfigFromEnv } from '../../src/shop/carts/config.js';
import { createCartsService, type CartsService } from '../../src/shop/carts/server.js';

// Expected 4xx/5xx answers would otherwise fill the test output with error logs.
process.env.LOG_LEVEL ??= 'fatal';

const HEX24 = /^[0-9a-f]{24}$/;
const SPRING_JSON = 'application/json;charset=UTF-8';
const HOLY = '03fef6ac-1896-4ce8-bd69-b798f85c6e0b';
const CROSSED = '808a2de1-1aaa-4c25-a9b9-6612e8f29a38';
const COLOURFUL = '3395a43e-2d88-40de-b95f-e00e1502085b';

interface Item {
  id: string;
  itemId: string;
  quantity: number;
  unitPrice: number;
}

void describe('carts service contract', () => {
  let service: CartsService;
  let base: string;
  let n = 0;
  /** A fresh customer id per test, so tests do not share carts. */
  const customer = () => `customer-${++n}`;

  const call = async (
    method: string,
    path: string,
    body?: string,
    contentType: string | null = 'application/json',
  ) => {
    const headers: Record<string, string> = contentType ? { 'content-type': contentType } : {};
    // A string body makes fetch declare text/plain; bytes go out with no content type at all.
    const payload = body === undefined ? undefined : contentType ? body : Buffer.from(body);
    const res = await fetch(base + path, { method, body: payload, headers });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: <T>() => JSON.parse(text) as T };
  };
  const add = (id: string, item: object) => call('POST', `/carts/${id}/items`, JSON.stringify(item));
  const items = async (id: string) => (await call('GET', `/carts/${id}/items`)).json<Item[]>();

  function assertSpringError(
    res: { status: number; headers: Headers; json: <T>() => T },
    status: number,
    exception: string,
    message: RegExp,
    path: string,
  ) {
    assert.equal(res.status, status);
    assert.equal(res.headers.get('content-type'), SPRING_JSON);
    const body = res.json<Record<string, unknown>>();
    assert.deepEqual(Object.keys(body), ['timestamp', 'status', 'error', 'exception', 'message', 'path']);
    assert.equal(body.status, status);
    assert.equal(body.exception, exception);
    assert.match(String(body.message), message);
    assert.equal(body.path, path);
    assert.equal(typeof body.timestamp, 'number');
  }

  before(async () => {
    service = createCartsService(cartsConfigFromEnv({ CARTS_BODY_LIMIT_BYTES: '65536' }));
    base = await service.server.listen(0);
  });
  after(async () => {
    await service.server.close();
  });

  void it('creates a cart on first read and shows only its customerId', async () => {
    const res = await call('GET', '/carts/alice');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), SPRING_JSON);
    assert.equal(res.headers.get('x-application-context'), 'carts:80');
    assert.equal(res.text, '{"customerId":"alice"}');
    const list = await call('GET', '/carts/bob/items');
    assert.equal(list.status, 200);
    assert.equal(list.text, '[]');
  });

  void it('adds an item with 201, a 24-hex id and quantity 1 by default', async () => {
    const id = customer();
    const res = await add(id, { itemId: CROSSED, unitPrice: 17.32 });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('content-type'), SPRING_JSON);
    const item = res.json<Item>();
    assert.deepEqual(Object.keys(item), ['id', 'itemId', 'quantity', 'unitPrice']);
    assert.match(item.id, HEX24);
    assert.deepEqual({ ...item, id: 'x' }, { id: 'x', itemId: CROSSED, quantity: 1, unitPrice: 17.32 });
    assert.equal((await add(id, { itemId: HOLY, unitPrice: 99.99, quantity: 3 })).json<Item>().quantity, 3);
  });

  void it('adds one to the quantity of an item already in the cart, ignoring the requested quantity', async () => {
    const id = customer();
    const first = (await add(id, { itemId: COLOURFUL, unitPrice: 18 })).json<Item>();
    const again = await add(id, { itemId: COLOURFUL, unitPrice: 99, quantity: 7 });
    assert.equal(again.status, 201);
    assert.deepEqual(again.json(), { id: first.id, itemId: COLOURFUL, quantity: 2, unitPrice: 18 });
    assert.deepEqual(await items(id), [{ id: first.id, itemId: COLOURFUL, quantity: 2, unitPrice: 18 }]);
  });

  void it('gets one item by its catalogue id; a missing one is a 500 IllegalArgumentException', async () => {
    const id = customer();
    const added = (await add(id, { itemId: HOLY, unitPrice: 99.99 })).json<Item>();
    const res = await call('GET', `/carts/${id}/items/${HOLY}`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), added);
    const missing = await call('GET', `/carts/${id}/items/${CROSSED}`);
    assertSpringError(
      missing,
      500,
      'java.lang.IllegalArgumentException',
      /^Cannot find item in cart$/,
      `/carts/${id}/items/${CROSSED}`,
    );
  });

  void it('sets the quantity with PATCH (202, unit price unchanged); a missing item is 500', async () => {
    const id = customer();
    await add(id, { itemId: CROSSED, unitPrice: 17.32 });
    const res = await call(
      'PATCH',
      `/carts/${id}/items`,
      JSON.stringify({ itemId: CROSSED, quantity: 5, unitPrice: 1 }),
    );
    assert.equal(res.status, 202);
    assert.equal(res.text, '');
    const [line] = await items(id);
    assert.equal(line.quantity, 5);
    assert.equal(line.unitPrice, 17.32);
    const missing = await call('PATCH', `/carts/${id}/items`, JSON.stringify({ itemId: HOLY, quantity: 2 }));
    assertSpringError(
      missing,
      500,
      'java.lang.IllegalArgumentException',
      /Cannot find item in cart/,
      `/carts/${id}/items`,
    );
  });

  void it('deletes an item with 202; deleting a missing one is 500', async () => {
    const id = customer();
    await add(id, { itemId: CROSSED, unitPrice: 17.32 });
    await add(id, { itemId: HOLY, unitPrice: 99.99 });
    const res = await call('DELETE', `/carts/${id}/items/${CROSSED}`);
    assert.equal(res.status, 202);
    assert.deepEqual(
      (await items(id)).map((i) => i.itemId),
      [HOLY],
    );
    const again = await call('DELETE', `/carts/${id}/items/${CROSSED}`);
    assertSpringError(
      again,
      500,
      'java.lang.IllegalArgumentException',
      /Cannot find item in cart/,
      `/carts/${id}/items/${CROSSED}`,
    );
  });

  void it('deletes a whole cart with 202, also when it never existed', async () => {
    const id = customer();
    await add(id, { itemId: HOLY, unitPrice: 99.99 });
    const res = await call('DELETE', `/carts/${id}`);
    assert.equal(res.status, 202);
    assert.equal(res.text, '');
    assert.deepEqual(await items(id), []);
    assert.equal((await call('DELETE', '/carts/never-seen')).status, 202);
  });

  void it('merges a session cart by appending its lines (no quantity merge) and deletes it', async () => {
    const user = customer();
    const session = customer();
    const own = (await add(user, { itemId: HOLY, unitPrice: 99.99 })).json<Item>();
    const s1 = (await add(session, { itemId: HOLY, unitPrice: 99.99 })).json<Item>();
    const s2 = (await add(session, { itemId: CROSSED, unitPrice: 17.32, quantity: 2 })).json<Item>();
    const res = await call('GET', `/carts/${user}/merge?sessionId=${session}`);
    assert.equal(res.status, 202);
    assert.equal(res.text, '');
    assert.deepEqual(await items(user), [own, s1, s2]);
    assert.deepEqual(await items(session), []);
    // Merging an unknown session changes nothing.
    assert.equal((await call('GET', `/carts/${user}/merge?sessionId=${customer()}`)).status, 202);
    assert.equal((await items(user)).length, 3);
  });

  void it('refuses a merge without sessionId with 400', async () => {
    const res = await call('GET', '/carts/x/merge');
    assertSpringError(
      res,
      400,
      'org.springframework.web.bind.MissingServletRequestParameterException',
      /Required String parameter 'sessionId' is not present/,
      '/carts/x/merge',
    );
  });

  void it('refuses bodies that are not application/json with 415, for POST and PATCH', async () => {
    const body = JSON.stringify({ itemId: HOLY, unitPrice: 1 });
    for (const [method, contentType, shown] of [
      ['POST', 'text/plain;charset=UTF-8', 'text/plain;charset=UTF-8'],
      ['POST', null, 'application/octet-stream'],
      ['PATCH', 'application/x-www-form-urlencoded', 'application/x-www-form-urlencoded'],
    ] as const) {
      const res = await call(method, '/carts/ct/items', body, contentType);
      assertSpringError(
        res,
        415,
        'org.springframework.web.HttpMediaTypeNotSupportedException',
        new RegExp(`^Content type '${shown.replace(/[/+]/g, '\\$&')}' not supported$`),
        '/carts/ct/items',
      );
    }
    assert.equal(
      (await call('POST', '/carts/ct/items', body, 'application/json; charset=utf-8')).status,
      201,
    );
  });

  void it('answers unreadable bodies with 400 HttpMessageNotReadableException and never falls over', async () => {
    const notReadable = 'org.springframework.http.converter.HttpMessageNotReadableException';
    for (const body of [
      '{"itemId":',
      '{x',
      '',
      '[1,2]',
      '"text"',
      '{"itemId":"a","quantity":"many"}',
      '{"itemId":{"a":1}}',
      '{"itemId":"a","quantity":99999999999}',
    ]) {
      const res = await call('POST', '/carts/bad/items', body);
      assertSpringError(res, 400, notReadable, /./, '/carts/bad/items');
    }
    const huge = await call('POST', '/carts/bad/items', JSON.stringify({ itemId: 'x'.repeat(100_000) }));
    assert.equal(huge.status, 413);
    assert.deepEqual(await items('bad'), []);
    assert.equal((await call('GET', '/health')).status, 200);
  });

  void it('decodes items as leniently as Jackson: numeric strings, numbers for ids, float32 prices, unknown keys', async () => {
    const id = customer();
    const res = await add(id, { itemId: 42, quantity: '3', unitPrice: '58.99', colour: 'red' });
    assert.equal(res.status, 201);
    assert.deepEqual(
      { ...res.json<Item>(), id: 'x' },
      { id: 'x', itemId: '42', quantity: 3, unitPrice: 58.99 },
    );
  });

  void it('exposes the Spring Data REST item side door in HAL without ids in the body', async () => {
    const id = customer();
    const added = (await add(id, { itemId: HOLY, unitPrice: 99.99 })).json<Item>();
    const one = await call('GET', `/items/${added.id}`);
    assert.equal(one.status, 200);
    assert.equal(one.headers.get('content-type'), 'application/hal+json;charset=UTF-8');
    assert.deepEqual(one.json(), {
      itemId: HOLY,
      quantity: 1,
      unitPrice: 99.99,
      _links: {
        self: { href: `http://carts/items/${added.id}` },
        item: { href: `http://carts/items/${added.id}` },
      },
    });
    const all = (await call('GET', '/items?size=1000')).json<{
      _embedded: { items: Array<{ _links: { self: { href: string } } }> };
      page: { size: number; totalElements: number; number: number };
    }>();
    assert.ok(all._embedded.items.some((i) => i._links.self.href.endsWith(added.id)));
    assert.equal(all.page.size, 1000);
    assert.equal(all.page.totalElements, all._embedded.items.length);
    assert.equal((await call('GET', '/items/ffffffffffffffffffffffff')).status, 404);
  });

  void it('reports health for carts and carts-db in the Java shape', async () => {
    const res = await call('GET', '/health');
    const { health } = res.json<{ health: Array<{ service: string; status: string; date: string }> }>();
    assert.deepEqual(
      health.map((h) => [h.service, h.status]),
      [
        ['carts', 'OK'],
        ['carts-db', 'OK'],
      ],
    );
    assert.match(health[0].date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  void it('labels request metrics with the Spring URL patterns', async () => {
    const text = (await call('GET', '/metrics')).text;
    for (const [method, route, status] of [
      ['GET', '/carts/{customerId:.*}', '200'],
      ['DELETE', '/carts/{customerId:.*}', '202'],
      ['GET', '/carts/{customerId:.*}/merge', '202'],
      ['GET', '/carts/{customerId:.*}/items', '200'],
      ['POST', '/carts/{customerId:.*}/items', '201'],
      ['PATCH', '/carts/{customerId:.*}/items', '202'],
      ['DELETE', '/carts/{customerId:.*}/items/{itemId:.*}', '202'],
      ['GET', '/health', '200'],
    ]) {
      const series = `request_duration_seconds_count{service="carts",method="${method}",route="${route}",status_code="${status}"}`;
      assert.ok(text.includes(series), series);
    }
  });
});
