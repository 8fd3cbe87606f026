/**
 * Contract of the front-end (sockshop-spec §3) over real HTTP, against the real backends
 * started in-process: status codes, exact cookies, bare bodies, quirks and bad input.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { frontEndConfigFromEnv } from '../../src/shop/front-end/config.js';
import { createFrontEndService } from '../../src/shop/front-end/server.js';
import { ServiceDirectory } from '../../src/shop/common/upstream.js';
import { startShopCluster, type ShopCluster } from '../helpers/shop-cluster.js';

const CROSSED = '808a2de1-1aaa-4c25-a9b9-6612e8f29a38'; // 17.32
const COLOURFUL = '3395a43e-2d88-40de-b95f-e00e1502085b'; // 18
const HOLY = '03fef6ac-1896-4ce8-bd69-b798f85c6e0b'; // 99.99 → declined
const USER_ID = '57a98d98e4b00679b4a830b2';
const basic = (user: string, password: string) =>
  'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');

/** A browser-like client: keeps the cookies the front-end sets, like Locust's session. */
class Shopper {
  readonly cookies = new Map<string, string>();
  constructor(private readonly base: string) {}

  async send(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    let body = init.body;
    if (init.json !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(init.json);
    }
    const res = await fetch(this.base + path, { ...init, headers, body, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return res;
  }

  async login(user = 'user', password = 'password'): Promise<Response> {
    return this.send('/login', { headers: { authorization: basic(user, password) } });
  }

  get sid(): string {
    const signed = decodeURIComponent(this.cookies.get('md.sid') ?? '');
    return signed.slice(2, signed.lastIndexOf('.'));
  }
}

describe('front-end contract', () => {
  let cluster: ShopCluster;
  let base: string;

  before(async () => {
    cluster = await startShopCluster();
    base = cluster.frontEndUrl;
  });
  after(async () => {
    await cluster?.stop();
  });

  describe('session cookie md.sid', () => {
    it('is issued on the first API request, signed like express-session, Path=/; HttpOnly', async () => {
      const res = await fetch(`${base}/catalogue?size=1`);
      const cookies = res.headers.getSetCookie();
      assert.equal(cookies.length, 1);
      const match = /^md\.sid=s%3A([A-Za-z0-9_-]{32})\.([A-Za-z0-9%]+); Path=\/; HttpOnly$/.exec(cookies[0]);
      assert.ok(match, cookies[0]);
      const expected = createHmac('sha256', 'sooper secret')
        .update(match[1])
        .digest('base64')
        .replace(/=+$/, '');
      assert.equal(decodeURIComponent(match[2]), expected);
    });

    it('is not sent again for a known session, and replaced when the signature is wrong', async () => {
      const shopper = new Shopper(base);
      await shopper.send('/tags');
      const again = await shopper.send('/tags');
      assert.deepEqual(again.headers.getSetCookie(), []);
      const forged = await fetch(`${base}/tags`, { headers: { cookie: `md.sid=s%3A${shopper.sid}.AAAA` } });
      assert.equal(forged.headers.getSetCookie().length, 1);
      assert.ok(!forged.headers.getSetCookie()[0].includes(shopper.sid));
    });

    it('is not issued for static pages (served before the session middleware)', async () => {
      const res = await fetch(`${base}/`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/);
      assert.deepEqual(res.headers.getSetCookie(), []);
    });
  });

  it('redirects any URL ending in a slash with 301, query included', async () => {
    for (const [from, to] of [
      ['/catalogue/', '/catalogue'],
      ['/catalogue?tags=blue/', '/catalogue?tags=blue'],
      ['/index.html/', '/index.html'],
    ]) {
      const res = await fetch(base + from, { redirect: 'manual' });
      assert.equal(res.status, 301, from);
      assert.equal(res.headers.get('location'), to);
    }
    assert.equal((await fetch(`${base}/`, { redirect: 'manual' })).status, 200);
  });

  describe('catalogue pass-through', () => {
    it('answers 200 with the upstream body and no Content-Type', async () => {
      const res = await fetch(`${base}/catalogue?size=5`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), null);
      assert.equal(res.headers.get('x-powered-by'), 'Express');
      const socks = (await res.json()) as Array<{ id: string }>;
      assert.equal(socks.length, 5);
      assert.deepEqual(await (await fetch(`${base}/catalogue/size?tags=brown`)).json(), {
        size: 3,
        err: null,
      });
      const one = (await (await fetch(`${base}/catalogue/${CROSSED}`)).json()) as { price: number };
      assert.equal(one.price, 17.32);
    });

    it('answers 200 even when the catalogue fails (the page reads status_code)', async () => {
      const res = await fetch(`${base}/catalogue/no-such-sock`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as { status_code: number };
      assert.equal(body.status_code, 500);
    });

    it('serves GET /tags from the catalogue, dropping the query', async () => {
      const res = await fetch(`${base}/tags?x=1`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as { tags: string[] };
      assert.ok(body.tags.includes('blue'));
    });

    it('streams images with the upstream status and headers', async () => {
      const image = await fetch(`${base}/catalogue/images/holy_1.jpeg`);
      assert.equal(image.status, 200);
      const direct = await fetch(`${cluster.urls.catalogue}/catalogue/images/holy_1.jpeg`);
      assert.equal(image.headers.get('content-type'), direct.headers.get('content-type'));
      assert.deepEqual(Buffer.from(await image.arrayBuffer()), Buffer.from(await direct.arrayBuffer()));
      assert.equal(
        (await fetch(`${base}/catalogue/images/missing.png`)).status,
        direct.status === 200 ? 404 : 404,
      );
    });
  });

  describe('cart', () => {
    it('adds (201), lists, updates (202), removes (202) and empties (202) an anonymous cart', async () => {
      const shopper = new Shopper(base);
      const added = await shopper.send('/cart', { method: 'POST', json: { id: CROSSED, quantity: 7 } });
      assert.equal(added.status, 201);
      assert.equal(await added.text(), '');
      await shopper.send('/cart', { method: 'POST', json: { id: CROSSED } });
      await shopper.send('/cart', { method: 'POST', json: { id: COLOURFUL } });
      let items = (await (await shopper.send('/cart')).json()) as Array<{
        itemId: string;
        quantity: number;
        unitPrice: number;
      }>;
      assert.deepEqual(
        items.map((i) => [i.itemId, i.quantity, i.unitPrice]),
        [
          [CROSSED, 2, 17.32],
          [COLOURFUL, 1, 18],
        ],
      );
      const updated = await shopper.send('/cart/update', {
        method: 'POST',
        json: { id: COLOURFUL, quantity: '5' },
      });
      assert.equal(updated.status, 202);
      items = (await (await shopper.send('/cart')).json()) as typeof items;
      assert.equal(items.find((i) => i.itemId === COLOURFUL)?.quantity, 5);
      const removed = await shopper.send(`/cart/${CROSSED}`, { method: 'DELETE' });
      assert.equal(removed.status, 202);
      assert.equal((await shopper.send(`/cart/${CROSSED}`, { method: 'DELETE' })).status, 500);
      assert.equal((await shopper.send('/cart', { method: 'DELETE' })).status, 202);
      assert.deepEqual(await (await shopper.send('/cart')).json(), []);
    });

    it('answers the original 500s for a missing id or quantity', async () => {
      const shopper = new Shopper(base);
      for (const [path, json, message] of [
        ['/cart', {}, 'Must pass id of item to add'],
        ['/cart/update', { quantity: 1 }, 'Must pass id of item to update'],
        ['/cart/update', { id: CROSSED }, 'Must pass quantity to update'],
      ] as const) {
        const res = await shopper.send(path, { method: 'POST', json });
        assert.equal(res.status, 500);
        assert.deepEqual(await res.json(), { message, error: {} });
      }
    });

    it('reports a cart update of a sock not in the cart as 500', async () => {
      const shopper = new Shopper(base);
      const res = await shopper.send('/cart/update', { method: 'POST', json: { id: CROSSED, quantity: 2 } });
      assert.equal(res.status, 500);
      assert.match(((await res.json()) as { message: string }).message, /Status code: 500$/);
    });
  });

  describe('bad input', () => {
    it('answers malformed or non-strict JSON with the original 500 quirk', async () => {
      for (const body of ['{"id":', '"just a string"', 'null', '42']) {
        const res = await fetch(`${base}/cart`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        assert.equal(res.status, 500, body);
        assert.deepEqual(await res.json(), {
          message: "Cannot read property 'logged_in' of undefined",
          error: {},
        });
      }
    });

    it('treats a non-JSON body as no body', async () => {
      const res = await fetch(`${base}/cart`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'id=1',
      });
      assert.equal(res.status, 500);
      assert.deepEqual(await res.json(), { message: 'Must pass id of item to add', error: {} });
    });

    it('refuses an oversized body with 413 and keeps serving', async () => {
      const res = await fetch(`${base}/cart`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'x'.repeat(200 * 1024) }),
      });
      assert.equal(res.status, 413);
      assert.equal((await fetch(`${base}/health`)).status, 200);
    });

    it('answers unknown routes with Express-style 404', async () => {
      const res = await fetch(`${base}/nope`);
      assert.equal(res.status, 404);
      assert.match(await res.text(), /Cannot GET \/nope/);
    });
  });

  describe('login and register', () => {
    it('logs in with Basic auth: 200 "Cookie is set" and the exact logged_in cookie', async () => {
      const shopper = new Shopper(base);
      const before = Date.now();
      const res = await shopper.login();
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.equal(await res.text(), 'Cookie is set');
      const cookies = res.headers.getSetCookie();
      assert.ok(cookies.some((c) => c.startsWith('md.sid=')));
      const loggedIn = cookies.find((c) => c.startsWith('logged_in='));
      const match = /^logged_in=([A-Za-z0-9_-]{32}); Max-Age=3600; Path=\/; Expires=(.+ GMT)$/.exec(
        loggedIn ?? '',
      );
      assert.ok(match, loggedIn);
      assert.equal(match[1], shopper.sid);
      const expires = Date.parse(match[2]);
      assert.ok(expires >= Math.floor(before / 1000) * 1000 + 3_599_000 && expires <= Date.now() + 3_601_000);
    });

    it('answers 401 with an empty body for missing or wrong credentials and unknown users', async () => {
      for (const headers of [
        {} as Record<string, string>,
        { authorization: basic('user', 'wrong') },
        { authorization: basic('nobody', 'x') },
      ]) {
        const res = await fetch(`${base}/login`, { headers });
        assert.equal(res.status, 401);
        assert.equal(await res.text(), '');
        assert.ok(!res.headers.getSetCookie().some((c) => c.startsWith('logged_in=')));
      }
    });

    it('merges the anonymous cart into the customer cart on login', async () => {
      const shopper = new Shopper(base);
      await shopper.send('/cart', { method: 'POST', json: { id: COLOURFUL } });
      const anonymous = shopper.sid;
      await shopper.login('user1', 'password');
      const items = (await (await shopper.send('/cart')).json()) as Array<{ itemId: string }>;
      assert.ok(items.some((i) => i.itemId === COLOURFUL));
      const old = (await (await fetch(`${cluster.urls.carts}/carts/${anonymous}/items`)).json()) as unknown[];
      assert.deepEqual(old, []);
      await shopper.send('/cart', { method: 'DELETE' });
    });

    it('registers: 200 {"id"} with logged_in, then 500 with an empty body for a duplicate', async () => {
      const shopper = new Shopper(base);
      const account = {
        username: `reg-${Date.now()}`,
        password: 'pw',
        email: 'a@b.c',
        firstName: 'Reg',
        lastName: 'Ister',
      };
      const res = await shopper.send('/register', { method: 'POST', json: account });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      const { id } = (await res.json()) as { id: string };
      assert.match(id, /^[0-9a-f]{24}$/);
      assert.ok(
        res.headers
          .getSetCookie()
          .some((c) => c.startsWith(`logged_in=${shopper.sid}; Max-Age=3600; Path=/; Expires=`)),
      );
      const me = (await (await shopper.send(`/customers/${id}`)).json()) as { username: string };
      assert.equal(me.username, account.username);
      const dup = await new Shopper(base).send('/register', { method: 'POST', json: account });
      assert.equal(dup.status, 500);
      assert.equal(await dup.text(), '');
    });
  });

  describe('customers, addresses and cards', () => {
    it('reads the session customer whatever :id says, and lists customers, addresses and cards', async () => {
      const shopper = new Shopper(base);
      await shopper.login();
      const me = await shopper.send('/customers/ignored');
      assert.equal(me.status, 200);
      assert.equal(me.headers.get('content-type'), null);
      assert.equal(((await me.json()) as { id: string }).id, USER_ID);
      const all = (await (await shopper.send('/customers')).json()) as { _embedded: { customer: unknown[] } };
      assert.ok(all._embedded.customer.length >= 3);
      for (const path of ['/addresses', '/cards']) assert.equal((await shopper.send(path)).status, 200);
      const card = (await (await shopper.send('/cards/57a98d98e4b00679b4a830b1')).json()) as {
        longNum: string;
      };
      assert.equal(card.longNum, '5544154011345918');
    });

    it('gives the first address and the last 4 digits of the first card, or {"status_code":500}', async () => {
      const shopper = new Shopper(base);
      await shopper.login();
      const address = (await (await shopper.send('/address')).json()) as { street: string };
      assert.equal(address.street, 'Whitelees Road');
      assert.deepEqual(await (await shopper.send('/card')).json(), { number: '5918' });
      const anonymous = new Shopper(base);
      assert.deepEqual(await (await anonymous.send('/card')).json(), { status_code: 500 });
      assert.deepEqual(await (await anonymous.send('/address')).json(), { status_code: 500 });
    });

    it('adds an address and a card for the customer, and deletes them', async () => {
      const shopper = new Shopper(base);
      const { id: customerId } = (await (
        await shopper.send('/register', {
          method: 'POST',
          json: {
            username: `cards-${Date.now()}`,
            password: 'pw',
            email: 'x@y.z',
            firstName: 'C',
            lastName: 'D',
          },
        })
      ).json()) as { id: string };
      const address = await shopper.send('/addresses', {
        method: 'POST',
        json: { number: '1', street: 'Sock Lane', city: 'Leeds', postcode: 'LS1', country: 'United Kingdom' },
      });
      assert.equal(address.status, 200);
      const { id: addressId } = (await address.json()) as { id: string };
      const card = await shopper.send('/cards', {
        method: 'POST',
        json: { longNum: '4111111111111234', expires: '01/30', ccv: '123' },
      });
      const { id: cardId } = (await card.json()) as { id: string };
      assert.deepEqual(await (await shopper.send('/card')).json(), { number: '1234' });
      assert.equal(
        ((await (await shopper.send('/address')).json()) as { street: string }).street,
        'Sock Lane',
      );
      for (const path of [`/cards/${cardId}`, `/addresses/${addressId}`, `/customers/${customerId}`]) {
        const res = await shopper.send(path, { method: 'DELETE' });
        assert.equal(res.status, 200, path);
        assert.deepEqual(await res.json(), { status: true });
      }
    });
  });

  describe('orders', () => {
    it('refuses history and checkout without logged_in: 500 "User not logged in."', async () => {
      for (const method of ['GET', 'POST']) {
        const res = await fetch(`${base}/orders`, { method });
        assert.equal(res.status, 500);
        assert.deepEqual(await res.json(), { message: 'User not logged in.', error: {} });
      }
    });

    it('checks out (201), lists the history with 201, reads one order, and passes a decline through (406)', async () => {
      const shopper = new Shopper(base);
      await shopper.login('Eve_Berger', 'eve');
      await shopper.send('/cart', { method: 'DELETE' });
      await shopper.send('/cart', { method: 'POST', json: { id: COLOURFUL } });
      await shopper.send('/cart', { method: 'POST', json: { id: COLOURFUL } });
      const placed = await shopper.send('/orders', { method: 'POST' });
      const text = await placed.text();
      assert.equal(placed.status, 201, text);
      assert.equal(placed.headers.get('content-type'), null);
      const order = JSON.parse(text) as { total: number; customerId: string; items: unknown[] };
      assert.equal(order.total, 40.989998);
      assert.equal(order.customerId, '57a98d98e4b00679b4a830af');

      const history = await shopper.send('/orders');
      assert.equal(history.status, 201);
      const orders = (await history.json()) as Array<{ total: number; _links: { self: { href: string } } }>;
      assert.ok(orders.some((o) => o.total === 40.989998));
      const href = orders[orders.length - 1]._links.self.href;
      const one = await shopper.send(href.replace(/^http:\/\/[^/]+/, ''));
      assert.equal(one.status, 200);
      assert.match(one.headers.get('content-type') ?? '', /json/);
      assert.equal(((await one.json()) as { total: number }).total, 40.989998);
      assert.equal((await shopper.send('/orders/000000000000000000000000')).status, 404);

      await shopper.send('/cart', { method: 'DELETE' });
      await shopper.send('/cart', { method: 'POST', json: { id: HOLY } });
      const declined = await shopper.send('/orders', { method: 'POST' });
      assert.equal(declined.status, 406);
      assert.equal(
        ((await declined.json()) as { message: string }).message,
        'Payment declined: amount exceeds 100.00',
      );
      await shopper.send('/cart', { method: 'DELETE' });
    });

    it('answers an empty history for a customer without orders', async () => {
      const shopper = new Shopper(base);
      await shopper.login('user1', 'password');
      const res = await shopper.send('/orders');
      assert.equal(res.status, 201);
      assert.ok(Array.isArray(await res.json()));
    });
  });

  it("runs the original load test's nine steps (spec §12) with one cookie session", async () => {
    const shopper = new Shopper(base);
    const socks = (await (await shopper.send('/catalogue')).json()) as Array<{ id: string; price: number }>;
    assert.equal(socks.length, 9);
    for (const sock of socks) {
      const steps: Array<[string, string, RequestInit & { json?: unknown }]> = [
        ['GET', '/', {}],
        ['GET', '/login', { headers: { authorization: basic('user', 'password') } }],
        ['GET', '/category.html', {}],
        ['GET', `/detail.html?id=${sock.id}`, {}],
        ['DELETE', '/cart', {}],
        ['POST', '/cart', { json: { id: sock.id, quantity: 1 } }],
        ['GET', '/basket.html', {}],
      ];
      for (const [method, path, init] of steps) {
        const res = await shopper.send(path, { method, ...init });
        assert.ok(res.status >= 200 && res.status < 300, `${method} ${path} → ${res.status}`);
      }
      const order = await shopper.send('/orders', { method: 'POST' });
      // Only the Holy sock (99.99 + 4.99 shipping) is over the deployed decline threshold of 100.
      assert.equal(order.status, sock.price + 4.99 > 100 ? 406 : 201, sock.id);
    }
    await shopper.send('/cart', { method: 'DELETE' });
  });

  describe('health and metrics', () => {
    it('reports health', async () => {
      const res = await fetch(`${base}/health`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as { health: Array<{ service: string; status: string }> };
      assert.deepEqual(
        body.health.map((h) => [h.service, h.status]),
        [
          ['front-end', 'OK'],
          ['session-db', 'OK'],
        ],
      );
    });

    it('exports request_duration_seconds (lower-case method, path route), the path histogram and session figures', async () => {
      await new Shopper(base).login();
      const text = await (await fetch(`${base}/metrics`)).text();
      assert.match(
        text,
        /request_duration_seconds_count\{service="front-end",method="get",route="\/login",status_code="200"\} \d+/,
      );
      assert.match(
        text,
        /http_request_duration_seconds_count\{service="front-end",method="get",path="\/login",status_code="200"\} \d+/,
      );
      assert.match(
        text,
        /request_duration_seconds_count\{service="front-end",method="get",route="\/catalogue",status_code="200"\}/,
      );
      assert.doesNotMatch(text, /route="\/metrics"/);
      assert.match(text, /^session_store_keys [1-9]\d*$/m);
      assert.match(text, /^session_store_evictions_total 0$/m);
      assert.match(text, /^session_store_expirations_total \d+$/m);
    });
  });
});

describe('front-end with a backend down', () => {
  it('answers 500 in the errorHandler shape and keeps running', async () => {
    const directory = new ServiceDirectory({
      catalogue: 'http://127.0.0.1:1',
      user: 'http://127.0.0.1:1',
      carts: 'http://127.0.0.1:1',
    });
    const service = createFrontEndService(
      { ...frontEndConfigFromEnv({}), upstreamTimeoutMs: 2000 },
      { directory },
    );
    const base = await service.server.listen(0);
    try {
      const res = await fetch(`${base}/catalogue`);
      assert.equal(res.status, 500);
      const body = (await res.json()) as { message: string; error: object };
      assert.match(body.message, /catalogue/);
      assert.deepEqual(body.error, {});
      assert.equal(
        (await fetch(`${base}/login`, { headers: { authorization: basic('user', 'password') } })).status,
        401,
      );
      const register = await fetch(`${base}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(register.status, 500);
      assert.equal((await fetch(`${base}/health`)).status, 200);
    } finally {
      await service.server.close();
      await service.stop?.();
    }
  });
});

describe('front-end session store limits', () => {
  it('evicts the least recently used session under allkeys-lru: the old cookie starts a new, empty cart', async () => {
    const cluster = await startShopCluster({
      env: {
        SESSION_STORE_MAXMEMORY: '1kb',
        SESSION_STORE_POLICY: 'allkeys-lru',
        SESSION_STORE_SAMPLES: '100',
      },
    });
    try {
      const first = new Shopper(cluster.frontEndUrl);
      await first.send('/cart', { method: 'POST', json: { id: CROSSED } });
      const firstSid = first.sid;
      // Enough new sessions to push the store over 1 kB several times.
      for (let i = 0; i < 12; i++) await new Shopper(cluster.frontEndUrl).send('/tags');
      const back = await first.send('/cart');
      assert.equal(back.headers.getSetCookie().length, 1, 'a new session cookie');
      assert.notEqual(first.sid, firstSid);
      assert.deepEqual(await back.json(), []);
      const stats = await cluster.frontEnd.sessions.stats();
      assert.ok(stats.evictions > 0);
      const text = await (await fetch(`${cluster.frontEndUrl}/metrics`)).text();
      assert.match(text, new RegExp(`^session_store_evictions_total ${stats.evictions}$`, 'm'));
    } finally {
      await cluster.stop();
    }
  });
});
