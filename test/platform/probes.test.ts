/** The readiness probe loop: the kubelet's cadence for failures, a starting pod ready as soon as it listens. */
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProbeLoop, type ProbeResult } from '../../src/platform/local/probes.js';
import { freePort } from '../../src/platform/local/tcp-proxy.js';
import { until } from './helpers.js';

void test('a starting server is seen ready once it listens, not a probe period later; failures keep the cadence', async () => {
  const port = await freePort();
  const server = http.createServer((_req, res) => res.end('ok'));
  const results: ProbeResult[] = [];
  const loop = new ProbeLoop(
    { httpGet: { path: '/health' }, periodSeconds: 600 },
    () => ({ host: '127.0.0.1', port }),
    (result) => results.push(result),
    { startupPollMs: 20 },
  );
  loop.start();
  try {
    await until('the first scheduled run', () => results.length === 1);
    assert.equal(results[0].ok, false);
    assert.match(results[0].message!, /connect: connection refused/);
    await sleep(200);
    assert.equal(results.length, 1, 'the polls between scheduled runs report nothing while they fail');
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    await until(
      'the success of a poll, long before the next scheduled run',
      () => results.length === 2,
      60_000,
    );
    assert.deepEqual(results[1], { ok: true });
  } finally {
    loop.stop();
    await new Promise((resolve) => server.close(resolve));
  }
});
