import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { userConfigFromEnv } from '../../src/shop/user/config.js';
import { createUserService, type UserService } from '../../src/shop/user/server.js';
import { MemoryUserStore } from '../../src/stores/users/memory.js';
import { userSeed } from '../../src/stores/users/seed.js';

// Expected 4xx/5xx answers would otherwise fill the test output with error logs.
process.env.LOG_LEVEL ??= 'fatal';

const EVE = '57a98d98e4b00679b4a830af';
const USER = '57a98d98e4b00679b4a830b2';
const USER1 = '57a98d98e4b00679b4a830b5';
const HEX24 = /^[0-9a-f]{24}$/;
const GO_ERROR_TYPE = 'text/plain; charset=utf-8';

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

async function startUser(env: NodeJS.ProcessEnv = {}, store?: MemoryUserStore) {
  const service = createUserService(userConfigFromEnv({ USER_BODY_LIMIT_BYTES: '65536', ...env }), { store });
  const url = await service.server.listen(0);
  return { service, url };
}

async function call(base: string, path: string, init: RequestInit = {}) {
  const res = await fetch(base + path, init);
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests inspect arbitrary response JSON
  return { status: res.status, headers: res.headers, text, json: (): any => JSON.parse(text) };
}

function goError(status: number, message: string) {
  const statusText = { 401: 'Unauthorized', 500: 'Internal Server Error' }[status as 401 | 500];
  return { error: message, status_code: status, status_text: statusText };
}

