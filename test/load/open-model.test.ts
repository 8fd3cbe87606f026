/**
 * The open model times each journey from its scheduled start: waiting in a queue (at a slow
 * server, or behind a stalled generator) is part of the latency, not hidden by coordinated omission.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { validateProfile } from '../../src/load/profile.js';
import { startLoad } from '../../src/load/runner.js';
import { startFixture, startSerialFixture, type Fixture } from './fixture-server.js';

const oneRequest = validateProfile({
  name: 'one',
  journeys: [{ name: 'get', steps: [{ request: 'GET /' }] }],
});

describe('open model', () => {
  let slow: Fixture;
  let fast: Fixture;
  before(async () => {
    slow = await startSerialFixture(40);
    fast = await startFixture((_req, res) => res.end('ok'));
  });
  after(async () => {
    await slow.close();
    await fast.close();
  });

  it('counts the queueing at a slow server: latency runs from the scheduled start', async () => {
    // 10 arrivals 20 ms apart at a server that serves one request per 40 ms (or slower):
    // the last completion is at least 10·40 ms after the first arrival, and every arrival is
    // scheduled at most 9·20 ms after the first, so some latency is at least 400 − 180 = 220 ms.
    const run = startLoad({ host: slow.url, profile: oneRequest, rate: 50, iterations: 10, connections: 4 });
    const final = await run.done;
    assert.equal(final.model, 'open');
    assert.equal(final.aggregated.requests, 10);
    assert.equal(final.aggregated.failures, 0);
    assert.equal(final.arrivals?.scheduled, 10);
    assert.equal(final.arrivals?.dropped, 0);
    assert.ok(final.aggregated.maxMs >= 220, `max ${final.aggregated.maxMs} ms`);
    assert.ok(final.aggregated.minMs >= 40, `min ${final.aggregated.minMs} ms`);
  });

  it('counts a stalled generator: arrivals started late keep their scheduled start', async () => {
    let stalled = false;
    const latencies: number[] = [];
    const run = startLoad({
      host: fast.url,
      profile: oneRequest,
      rate: 100,
      iterations: 20,
      onRequest: (record) => {
        latencies.push(record.latencyMs);
        if (!stalled) {
          // Block the event loop for 300 ms: arrivals due meanwhile cannot start on time.
          stalled = true;
          const until = performance.now() + 300;
          while (performance.now() < until);
        }
      },
    });
    const final = await run.done;
    assert.equal(final.aggregated.requests, 20);
    assert.ok((final.arrivals?.late ?? 0) > 0, 'late arrivals counted');
    // The arrival due 10 ms after the first one was started ≥ 290 ms late.
    assert.ok(Math.max(...latencies) >= 250, `max latency ${Math.max(...latencies)} ms`);
  });

  it('drops arrivals beyond the in-flight bound and counts them', async () => {
    const run = startLoad({ host: slow.url, profile: oneRequest, rate: 200, iterations: 10, maxInFlight: 2 });
    const final = await run.done;
    const arrivals = final.arrivals!;
    // `iterations` counts journeys started; dropped arrivals come on top.
    assert.equal(arrivals.started, 10);
    assert.ok(arrivals.dropped > 0, 'some arrivals dropped');
    assert.equal(arrivals.scheduled, arrivals.started + arrivals.dropped);
    assert.equal(final.aggregated.requests, 10);
  });
});
