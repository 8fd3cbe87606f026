/**
 * Sessions over the Redis protocol, the same assertions against the embedded session server (a
 * real child process) and the machine's Redis: the connect-redis layout through the existing
 * ioredis session store, TTL expiry, SET options, eviction under maxmemory with allkeys-lru
 * (settings restored afterwards on the real server), and, for the embedded server, malformed
 * input, unknown commands and the redis_exporter-style metrics page.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { RedisSessionStore } from '../../src/stores/sessions/redis.js';
import { REAL_REDIS_URL, startPod, uniqueName, type Pod } from './pods.js';

let pod: Pod;
before(async () => {
  pod = await startPod('src/stores/session-server/main.ts', {
    METRICS_PORT: '0',
    POD_NAME: 'session-db-test',
  });
});
after(async () => {
  await pod?.stop();
});

const session = {
  cookie: { originalMaxAge: null, expires: null, httpOnly: true, path: '/' },
  customerId: 'c1',
};

for (const [name, url] of [
  ['embedded session server', () => String(pod.ready.url)],
  ['Redis', () => REAL_REDIS_URL],
] as const) {
  describe(`sessions on ${name}`, () => {
    let redis: Redis;
    let store: RedisSessionStore;
    const prefix = `${uniqueName('t')}:`;
    before(() => {
      redis = new Redis(url(), { lazyConnect: true });
      store = new RedisSessionStore({ url: url(), prefix });
    });
    after(async () => {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await store.close();
      redis.disconnect();
    });

    it('stores sessions as prefix+sid JSON with a TTL, and expires them', async () => {
      await store.set('abc', session, 1);
      assert.deepEqual(await store.get('abc'), session);
      assert.equal(JSON.parse((await redis.get(`${prefix}abc`))!).customerId, 'c1');
      const ttl = await redis.pttl(`${prefix}abc`);
      assert.ok(ttl > 0 && ttl <= 1000, String(ttl));
      await store.touch('abc', 1);
      await sleep(1200);
      assert.equal(await store.get('abc'), undefined);
      assert.ok((await store.stats()).expirations > 0);
    });

    it('answers SET options, EXISTS, TTL and DEL like Redis', async () => {
      const k = `${prefix}k`;
      assert.equal(await redis.set(k, 'v', 'EX', 100, 'NX'), 'OK');
      assert.equal(await redis.set(k, 'w', 'NX'), null);
      assert.equal(await redis.set(`${prefix}none`, 'w', 'XX'), null);
      assert.equal(await redis.set(k, 'w', 'PX', 5000, 'XX'), 'OK');
      assert.equal(await redis.get(k), 'w');
      assert.ok((await redis.ttl(k)) <= 5);
      assert.equal(await redis.setex(`${prefix}s`, 10, 'x'), 'OK');
      assert.equal(await redis.exists(k, `${prefix}s`, `${prefix}none`), 2);
      assert.equal(await redis.ttl(`${prefix}none`), -2);
      assert.equal(await redis.set(`${prefix}p`, 'x'), 'OK');
      assert.equal(await redis.ttl(`${prefix}p`), -1);
      assert.equal(await redis.expire(`${prefix}p`, 50), 1);
      assert.equal(await redis.del(k, `${prefix}s`, `${prefix}none`), 2);
      await assert.rejects(redis.call('NOSUCHCMD', 'x'), /unknown command/);
      await assert.rejects(redis.set(k, 'v', 'EX', 'abc'), /not an integer/);
      const [, keys] = await redis.scan('0', 'MATCH', `${prefix}*`, 'COUNT', 1000);
      assert.ok(keys.includes(`${prefix}p`));
    });

    it('evicts least recently used keys under maxmemory with allkeys-lru', async () => {
      const [, oldMax] = await redis.config('GET', 'maxmemory');
      const [, oldPolicy] = await redis.config('GET', 'maxmemory-policy');
      const used = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
      const evictedBefore = Number(/evicted_keys:(\d+)/.exec(await redis.info('stats'))![1]);
      try {
        await redis.config('SET', 'maxmemory-policy', 'allkeys-lru');
        await redis.config('SET', 'maxmemory', String(used + 200_000));
        const value = 'x'.repeat(1000);
        for (let i = 0; i < 1000; i++) await redis.set(`${prefix}e${i}`, value, 'EX', 60);
        const evicted = Number(/evicted_keys:(\d+)/.exec(await redis.info('stats'))![1]) - evictedBefore;
        assert.ok(evicted > 0, `evicted ${evicted}`);
        assert.ok((await redis.keys(`${prefix}e*`)).length < 1000);
        // LRU: recent keys outlive old ones (Redis samples keys, and other clients of the same server
        // may write meanwhile, so the property is checked on 100 keys at each end, not on one key)
        const alive = async (from: number) =>
          redis.exists(...Array.from({ length: 100 }, (_, i) => `${prefix}e${from + i}`));
        const [oldest, newest] = [await alive(0), await alive(900)];
        assert.ok(newest > oldest, `newest 100 keys alive: ${newest}, oldest 100: ${oldest}`);
      } finally {
        await redis.config('SET', 'maxmemory', oldMax);
        await redis.config('SET', 'maxmemory-policy', oldPolicy);
      }
    });
  });
}

describe('embedded session server robustness and metrics', () => {
  it('answers malformed input with an error, closes that connection, and keeps serving', async () => {
    const { hostname: host, port } = new URL(String(pod.ready.url));
    for (const garbage of ['*2\r\n$x\r\n', '*1\r\n:5\r\n', `*1\r\n$${2 ** 40}\r\n`]) {
      const reply = await new Promise<string>((resolve) => {
        const socket = connect(Number(port), host, () => socket.write(garbage));
        let text = '';
        socket.on('data', (d) => (text += d.toString()));
        socket.on('close', () => resolve(text));
      });
      assert.match(reply, /^-ERR Protocol error/);
    }
    const redis = new Redis(String(pod.ready.url));
    assert.equal(await redis.ping(), 'PONG');
    assert.equal(await redis.call('CLIENT', 'SETNAME', 'front-end'), 'OK');
    assert.equal(await redis.call('SELECT', '0'), 'OK');
    assert.deepEqual(await redis.config('GET', 'maxmemory-policy'), ['maxmemory-policy', 'noeviction']);
    redis.disconnect();
  });

  it('serves redis_exporter metric names', async () => {
    const text = await (await fetch(String(pod.ready.metricsUrl))).text();
    for (const name of [
      'redis_db_keys{db="db0"}',
      'redis_evicted_keys_total',
      'redis_expired_keys_total',
      'redis_memory_used_bytes',
      'redis_config_maxmemory',
    ]) {
      assert.ok(text.includes(`\n${name} `), name);
    }
    assert.match(text, /redis_evicted_keys_total [1-9]/);
  });
});