void describe('user service contract', () => {
  let service: UserService;
  let base: string;
  const get = (path: string, init?: RequestInit) => call(base, path, init);
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    call(base, path, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

  before(async () => {
    ({ service, url: base } = await startUser());
  });
  after(async () => {
    await service.server.close();
  });

  void it('logs in every seed customer with their password and answers HAL', async () => {
    for (const [username, password, id] of [
      ['Eve_Berger', 'eve', EVE],
      ['user', 'password', USER],
      ['user1', 'password', USER1],
    ]) {
      const res = await get('/login', { headers: { authorization: basic(username, password) } });
      assert.equal(res.status, 200, username);
      assert.equal(res.headers.get('content-type'), 'application/hal+json');
      const { user } = res.json();
      assert.equal(user.username, username);
      assert.equal(user.id, id);
      assert.deepEqual(user._links.self, { href: `http://user/customers/${id}` });
    }
  });

  void it('refuses logins: 401 for missing, malformed or wrong credentials, 500 for an unknown username', async () => {
    const cases: Array<[string | undefined, number, string]> = [
      [undefined, 401, 'Unauthorized'],
      ['Bearer abc', 401, 'Unauthorized'],
      ['Basic !!!notbase64', 401, 'Unauthorized'],
      [`Basic ${Buffer.from('nocolon').toString('base64')}`, 401, 'Unauthorized'],
      [basic('user', 'wrong'), 401, 'Unauthorized'],
      [basic('Eve_Berger', 'password'), 401, 'Unauthorized'],
      [basic('nobody', 'password'), 500, 'not found'],
    ];
    for (const [header, status, message] of cases) {
      const res = await get('/login', { headers: header ? { authorization: header } : {} });
      assert.equal(res.status, status, String(header));
      assert.equal(res.headers.get('content-type'), GO_ERROR_TYPE);
      assert.deepEqual(res.json(), goError(status, message));
    }
  });

  void it('renders a customer exactly as the original, with ETag', async () => {
    const res = await get(`/customers/${EVE}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/hal+json');
    assert.match(res.headers.get('etag') ?? '', /^"\d+"$/);
    assert.equal(
      res.text,
      `{"firstName":"Eve","lastName":"Berger","username":"Eve_Berger","id":"${EVE}","_links":{"addresses":{"href":"http://user/customers/${EVE}/addresses"},"cards":{"href":"http://user/customers/${EVE}/cards"},"customer":{"href":"http://user/customers/${EVE}"},"self":{"href":"http://user/customers/${EVE}"}}}\n`,
    );
  });

  void it('lists customers, addresses and cards under _embedded, with the seed orphans', async () => {
    const customers = (await get('/customers')).json()._embedded.customer;
    assert.deepEqual(
      customers.slice(0, 3).map((c: { id: string }) => c.id),
      [EVE, USER, USER1],
    );
    const addresses = (await get('/addresses')).json()._embedded.address;
    assert.ok(
      addresses.some(
        (a: { id: string; city: string }) => a.id === '57a98ddce4b00679b4a830d1' && a.city === 'London',
      ),
    );
    const cards = (await get('/cards')).json()._embedded.card;
    assert.ok(
      cards.some(
        (c: { id: string; longNum: string }) =>
          c.id === '57a98ddce4b00679b4a830d2' && c.longNum === '5429804235432',
      ),
    );
  });

  void it('serves a card and an address in the original field order, unmasked', async () => {
    const card = await get('/cards/57a98d98e4b00679b4a830ae');
    assert.equal(
      card.text,
      '{"longNum":"5953580604169678","expires":"08/19","ccv":"678","id":"57a98d98e4b00679b4a830ae","_links":{"card":{"href":"http://user/cards/57a98d98e4b00679b4a830ae"},"self":{"href":"http://user/cards/57a98d98e4b00679b4a830ae"}}}\n',
    );
    const address = (await get('/addresses/57a98d98e4b00679b4a830b3')).json();
    assert.deepEqual(Object.keys(address), [
      'street',
      'number',
      'country',
      'city',
      'postcode',
      'id',
      '_links',
    ]);
    assert.deepEqual(address._links, {
      address: { href: 'http://user/addresses/57a98d98e4b00679b4a830b3' },
      self: { href: 'http://user/addresses/57a98d98e4b00679b4a830b3' },
    });
    assert.equal(address.street, 'Maes-Y-Deri');
  });

  void it("serves a customer's addresses and cards", async () => {
    const addresses = (await get(`/customers/${USER}/addresses`)).json();
    assert.deepEqual(
      addresses._embedded.address.map((a: { id: string; postcode: string }) => [a.id, a.postcode]),
      [['57a98d98e4b00679b4a830b0', 'G67 3DL']],
    );
    const cards = (await get(`/customers/${USER}/cards`)).json();
    assert.equal(cards._embedded.card[0].longNum, '5544154011345918');
  });

  void it('matches GET routes as path prefixes: id is segment 2, attribute segment 3', async () => {
    assert.equal((await get('/customers/')).json()._embedded.customer.length >= 3, true);
    assert.equal((await get(`/customers/${EVE}/whatever`)).json().id, EVE);
    assert.equal((await get(`/cards/57a98d98e4b00679b4a830ae/extra`)).json().ccv, '678');
    assert.ok(Array.isArray((await get('/addresses/')).json()._embedded.address));
  });

  void it('answers 500 Invalid Id Hex for non-hex ids and 500 not found for absent ones', async () => {
    for (const kind of ['customers', 'addresses', 'cards']) {
      const bad = await get(`/${kind}/not-a-hex-id`);
      assert.equal(bad.status, 500);
      assert.equal(bad.headers.get('content-type'), GO_ERROR_TYPE);
      assert.deepEqual(bad.json(), goError(500, 'Invalid Id Hex'));
      const absent = await get(`/${kind}/ffffffffffffffffffffffff`);
      assert.deepEqual([absent.status, absent.json()], [500, goError(500, 'not found')]);
    }
    const attr = await get('/customers/ffffffffffffffffffffffff/addresses');
    assert.deepEqual([attr.status, attr.json()], [500, goError(500, 'not found')]);
  });

  void it('registers a customer who can log in; a duplicate username is a 500 with a duplicate-key message', async () => {
    const body = JSON.stringify({
      username: 'newbie',
      password: 's3cret',
      email: 'n@example.com',
      firstName: 'New',
      lastName: 'Bie',
    });
    const res = await post('/register', body);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/hal+json');
    const { id } = res.json();
    assert.match(id, HEX24);
    const login = await get('/login', { headers: { authorization: basic('newbie', 's3cret') } });
    assert.equal(login.json().user.id, id);
    assert.deepEqual((await get(`/customers/${id}/addresses`)).json(), { _embedded: { address: [] } });
    const duplicate = await post('/register', body);
    assert.equal(duplicate.status, 500);
    assert.match(duplicate.json().error, /^E11000 duplicate key error .*newbie/);
  });

  void it('registers without validation: an empty object is a customer with an empty username', async () => {
    const first = await post('/register', '{}');
    assert.equal(first.status, 200);
    const second = await post('/register', '{}');
    assert.equal(second.status, 500);
    assert.match(second.json().error, /E11000/);
  });

  void it('creates customers, addresses and cards and links them to their owner', async () => {
    const { id: customerId } = (
      await post('/customers', JSON.stringify({ username: 'poster', firstName: 'P' }))
    ).json();
    assert.match(customerId, HEX24);
    const address = {
      street: 'High St',
      number: '1',
      country: 'UK',
      city: 'Leeds',
      postcode: 'LS1',
      userID: customerId,
    };
    const { id: addressId } = (await post('/addresses', JSON.stringify(address))).json();
    const { id: cardId } = (
      await post(
        '/cards',
        JSON.stringify({ longNum: '4111', expires: '01/30', ccv: '123', userID: customerId }),
      )
    ).json();
    const addresses = (await get(`/customers/${customerId}/addresses`)).json()._embedded.address;
    assert.deepEqual(
      addresses.map((a: { id: string; city: string }) => [a.id, a.city]),
      [[addressId, 'Leeds']],
    );
    const cards = (await get(`/customers/${customerId}/cards`)).json()._embedded.card;
    assert.deepEqual(
      cards.map((c: { id: string }) => c.id),
      [cardId],
    );
    // Without a userID the address is stored unlinked.
    const orphan = await post('/addresses', JSON.stringify({ street: 'Nowhere' }));
    assert.equal((await get(`/addresses/${orphan.json().id}`)).json().street, 'Nowhere');
  });

  void it('refuses an address for an absent or malformed userID like the original', async () => {
    const absent = await post(
      '/addresses',
      JSON.stringify({ street: 'x', userID: 'ffffffffffffffffffffffff' }),
    );
    assert.deepEqual([absent.status, absent.json()], [500, goError(500, 'not found')]);
    const bad = await post('/cards', JSON.stringify({ longNum: '1', userID: 'zzz' }));
    assert.deepEqual([bad.status, bad.json()], [500, goError(500, 'Invalid Id Hex')]);
  });

  void it('deletes a card and pulls it from its customer; deleting again is 500 not found', async () => {
    const { id: customerId } = (
      await post('/register', JSON.stringify({ username: 'carddel', password: 'x' }))
    ).json();
    const { id: cardId } = (
      await post('/cards', JSON.stringify({ longNum: '9', userID: customerId }))
    ).json();
    const res = await call(base, `/cards/${cardId}`, { method: 'DELETE' });
    assert.equal(res.status, 200);
    assert.equal(res.text, '{"status":true}\n');
    assert.deepEqual((await get(`/customers/${customerId}/cards`)).json(), { _embedded: { card: [] } });
    const again = await call(base, `/cards/${cardId}`, { method: 'DELETE' });
    assert.deepEqual([again.status, again.json()], [500, goError(500, 'not found')]);
  });

  void it('deletes a customer with its addresses and cards', async () => {
    const { id: customerId } = (
      await post('/register', JSON.stringify({ username: 'cascade', password: 'x' }))
    ).json();
    const { id: addressId } = (
      await post('/addresses', JSON.stringify({ street: 's', userID: customerId }))
    ).json();
    const { id: cardId } = (
      await post('/cards', JSON.stringify({ longNum: '1', userID: customerId }))
    ).json();
    assert.equal((await call(base, `/customers/${customerId}`, { method: 'DELETE' })).json().status, true);
    for (const path of [`/customers/${customerId}`, `/addresses/${addressId}`, `/cards/${cardId}`]) {
      assert.deepEqual((await get(path)).json(), goError(500, 'not found'), path);
    }
  });

  void it('answers malformed DELETE paths with 500 Invalid request and bad ids with Invalid Id Hex', async () => {
    for (const path of ['/customers', '/a/b/c', '/customers/']) {
      const res = await call(base, path, { method: 'DELETE' });
      if (path === '/customers/') {
        assert.deepEqual(res.json(), goError(500, 'Invalid Id Hex'));
        continue;
      }
      assert.deepEqual([res.status, res.json()], [500, goError(500, 'Invalid request')], path);
    }
    const bad = await call(base, '/addresses/xyz', { method: 'DELETE' });
    assert.deepEqual(bad.json(), goError(500, 'Invalid Id Hex'));
  });

  void it('answers bad bodies with Go-decoder 500s and never falls over', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['/register', '{"username":', /^unexpected EOF$/],
      ['/register', '{x', /^invalid character 'x'/],
      ['/register', '', /^EOF$/],
      ['/register', '{"username":5}', /^json: cannot unmarshal number into Go value of type string$/],
      ['/customers', '[1,2]', /^json: cannot unmarshal array into Go value of type users\.User$/],
      ['/addresses', '{"number":246}', /cannot unmarshal number/],
      ['/cards', '"text"', /cannot unmarshal string/],
    ];
    for (const [path, body, message] of cases) {
      const res = await post(path, body);
      assert.equal(res.status, 500, `${path} ${body}`);
      assert.equal(res.headers.get('content-type'), GO_ERROR_TYPE);
      assert.match(res.json().error, message);
    }
    const huge = await post('/register', JSON.stringify({ username: 'x'.repeat(100_000) }));
    assert.equal(huge.status, 413);
    // Keys match case-insensitively, as Go's decoder does.
    const mixed = await post('/register', JSON.stringify({ UserName: 'CaseUser', Password: 'pw' }));
    assert.equal(mixed.status, 200);
    assert.equal((await get('/login', { headers: { authorization: basic('CaseUser', 'pw') } })).status, 200);
    assert.equal((await get('/health')).status, 200);
  });

  void it('reports health for user and user-db in the Go shape', async () => {
    const res = await get('/health');
    assert.equal(res.status, 200);
    const { health } = res.json();
    assert.deepEqual(
      health.map((h: { service: string; status: string }) => [h.service, h.status]),
      [
        ['user', 'OK'],
        ['user-db', 'OK'],
      ],
    );
    assert.match(health[0].time, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9} \+0000 UTC$/);
  });

  void it("exports the original's per-method series, route labels and the pool gauges", async () => {
    await get('/login', { headers: { authorization: basic('user', 'password') } });
    const text = (await get('/metrics')).text;
    for (const method of [
      'login',
      'register',
      'getUsers',
      'postAddress',
      'getAddresses',
      'postCard',
      'getCards',
      'delete',
      'health',
      'postUser',
    ]) {
      assert.match(
        text,
        new RegExp(`microservices_demo_user_request_count\\{method="${method}"\\} \\d+`),
        method,
      );
    }
    assert.match(text, /microservices_demo_user_request_latency_microseconds_count\{method="login"\} \d+/);
    assert.match(
      text,
      /request_duration_seconds_count\{method="GET",route="login",status_code="200",isWS="false"\}/,
    );
    assert.match(
      text,
      /request_duration_seconds_count\{method="GET",route="customers",status_code="200",isWS="false"\}/,
    );
    assert.match(
      text,
      /request_duration_seconds_count\{method="DELETE",route="root",status_code="200",isWS="false"\}/,
    );
    assert.match(text, /worker_pool_size\{pool="user-db"\} 32/);
  });
});

void describe('user profile update extension', () => {
  let service: UserService;
  let base: string;
  const patch = (id: string, body: string, headers: Record<string, string> = {}) =>
    call(base, `/customers/${id}`, {
      method: 'PATCH',
      body,
      headers: { 'content-type': 'application/json', ...headers },
    });

  before(async () => {
    ({ service, url: base } = await startUser());
  });
  after(async () => {
    await service.server.close();
  });

  void it('updates the profile, bumps the ETag and keeps the original GET shape', async () => {
    const before = await call(base, `/customers/${USER1}`);
    const etag = before.headers.get('etag')!;
    const res = await patch(USER1, JSON.stringify({ firstName: 'Una', email: 'una@example.com' }));
    assert.equal(res.status, 200);
    assert.equal(res.json().firstName, 'Una');
    assert.equal(res.json().lastName, 'Name1');
    const next = res.headers.get('etag')!;
    assert.equal(Number(JSON.parse(next)), Number(JSON.parse(etag)) + 1);
    const after = await call(base, `/customers/${USER1}`);
    assert.equal(after.headers.get('etag'), next);
    assert.deepEqual(Object.keys(after.json()), ['firstName', 'lastName', 'username', 'id', '_links']);
    assert.equal(after.json().firstName, 'Una');
  });

  void it('honours If-Match: the current version writes, a stale one is 412', async () => {
    const etag = (await call(base, `/customers/${EVE}`)).headers.get('etag')!;
    const ok = await patch(EVE, JSON.stringify({ lastName: 'B.' }), { 'if-match': etag });
    assert.equal(ok.status, 200);
    const stale = await patch(EVE, JSON.stringify({ lastName: 'C.' }), { 'if-match': etag });
    assert.equal(stale.status, 412);
    assert.equal(stale.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(stale.json().status_code, 412);
    assert.equal((await call(base, `/customers/${EVE}`)).json().lastName, 'B.');
    assert.equal((await patch(EVE, JSON.stringify({ lastName: 'D.' }), { 'if-match': '*' })).status, 200);
  });

  void it('refuses bad input with 400 JSON errors, absent customers with 404', async () => {
    const cases: Array<[string, string, Record<string, string>?]> = [
      [USER, '{not json'],
      [USER, ''],
      [USER, '[]'],
      [USER, '{}'],
      [USER, '{"firstName":""}'],
      [USER, '{"firstName":42}'],
      [USER, '{"email":"not-an-email"}'],
      [USER, '{"username":"hijack"}'],
      [USER, JSON.stringify({ lastName: 'x'.repeat(101) })],
      [USER, '{"firstName":"A"}', { 'if-match': 'banana' }],
      ['not-hex', '{"firstName":"A"}'],
    ];
    for (const [id, body, headers] of cases) {
      const res = await patch(id, body, headers);
      assert.equal(res.status, 400, body);
      assert.equal(res.json().status_code, 400);
      assert.equal(typeof res.json().error, 'string');
    }
    const absent = await patch('ffffffffffffffffffffffff', '{"firstName":"A"}');
    assert.equal(absent.status, 404);
    assert.equal((await call(base, `/customers/${USER}`)).json().username, 'user');
    const text = (await call(base, '/metrics')).text;
    assert.match(text, /user_profile_updates_total\{outcome="invalid"\} 11/);
    assert.match(text, /user_profile_updates_total\{outcome="not_found"\} 1/);
  });
});

/** Holds the first `parties` profile reads until all are in flight, so two updates interleave deterministically. */
class InterleavingStore extends MemoryUserStore {
  private readonly waiting: Array<() => void> = [];
  private remaining: number;
  constructor(parties: number) {
    super(userSeed());
    this.remaining = parties;
  }
  override async getCustomer(id: string) {
    const found = await super.getCustomer(id);
    if (this.remaining === 0) return found;
    this.remaining--;
    await new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      if (this.remaining === 0) for (const release of this.waiting.splice(0)) release();
    });
    return found;
  }
}

void describe('concurrent profile updates', () => {
  void it('without If-Match the last writer wins and one change is lost', async () => {
    const { service, url } = await startUser({}, new InterleavingStore(2));
    try {
      const send = (body: object) =>
        call(url, `/customers/${USER}`, {
          method: 'PATCH',
          body: JSON.stringify(body),
          headers: { 'content-type': 'application/json' },
        });
      const results = await Promise.all([send({ firstName: 'Alice' }), send({ lastName: 'Smith' })]);
      assert.deepEqual(
        results.map((r) => r.status),
        [200, 200],
      );
      const stored = await service.store.getCustomer(USER);
      const kept = [stored!.firstName === 'Alice', stored!.lastName === 'Smith'];
      assert.deepEqual(kept.sort(), [false, true], 'exactly one of the two changes survives');
    } finally {
      await service.server.close();
    }
  });

  void it('with If-Match the second writer gets 412 instead of losing the first change', async () => {
    const { service, url } = await startUser({}, new InterleavingStore(2));
    try {
      const send = (body: object) =>
        call(url, `/customers/${USER}`, {
          method: 'PATCH',
          body: JSON.stringify(body),
          headers: { 'content-type': 'application/json', 'if-match': '"1"' },
        });
      const results = await Promise.all([send({ firstName: 'Alice' }), send({ lastName: 'Smith' })]);
      assert.deepEqual(results.map((r) => r.status).sort(), [200, 412]);
      const stored = await service.store.getCustomer(USER);
      assert.equal(stored!.version, 2);
    } finally {
      await service.server.close();
    }
  });
});

/** Holds every customer listing until released, to fill the worker pool. */
class BlockingStore extends MemoryUserStore {
  private open!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.open = resolve));
  constructor() {
    super(userSeed());
  }
  release() {
    this.open();
  }
  override async listCustomers() {
    await this.gate;
    return super.listCustomers();
  }
}

void describe('user worker pool', () => {
  void it('refuses work beyond its size and queue with 503 and shows it in the gauges', async () => {
    const store = new BlockingStore();
    const { service, url } = await startUser({ USER_POOL_SIZE: '1', USER_POOL_QUEUE: '0' }, store);
    try {
      const held = call(url, '/customers');
      while (service.pool.stats.inFlight === 0) await new Promise((resolve) => setImmediate(resolve));
      const refused = await call(url, '/customers');
      assert.equal(refused.status, 503);
      assert.equal(refused.headers.get('content-type'), GO_ERROR_TYPE);
      assert.match(refused.json().error, /user-db worker pool saturated/);
      const metrics = (await call(url, '/metrics')).text;
      assert.match(metrics, /worker_pool_in_flight\{pool="user-db"\} 1/);
      assert.match(metrics, /worker_pool_rejected_total\{pool="user-db",reason="queue_full"\} 1/);
      store.release();
      assert.equal((await held).status, 200);
    } finally {
      store.release();
      await service.server.close();
    }
  });
});

void describe('user configuration', () => {
  void it('refuses a pool without workers', () => {
    assert.throws(() => userConfigFromEnv({ USER_POOL_SIZE: '0' }), /USER_POOL_SIZE must be at least 1/);
  });

  void it('takes the HAL link host from HATEOAS', async () => {
    const { service, url } = await startUser({ HATEOAS: 'user.sock-shop' });
    try {
      const res = await call(url, `/customers/${EVE}`);
      assert.equal(res.json()._links.self.href, `http://user.sock-shop/customers/${EVE}`);
    } finally {
      await service.server.close();
    }
  });
});
