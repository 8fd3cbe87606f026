/** The catalogue's extensions over real HTTP: search, admin update, read cache, large catalogue. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { catalogueConfigFromEnv } from '../../src/shop/catalogue/config.js';
import { createCatalogueService } from '../../src/shop/catalogue/server.js';
import type { RunnableService } from '../../src/shop/common/run-service.js';

const HOLY = '03fef6ac-1896-4ce8-bd69-b798f85c6e0b';
const CLASSIC = 'zzz4f044-b040-410d-8ead-4de0446aec7e';

interface SockJson {
  id: string;
  name: string;
  description: string;
  price: number;
  count: number;
  tag: string[];
}

async function start(env: NodeJS.ProcessEnv) {
  const service = createCatalogueService(catalogueConfigFromEnv(env));
  return { service, url: await service.server.listen(0) };
}

/** Sum of a counter's samples whose labels contain `labels`. */
function metric(text: string, name: string, labels = ''): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && line.includes(labels))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

function patch(url: string, body: string, contentType = 'application/json') {
  return fetch(url, { method: 'PATCH', headers: { 'content-type': contentType }, body });
}

void describe('catalogue search, admin update and cache', () => {
  let service: RunnableService;
  let url: string;
  const json = async <T>(path: string) => (await (await fetch(url + path)).json()) as T;
  const metrics = async () => (await fetch(`${url}/metrics`)).text();

  before(async () => ({ service, url } = await start({ CATALOGUE_CACHE_TTL_MS: '60000' })));
  after(async () => {
    await service.server.close();
    await service.stop?.();
  });

  void it('searches name and description case-insensitively, combinable with tags and paging', async () => {
    assert.deepEqual(
      (await json<SockJson[]>('/catalogue?q=DESK')).map((s) => s.name),
      ['Nerd leg'],
    );
    assert.deepEqual(
      (await json<SockJson[]>('/catalogue?q=youtube')).map((s) => s.name),
      ['YouTube.sock'],
    );
    assert.deepEqual(
      (await json<SockJson[]>('/catalogue?q=warm')).map((s) => s.name),
      ['Cat socks', 'Classic'],
    );
    const tagged = await json<SockJson[]>('/catalogue?q=warm&tags=formal');
    assert.deepEqual(
      tagged.map((s) => [s.name, s.tag]),
      [['Cat socks', ['formal']]],
    );
    assert.deepEqual(
      (await json<SockJson[]>('/catalogue?q=warm&page=2&size=1')).map((s) => s.name),
      ['Classic'],
    );
    assert.deepEqual(await json('/catalogue/size?q=warm'), { size: 2, err: null });
    assert.equal(await (await fetch(`${url}/catalogue?q=zebra`)).text(), 'null\n');
  });

  void it('caches reads: a repeated read is a hit', async () => {
    const before = await metrics();
    await json(`/catalogue/${HOLY}`);
    await json(`/catalogue/${HOLY}`);
    const after = await metrics();
    assert.equal(
      metric(after, 'catalogue_cache_misses_total', 'op="get"') -
        metric(before, 'catalogue_cache_misses_total', 'op="get"'),
      1,
    );
    assert.equal(
      metric(after, 'catalogue_cache_hits_total', 'op="get"') -
        metric(before, 'catalogue_cache_hits_total', 'op="get"'),
      1,
    );
  });

  void it('updates price and count; cached reads see the change at once', async () => {
    assert.equal((await json<SockJson>(`/catalogue/${CLASSIC}`)).price, 12);
    const listed = await json<SockJson[]>('/catalogue?tags=green');
    assert.equal(listed.find((s) => s.id === CLASSIC)!.price, 12);
    const res = await patch(`${url}/catalogue/${CLASSIC}`, JSON.stringify({ price: 13.37, count: 5 }));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    const updated = (await res.json()) as SockJson;
    assert.deepEqual([updated.price, updated.count, updated.name], [13.37, 5, 'Classic']);
    assert.equal((await json<SockJson>(`/catalogue/${CLASSIC}`)).price, 13.37);
    assert.equal((await json<SockJson[]>('/catalogue?tags=green')).find((s) => s.id === CLASSIC)!.count, 5);
    assert.ok(metric(await metrics(), 'catalogue_cache_invalidations_total', 'reason="update"') >= 1);
    const onlyCount = (await (await patch(`${url}/catalogue/${CLASSIC}`, '{"count":7}')).json()) as SockJson;
    assert.deepEqual([onlyCount.price, onlyCount.count], [13.37, 7]);
  });

  void it('flushes the cache on request', async () => {
    await json('/tags');
    const res = await fetch(`${url}/catalogue/cache/flush`, { method: 'POST' });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { flushed: number };
    assert.ok(body.flushed >= 1);
    const before = metric(await metrics(), 'catalogue_cache_misses_total', 'op="tags"');
    await json('/tags');
    assert.equal(metric(await metrics(), 'catalogue_cache_misses_total', 'op="tags"'), before + 1);
    assert.equal(metric(await metrics(), 'catalogue_cache_invalidations_total', 'reason="flush"'), 1);
  });

  void it('rejects bad updates with a JSON 400 and changes nothing', async () => {
    const bad: Array<[string, string?]> = [
      ['{"price": 1'],
      ['{"price":"cheap"}'],
      ['{"price":-1}'],
      ['{"price":0}'],
      ['{"count":-1}'],
      ['{"count":1.5}'],
      ['{"count":99999999999}'],
      ['{}'],
      ['{"price":1,"name":"x"}'],
      ['[1,2]'],
      ['null'],
      ['price=3', 'application/x-www-form-urlencoded'],
      ['{"price":3}', 'text/plain'],
    ];
    for (const [body, type] of bad) {
      const res = await patch(`${url}/catalogue/${HOLY}`, body, type);
      assert.equal(res.status, 400, body);
      assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8', body);
      const error = (await res.json()) as { error: string; status_code: number };
      assert.equal(error.status_code, 400);
      assert.ok(error.error.length > 0);
    }
    const holy = await json<SockJson>(`/catalogue/${HOLY}`);
    assert.deepEqual([holy.price, holy.count], [99.99, 1]);
  });

  void it('refuses oversized bodies and unknown ids', async () => {
    const huge = await patch(
      `${url}/catalogue/${HOLY}`,
      JSON.stringify({ price: 1, pad: 'x'.repeat(200_000) }),
    );
    assert.equal(huge.status, 413);
    assert.equal(((await huge.json()) as { status_code: number }).status_code, 413);
    const missing = await patch(`${url}/catalogue/nope`, '{"price":1}');
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: string }).error, 'no sock with id nope');
    assert.equal((await fetch(`${url}/health`)).status, 200);
  });
});

