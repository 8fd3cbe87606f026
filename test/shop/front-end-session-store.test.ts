/** The embedded session store's Redis-like TTL, memory accounting and eviction policies. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { ServiceDirectory } from '../../src/shop/common/upstream.js';
import { frontEndConfigFromEnv } from '../../src/shop/front-end/config.js';
import { createFrontEndService } from '../../src/shop/front-end/server.js';
import { KEY_OVERHEAD_BYTES, MemorySessionStore } from '../../src/stores/sessions/memory.js';
import { RedisSessionStore } from '../../src/stores/sessions/redis.js';
import { SessionStoreFullError, type SessionData } from '../../src/stores/sessions/types.js';

const data = (customerId?: string): SessionData => ({
  cookie: { originalMaxAge: null, expires: null, httpOnly: true, path: '/' },
  ...(customerId ? { customerId } : {}),
});
const sizeOf = (sid: string, value: SessionData) =>
  KEY_OVERHEAD_BYTES + Buffer.byteLength(`sess:${sid}`) + Buffer.byteLength(JSON.stringify(value));

function clock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('memory session store', () => {
  it('stores, reads, destroys and accounts memory per key', async () => {
    const store = new MemorySessionStore({ activeExpireIntervalMs: 0 });
    await store.set('a', data('c1'));
    assert.deepEqual(await store.get('a'), data('c1'));
    let stats = await store.stats();
    assert.equal(stats.keys, 1);
    assert.equal(stats.memoryBytes, sizeOf('a', data('c1')));
    await store.set('a', data());
    assert.equal((await store.stats()).memoryBytes, sizeOf('a', data()));
    await store.destroy('a');
    stats = await store.stats();
    assert.deepEqual([stats.keys, stats.memoryBytes], [0, 0]);
    assert.equal(await store.get('a'), undefined);
  });

  it('expires lazily on access after the TTL, and touch restarts the TTL', async () => {
    const time = clock();
    const store = new MemorySessionStore({ ttlSeconds: 10, now: time.now, activeExpireIntervalMs: 0 });
    await store.set('a', data());
    await store.set('b', data());
    time.advance(8_000);
    await store.touch('b');
    time.advance(3_000);
    assert.equal(await store.get('a'), undefined);
    assert.ok(await store.get('b'));
    time.advance(10_000);
    assert.equal(await store.get('b'), undefined);
    const stats = await store.stats();
    assert.deepEqual([stats.keys, stats.expirations, stats.memoryBytes], [0, 2, 0]);
  });

  it('removes expired keys in the background (active expire cycle)', async () => {
    const store = new MemorySessionStore({ ttlSeconds: 1, activeExpireIntervalMs: 20 });
    try {
      for (let i = 0; i < 50; i++) await store.set(`s${i}`, data());
      const deadline = Date.now() + 5000;
      while ((await store.stats()).keys > 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      const stats = await store.stats();
      assert.deepEqual([stats.keys, stats.expirations], [0, 50]);
    } finally {
      await store.close();
    }
  });

  it('refuses writes over maxmemory with noeviction, with the Redis OOM message', async () => {
    const one = sizeOf('k0', data());
    const store = new MemorySessionStore({ maxmemoryBytes: one * 2, activeExpireIntervalMs: 0 });
    for (let i = 0; i < 3; i++) await store.set(`k${i}`, data()); // the check happens before the write, as in Redis
    await assert.rejects(store.set('k3', data()), SessionStoreFullError);
    await assert.rejects(store.set('k3', data()), /OOM command not allowed when used memory > 'maxmemory'/);
    assert.equal((await store.stats()).keys, 3);
  });

  it('evicts the least recently used key under allkeys-lru', async () => {
    const one = sizeOf('k0', data());
    const store = new MemorySessionStore({
      maxmemoryBytes: one * 3,
      policy: 'allkeys-lru',
      samples: 10,
      activeExpireIntervalMs: 0,
    });
    for (let i = 0; i < 3; i++) await store.set(`k${i}`, data());
    await store.get('k0'); // k1 is now the least recently used
    await store.set('k3', data()); // at the limit, not over: nothing evicted yet
    await store.set('k4', data());
    assert.equal(await store.get('k1'), undefined);
    assert.ok(await store.get('k0'));
    const stats = await store.stats();
    assert.equal(stats.evictions, 1);
    assert.ok(stats.memoryBytes <= one * 4);
  });

  it('evicts the key closest to expiry under volatile-ttl', async () => {
    const one = sizeOf('k0', data());
    const store = new MemorySessionStore({
      maxmemoryBytes: one * 2,
      policy: 'volatile-ttl',
      samples: 10,
      activeExpireIntervalMs: 0,
    });
    await store.set('long', data(), 1000);
    await store.set('short', data(), 10);
    await store.set('mid', data(), 500);
    await store.set('next', data(), 800);
    assert.equal(await store.get('short'), undefined);
    assert.ok(await store.get('long'));
  });

  it('cannot evict persistent keys under volatile-lru, and evicts any key under allkeys-random', async () => {
    const one = sizeOf('k0', data());
    const volatile = new MemorySessionStore({
      maxmemoryBytes: one,
      policy: 'volatile-lru',
      activeExpireIntervalMs: 0,
    });
    await volatile.set('k0', data(), 0);
    await volatile.set('k1', data(), 0);
    await assert.rejects(volatile.set('k2', data()), SessionStoreFullError);

    const random = new MemorySessionStore({
      maxmemoryBytes: sizeOf('k00', data()) * 2,
      policy: 'allkeys-random',
      activeExpireIntervalMs: 0,
    });
    for (let i = 0; i < 20; i++) await random.set(`k${String(i).padStart(2, '0')}`, data()); // equal sizes
    const stats = await random.stats();
    assert.equal(stats.keys, 3);
    assert.equal(stats.evictions, 17);
  });
});

describe('redis session store (the machine Redis on 6379)', () => {
  it('keeps connect-redis layout: JSON under sess-style keys with a TTL, touch and destroy', async () => {
    const prefix = `sess-test-${process.pid}-${Date.now()}:`;
    const store = new RedisSessionStore({ url: 'redis://127.0.0.1:6379', prefix, ttlSeconds: 60 });
    const raw = new Redis('redis://127.0.0.1:6379');
    try {
      await store.set('abc', data('c1'));
      assert.deepEqual(JSON.parse((await raw.get(`${prefix}abc`)) ?? 'null'), data('c1'));
      assert.ok((await raw.ttl(`${prefix}abc`)) > 55);
      await raw.expire(`${prefix}abc`, 5);
      await store.touch('abc');
      assert.ok((await raw.ttl(`${prefix}abc`)) > 55);
      assert.deepEqual(await store.get('abc'), data('c1'));
      await store.destroy('abc');
      assert.equal(await store.get('abc'), undefined);
      const stats = await store.stats();
      assert.ok(stats.memoryBytes > 0);
      assert.equal(typeof stats.policy, 'string');
    } finally {
      await raw.del(`${prefix}abc`);
      raw.disconnect();
      await store.close();
    }
  });

  it('backs the front-end when SESSION_STORE=redis: the md.sid session lands in Redis', async () => {
    const directory = new ServiceDirectory({
      user: 'http://127.0.0.1:1',
      'session-db': 'redis://127.0.0.1:6379',
    });
    const config = frontEndConfigFromEnv({ SESSION_STORE: 'redis', SESSION_TTL_SECONDS: '120' });
    const service = createFrontEndService({ ...config, upstreamTimeoutMs: 1000 }, { directory });
    const raw = new Redis('redis://127.0.0.1:6379');
    let key = '';
    try {
      const base = await service.server.listen(0);
      const res = await fetch(`${base}/customers`);
      const value = decodeURIComponent(
        /^md\.sid=([^;]+)/.exec(res.headers.getSetCookie()[0] ?? '')?.[1] ?? '',
      );
      key = `sess:${value.slice(2, value.lastIndexOf('.'))}`;
      const stored = JSON.parse((await raw.get(key)) ?? 'null') as SessionData;
      assert.equal(stored.cookie.path, '/');
      assert.ok((await raw.ttl(key)) > 100);
      const again = await fetch(`${base}/customers`, {
        headers: { cookie: `md.sid=${encodeURIComponent(value)}` },
      });
      assert.deepEqual(again.headers.getSetCookie(), []);
    } finally {
      if (key) await raw.del(key);
      raw.disconnect();
      await service.server.close();
      await service.stop?.();
    }
  });
});
