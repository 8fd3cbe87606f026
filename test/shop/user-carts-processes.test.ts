/** user and carts as real processes: they start on PORT, answer /health, end cleanly on SIGTERM. */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { killAll, runToExit, startService } from '../helpers/process.js';

after(killAll);

const SERVICES: Array<[string, string[], string]> = [
  ['user', ['user', 'user-db'], 'application/hal+json'],
  ['carts', ['carts', 'carts-db'], 'application/json;charset=UTF-8'],
];

void describe('user and carts processes', () => {
  for (const [name, checks, contentType] of SERVICES) {
    void it(`${name} starts, reports health and stops cleanly on SIGTERM`, async () => {
      const service = await startService(name);
      const res = await fetch(`${service.url}/health`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), contentType);
      const body = (await res.json()) as { health: Array<{ service: string; status: string }> };
      assert.deepEqual(
        body.health.map((h) => [h.service, h.status]),
        checks.map((c) => [c, 'OK']),
      );
      assert.deepEqual(await service.stop(), { code: 0, signal: null }, service.stderr());
      await assert.rejects(fetch(`${service.url}/health`));
    });
  }

  void it('a bad configuration ends the process with one clear line', async () => {
    const { code, stderr } = await runToExit('user', { USER_POOL_SIZE: 'lots' });
    assert.equal(code, 1);
    assert.equal(stderr.trim(), 'user: cannot start: USER_POOL_SIZE must be a number, got "lots"');
  });
});