void describe('catalogue with the cache off', () => {
  void it('reads the store every time when CATALOGUE_CACHE_TTL_MS is 0', async () => {
    const { service, url } = await start({ CATALOGUE_CACHE_TTL_MS: '0' });
    try {
      await fetch(`${url}/tags`);
      await fetch(`${url}/tags`);
      const text = await (await fetch(`${url}/metrics`)).text();
      assert.equal(metric(text, 'catalogue_cache_hits_total'), 0, 'TTL 0 disables the cache');
    } finally {
      await service.server.close();
    }
  });
});

void describe('large generated catalogue', () => {
  let service: RunnableService;
  let url: string;
  const json = async <T>(path: string) => (await (await fetch(url + path)).json()) as T;

  before(
    async () =>
      ({ service, url } = await start({ CATALOGUE_EXTRA_SOCKS: '10000', CATALOGUE_POOL_SIZE: '4' })),
  );
  after(async () => {
    await service.server.close();
  });

  void it('adds 10,000 varied socks and leaves the seed and tags unchanged', async () => {
    assert.deepEqual(await json('/catalogue/size'), { size: 10009, err: null });
    const holy = await json<SockJson>(`/catalogue/${HOLY}`);
    assert.deepEqual([holy.name, holy.price, holy.count, holy.tag], ['Holy', 99.99, 1, ['magic', 'action']]);
    assert.equal((await json<{ tags: string[] }>('/tags')).tags.length, 11);
    const page = await json<SockJson[]>('/catalogue?page=37&size=100');
    assert.equal(page.length, 100);
    const ids = page.map((s) => s.id);
    assert.deepEqual(ids, [...ids].sort());
    assert.ok(new Set(page.map((s) => s.name)).size === 100);
    assert.ok(new Set(page.map((s) => s.description)).size > 20);
    assert.ok(new Set(page.map((s) => s.price)).size > 50);
    for (const sock of page) {
      assert.ok(sock.name.length <= 20 && sock.description.length <= 200 && sock.tag.length >= 1);
    }
  });

  void it('is deterministic across instances', async () => {
    const other = await start({ CATALOGUE_EXTRA_SOCKS: '10000' });
    try {
      const a = await json<SockJson[]>('/catalogue?page=5&size=50');
      const b = (await (await fetch(`${other.url}/catalogue?page=5&size=50`)).json()) as SockJson[];
      assert.deepEqual(a, b);
    } finally {
      await other.service.server.close();
    }
  });

  void it('searches the whole catalogue and counts matches', async () => {
    const { size } = await json<{ size: number }>('/catalogue/size?q=merino');
    assert.ok(size > 100 && size < 10009, `merino matches ${size}`);
    const hits = await json<SockJson[]>('/catalogue?q=MERINO&size=20&tags=geek');
    assert.ok(hits.length > 0);
    for (const sock of hits) {
      assert.match(`${sock.name} ${sock.description}`.toLowerCase(), /merino/);
      assert.deepEqual(sock.tag, ['geek']);
    }
    assert.match(await (await fetch(`${url}/metrics`)).text(), /worker_pool_size\{pool="catalogue-db"\} 4/);
  });
});
