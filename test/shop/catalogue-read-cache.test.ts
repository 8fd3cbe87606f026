import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReadCache } from '../../src/shop/catalogue/read-cache.js';
import { ShopMetrics } from '../../src/shop/common/metrics.js';

const invalidations = async (metrics: ShopMetrics) =>
  (await metrics.registry.metrics())
    .split('\n')
    .filter((line) => line.startsWith('catalogue_cache_invalidations_total{'));

test('read cache: invalidation counters exist at 0 from the start, so the first update shows in increase()', async () => {
  const metrics = new ShopMetrics('catalogue', 'go');
  const cache = new ReadCache({ ttlMs: 60_000, maxEntries: 10 }, metrics);
  assert.deepEqual(await invalidations(metrics), [
    'catalogue_cache_invalidations_total{reason="update"} 0',
    'catalogue_cache_invalidations_total{reason="flush"} 0',
  ]);
  cache.invalidate('update');
  assert.ok(
    (await invalidations(metrics)).includes('catalogue_cache_invalidations_total{reason="update"} 1'),
  );
});

test('read cache: serves cached values for the TTL and drops them on invalidation', async () => {
  let clock = 0;
  let loads = 0;
  const cache = new ReadCache(
    { ttlMs: 1000, maxEntries: 10 },
    new ShopMetrics('catalogue', 'go'),
    () => clock,
  );
  const load = async () => ++loads;
  assert.equal(await cache.read('get', 'a', load), 1);
  assert.equal(await cache.read('get', 'a', load), 1);
  clock = 1001;
  assert.equal(await cache.read('get', 'a', load), 2);
  cache.invalidate('update');
  assert.equal(await cache.read('get', 'a', load), 3);
});
