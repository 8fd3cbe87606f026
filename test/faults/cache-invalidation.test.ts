/**
 * Issue #6: `cache-invalidation-break` injects and reverts on two real catalogue replicas (the shop's
 * catalogue service with its in-memory store, through its admin routes): one replica serves the new
 * price, the other its old one; the revert restores price, cache TTL and replicas.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FaultEngine } from '../../src/faults/engine.js';
import { podUrl } from '../../src/faults/shop-http.js';
import type { FaultContext } from '../../src/faults/types.js';
import { LocalPlatform } from '../../src/platform/local/platform.js';
import { storeBackends } from '../../src/platform/store-pods.js';
import { shopTopology } from '../../src/platform/topology.js';
import { FAST, get, tempHome } from '../platform/helpers.js';

describe('cache-invalidation-break on real catalogue replicas', () => {
  const SOCK = '03fef6ac-1896-4ce8-bd69-b798f85c6e0b';
  let platform: LocalPlatform;
  let home: string;
  let ctx: FaultContext;

  before(async () => {
    home = tempHome();
    platform = await LocalPlatform.start({ home, timings: FAST, sampleIntervalMs: 250 });
    const { deployments } = shopTopology({ mode: 'tsx', anyPorts: true, stores: storeBackends('memory') });
    await platform.apply(deployments.filter((d) => d.name === 'catalogue').map((d) => ({ ...d, calls: [] })));
    await platform.waitAllReady(120_000);
    ctx = { platform, runId: 'cache', extensions: { setEnv: platform.setEnv.bind(platform) } };
  });

  after(async () => {
    await platform?.shutdown(2);
    rmSync(home, { recursive: true, force: true });
  });

  /** The price each ready catalogue pod serves for the sock, sorted. */
  async function servedPrices(): Promise<number[]> {
    const pods = (await platform.listPods({ deployment: 'catalogue' })).filter(
      (p) => p.ready && !p.deletionTimestamp,
    );
    const prices = await Promise.all(
      pods.map(
        async (p) =>
          (JSON.parse((await get(`${podUrl(p)}/catalogue/${SOCK}`)).body) as { price: number }).price,
      ),
    );
    return prices.sort((a, b) => a - b);
  }

  it('one replica serves the new price, the other its cached old one; revert restores price, TTL and replicas', async () => {
    const [oldPrice] = await servedPrices();
    const engine = new FaultEngine(ctx, join(home, 'journal.json'));
    await engine.inject({
      id: 'stale',
      fault: 'cache-invalidation-break',
      params: { sock: SOCK, price: 99.99, ttl: '10m', replicas: 2 },
      atMs: 0,
    });
    const during = await platform.getDeployment('catalogue');
    assert.equal(during!.replicas, 2);
    assert.equal(during!.template.container.env?.CATALOGUE_CACHE_TTL_MS, '600000');
    assert.deepEqual(
      await servedPrices(),
      [oldPrice, 99.99].sort((a, b) => a - b),
    );
    assert.deepEqual(await engine.revertAll(), []);
    const restored = await platform.getDeployment('catalogue');
    assert.equal(restored!.replicas, 1);
    assert.equal(restored!.template.container.env?.CATALOGUE_CACHE_TTL_MS, undefined);
    assert.deepEqual(await servedPrices(), [oldPrice]);
  });
});
