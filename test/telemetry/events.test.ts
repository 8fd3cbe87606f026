import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventRecorder } from '../../src/platform/local/events.js';
import type { EventFilter, KubeEvent } from '../../src/platform/types.js';
import { EventCollector, EventLog, EventQueryError } from '../../src/telemetry/events/index.js';

const T0 = Date.parse('2026-01-01T10:00:00.000Z');

describe('event log fed by the platform’s event recorder', () => {
  let now = T0;
  // The local platform's real recorder, with a short TTL so that it forgets while the log keeps.
  const recorder = new EventRecorder('sock-shop', () => now, 60_000);
  let calls: EventFilter[] = [];
  const platform = {
    listEvents: async (filter?: EventFilter) => {
      calls.push(filter ?? {});
      return recorder.list(filter);
    },
  };
  const log = new EventLog();
  const collector = new EventCollector({ platform, log });
  const backOff = {
    type: 'Warning' as const,
    reason: 'BackOff',
    message: 'Back-off restarting failed container carts in pod carts-abc12-x1y2z',
    involvedObject: { kind: 'Pod' as const, name: 'carts-abc12-x1y2z', fieldPath: 'spec.containers{carts}' },
    source: { component: 'kubelet', host: 'lab' },
  };

  it('keeps one entry per event and follows its count as the platform folds repeats', async () => {
    recorder.record({
      ...backOff,
      type: 'Normal',
      reason: 'Scheduled',
      message: 'Successfully assigned sock-shop/carts-abc12-x1y2z to lab',
      source: { component: 'default-scheduler' },
    });
    recorder.record(backOff);
    await collector.pollOnce();
    now += 10_000;
    recorder.record(backOff);
    recorder.record(backOff);
    await collector.pollOnce();
    await collector.pollOnce();
    assert.equal(log.size, 2);
    const [latest] = log.query({ reason: 'BackOff' });
    assert.equal(latest.count, 3);
    assert.equal(latest.firstTimestamp, new Date(T0).toISOString());
    assert.equal(latest.lastTimestamp, new Date(T0 + 10_000).toISOString());
    assert.deepEqual(calls[0], {});
    assert.equal(calls[1]?.since, new Date(T0 - 5000).toISOString());
  });

  it('keeps events the platform has expired', async () => {
    now += 120_000;
    recorder.record({ ...backOff, reason: 'Killing', type: 'Normal', message: 'Stopping container carts' });
    calls = [];
    await collector.pollOnce();
    assert.equal(recorder.list().length, 1);
    assert.deepEqual(
      log.query().map((e) => e.reason),
      ['Killing', 'BackOff', 'Scheduled'],
    );
  });

  it('queries by object, reason, type, time and text, newest first', () => {
    assert.deepEqual(
      log.query({ type: 'Warning' }).map((e) => e.reason),
      ['BackOff'],
    );
    assert.deepEqual(
      log
        .query({ kind: 'Pod', name: 'carts-abc12-x1y2z', reason: ['Killing', 'Scheduled'] })
        .map((e) => e.reason),
      ['Killing', 'Scheduled'],
    );
    assert.deepEqual(log.query({ name: 'orders-1' }), []);
    assert.deepEqual(
      log.query({ since: T0 + 5000, until: new Date(T0 + 60_000).toISOString() }).map((e) => e.reason),
      ['BackOff'],
    );
    assert.deepEqual(
      log.query({ text: 'SUCCESSFULLY ASSIGNED' }).map((e) => e.reason),
      ['Scheduled'],
    );
    assert.equal(log.query({ limit: 1 }).length, 1);
    assert.throws(() => log.query({ since: 'last tuesday' }), EventQueryError);
  });

  it('summarises occurrences by type and reason', () => {
    assert.deepEqual(log.summarize(), {
      total: 5,
      byType: { Normal: 2, Warning: 3 },
      byReason: { Killing: 1, BackOff: 3, Scheduled: 1 },
    });
  });
});

describe('event log dedupe', () => {
  const event = (count: number, last: string): KubeEvent => ({
    name: 'front-end.1a2b',
    type: 'Warning',
    reason: 'Unhealthy',
    message: 'Readiness probe failed: HTTP probe failed with statuscode: 503',
    involvedObject: { kind: 'Pod', name: 'front-end-1' },
    source: { component: 'kubelet' },
    count,
    firstTimestamp: '2026-01-01T10:00:00Z',
    lastTimestamp: last,
  });

  it('ignores repeats and stale versions, and compares second- and millisecond-resolution times as times', () => {
    const log = new EventLog();
    assert.equal(log.record([event(2, '2026-01-01T10:00:05Z')]), 1);
    assert.equal(log.record([event(2, '2026-01-01T10:00:05Z')]), 0);
    assert.equal(log.record([event(1, '2026-01-01T10:00:00Z')]), 0);
    assert.equal(log.record([event(3, '2026-01-01T10:00:05.500Z')]), 1);
    assert.equal(log.query()[0]?.count, 3);
  });

  it('copies what it stores, so the platform updating its object in place changes nothing', () => {
    const log = new EventLog();
    const live = event(1, '2026-01-01T10:00:00Z');
    log.record([live]);
    live.count = 9;
    assert.equal(log.query()[0]?.count, 1);
    assert.equal(log.record([live]), 1);
  });

  it('is bounded, dropping the least recently changed', () => {
    const log = new EventLog(2);
    for (const name of ['a', 'b', 'c']) log.record([{ ...event(1, '2026-01-01T10:00:00Z'), name }]);
    assert.deepEqual(
      log
        .query()
        .map((e) => e.name)
        .sort(),
      ['b', 'c'],
    );
  });
});
