/**
 * The built-in profiles over the whole shop started in-process. The original journey (spec §12)
 * runs green except POST /orders for the Holy sock, declined with 406 under the threshold of 100.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { builtinProfile } from '../../src/load/builtin-profiles.js';
import type { RequestRecord } from '../../src/load/journey.js';
import { startLoad } from '../../src/load/runner.js';
import { startShopCluster, type ShopCluster } from '../helpers/shop-cluster.js';

const HOLY = '03fef6ac-1896-4ce8-bd69-b798f85c6e0b';

describe('built-in profiles against the shop', () => {
  let cluster: ShopCluster;
  before(async () => {
    cluster = await startShopCluster();
  });
  after(async () => {
    await cluster?.stop();
  });

  it('original: nine requests per iteration; the only failures are the Holy-sock declines (406)', async () => {
    const orders: Array<{ sock: string; status: number; failure: string | undefined }> = [];
    const run = startLoad({
      host: cluster.frontEndUrl,
      profile: builtinProfile('original')!,
      users: 1,
      iterations: 27,
      seed: 7,
      onRequest: (r: RequestRecord) => {
        if (r.method === 'POST' && r.name === '/orders')
          orders.push({ sock: r.vars.id, status: r.status, failure: r.failure });
      },
    });
    const final = await run.done;
    assert.deepEqual(final.journeys, [{ name: 'load', started: 27, completed: 27, aborted: 0 }]);
    assert.equal(final.entries.length, 9);
    for (const entry of final.entries) assert.equal(entry.requests, 27, `${entry.method} ${entry.name}`);

    const holy = orders.filter((o) => o.sock === HOLY);
    assert.ok(holy.length > 0, 'the seed picks the Holy sock at least once');
    for (const o of orders) assert.equal(o.status, o.sock === HOLY ? 406 : 201, o.sock);
    const failing = final.entries.filter((e) => e.failures > 0);
    assert.deepEqual(
      failing.map((e) => [e.method, e.name, e.failuresByReason]),
      [['POST', '/orders', { 'HTTP 406': holy.length }]],
    );
    assert.equal(final.aggregated.failures, holy.length);
  });

  it('mixed: every journey runs, including the profile update against the user service', async () => {
    const run = startLoad({
      host: cluster.frontEndUrl,
      targets: { user: cluster.urls.user! },
      profile: builtinProfile('mixed')!,
      users: 1,
      iterations: 60,
      thinkTime: { min: 0, max: 0 },
      seed: 3,
    });
    const final = await run.done;
    assert.deepEqual(final.notices, []);
    const names = final.journeys.filter((j) => j.started > 0).map((j) => j.name);
    assert.deepEqual(names.sort(), [
      'browse',
      'cart',
      'checkout',
      'login',
      'order-history',
      'profile-update',
      'search',
    ]);
    for (const j of final.journeys) assert.equal(j.aborted, 0, j.name);
    // One user at a time: only declined checkouts of the Holy sock may fail.
    for (const e of final.entries.filter((x) => x.failures > 0)) {
      assert.deepEqual(
        [e.method, e.name, Object.keys(e.failuresByReason)],
        ['POST', '/orders', ['HTTP 406']],
      );
    }
    const patch = final.entries.find((e) => e.method === 'PATCH');
    assert.ok(patch && patch.requests > 0 && patch.failures === 0);
  });

  it('mixed without a user target skips the profile update with a notice', async () => {
    const run = startLoad({
      host: cluster.frontEndUrl,
      profile: builtinProfile('mixed')!,
      users: 1,
      iterations: 3,
    });
    const final = await run.done;
    assert.match(final.notices.join('\n'), /journey "profile-update" needs target "user".*skipped/);
    assert.ok(!final.journeys.some((j) => j.name === 'profile-update'));
  });
});
