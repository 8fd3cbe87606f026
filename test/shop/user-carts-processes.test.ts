/** user and carts as real processes: they start on PORT, answer /health, end cleanly on SIGTERM. */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForHealth(url: string, child: ChildProcess): Promise<Response> {
  for (let attempt = 0; attempt < 150; attempt++) {
    if (child.exitCode !== null) assert.fail(`process exited early with ${child.exitCode}`);
    try {
      return await fetch(url);
    } catch {
      await sleep(100);
    }
  }
  return assert.fail(`${url} never answered`);
}

const children = new Set<ChildProcess>();
after(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

const SERVICES: Array<[string, string[], string]> = [
  ['user', ['user', 'user-db'], 'application/hal+json'],
  ['carts', ['carts', 'carts-db'], 'application/json;charset=UTF-8'],
];

void describe('user and carts processes', () => {
  for (const [name, checks, contentType] of SERVICES) {
    void it(`${name} starts, reports health and stops cleanly on SIGTERM`, async () => {
      const port = await freePort();
      const child = spawn(process.execPath, ['--import', 'tsx', `src/shop/${name}/main.ts`], {
        env: { ...process.env, PORT: String(port), LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      children.add(child);
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const res = await waitForHealth(`http://127.0.0.1:${port}/health`, child);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), contentType);
      const body = (await res.json()) as { health: Array<{ service: string; status: string }> };
      assert.deepEqual(
        body.health.map((h) => [h.service, h.status]),
        checks.map((c) => [c, 'OK']),
      );
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code, signal] = (await exited) as [number | null, string | null];
      assert.equal(signal, null, stderr);
      assert.equal(code, 0, stderr);
      await assert.rejects(fetch(`http://127.0.0.1:${port}/health`));
    });
  }

  void it('a bad configuration ends the process with one clear line', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/shop/user/main.ts'], {
      env: { ...process.env, PORT: '0', USER_POOL_SIZE: 'lots' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.add(child);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 1);
    assert.equal(stderr.trim(), 'user: cannot start: USER_POOL_SIZE must be a number, got "lots"');
  });
});
