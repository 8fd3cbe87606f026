import assert from 'node:assert/strict';
import { test } from 'node:test';
import { missedUpdate } from '../../src/agent/detect.js';

/** Ages in seconds ago. */
const replica = (
  pod: string,
  startedAgoS: number,
  lastUpdateAgoS = Infinity,
  lastInvalidationAgoS = lastUpdateAgoS,
) => ({
  pod,
  startedAgoS,
  lastUpdateAgoS,
  lastInvalidationAgoS,
});

test('missedUpdate: a replica started before the update that never dropped its cache is stale', () => {
  // the update came 3 s after both replicas started: before their first scrape, as a fault's rollout does
  const r = [replica('a', 30, 27), replica('b', 30)];
  assert.deepEqual(missedUpdate(r), { updateAgoS: 27, updated: ['a'], stale: ['b'] });
});

test('missedUpdate: every replica invalidated, or one started after the update, is not a miss', () => {
  assert.equal(missedUpdate([replica('a', 300, 20), replica('b', 300, 20.2)]), undefined);
  assert.equal(missedUpdate([replica('a', 300, 20), replica('b', 10)]), undefined);
});

test('missedUpdate: a flush after the update clears the miss', () => {
  assert.equal(missedUpdate([replica('a', 300, 20), replica('b', 300, Infinity, 5)]), undefined);
});

test('missedUpdate: an update older than the cache TTL is history; no update at all is nothing', () => {
  const r = [replica('a', 900, 120), replica('b', 900)];
  assert.equal(missedUpdate(r, 60_000), undefined);
  assert.deepEqual(missedUpdate(r, 600_000)?.stale, ['b']);
  assert.equal(missedUpdate([replica('a', 900), replica('b', 900)]), undefined);
});
