import assert from 'node:assert/strict';
import { test } from 'node:test';
import { missedUpdate } from '../../src/agent/detect.js';

const NOW_MS = 1_000_000_000;
const nowS = NOW_MS / 1000;
const replica = (pod: string, startedS: number, lastUpdateS = 0, lastInvalidationS = lastUpdateS) => ({
  pod,
  startedS,
  lastUpdateS,
  lastInvalidationS,
});

test('missedUpdate: a replica started before the update that never dropped its cache is stale', () => {
  // the update came 3 s after both replicas started: before their first scrape, as a fault's rollout does
  const r = [replica('a', nowS - 30, nowS - 27), replica('b', nowS - 30)];
  assert.deepEqual(missedUpdate(r, NOW_MS), { updateS: nowS - 27, updated: ['a'], stale: ['b'] });
});

test('missedUpdate: every replica invalidated, or one started after the update, is not a miss', () => {
  assert.equal(
    missedUpdate([replica('a', nowS - 300, nowS - 20), replica('b', nowS - 300, nowS - 20.2)], NOW_MS),
    undefined,
  );
  assert.equal(
    missedUpdate([replica('a', nowS - 300, nowS - 20), replica('b', nowS - 10)], NOW_MS),
    undefined,
  );
});

test('missedUpdate: a flush after the update clears the miss', () => {
  const r = [replica('a', nowS - 300, nowS - 20), replica('b', nowS - 300, 0, nowS - 5)];
  assert.equal(missedUpdate(r, NOW_MS), undefined);
});

test('missedUpdate: an update older than the cache TTL is history; no update at all is nothing', () => {
  const r = [replica('a', nowS - 900, nowS - 120), replica('b', nowS - 900)];
  assert.equal(missedUpdate(r, NOW_MS, 60_000), undefined);
  assert.deepEqual(missedUpdate(r, NOW_MS, 600_000)?.stale, ['b']);
  assert.equal(missedUpdate([replica('a', nowS - 900), replica('b', nowS - 900)], NOW_MS), undefined);
});
