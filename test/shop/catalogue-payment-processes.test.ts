/** catalogue, payment and payment-gateway as real processes: they start on PORT, answer /health, end on SIGTERM. */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { killAll, runToExit, startService } from '../helpers/process.js';

after(killAll);

const SERVICES: Array<[string, string[]]> = [
  ['catalogue', ['catalogue', 'catalogue-db']],
  ['payment', ['payment']],
  ['payment-gateway', ['payment-gateway']],
];

void describe('service processes', () => {
  for (const [name, checks] of SERVICES) {
    void it(`${name} starts, reports health and stops cleanly on SIGTERM`, async () => {
      const service = await startService(name);
      const res = await fetch(`${service.url}/health`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as { health: Array<{ service: string; status: string }> };
      assert.deepEqual(
        body.health.map((h) => [h.service, h.status]),
        checks.map((c) => [c, 'OK']),
      );
      assert.deepEqual(await service.stop(), { code: 0, signal: null }, service.stderr());
    });
  }

  void it('a bad setting ends the process with one clear line', async () => {
    const { code, stderr } = await runToExit('catalogue', { CATALOGUE_CACHE_TTL_MS: 'forever' });
    assert.equal(code, 1);
    assert.match(stderr, /catalogue: cannot start: CATALOGUE_CACHE_TTL_MS must be a number, got "forever"/);
  });
});
