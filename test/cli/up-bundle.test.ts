/**
 * What `npm start` runs: the built CLI bundle (dist/cli/index.js) brings the shop up, and a request
 * that crosses the mesh (storefront → front-end → catalogue and carts) is answered. The other
 * platform tests run the TypeScript sources, where a dependency loads as Node loads it; only this one
 * sees the bundler's module interop (a mesh edge once failed every request there and nowhere else).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, it } from 'node:test';

const CLI = join(import.meta.dirname, '../../dist/cli/index.js');
const home = mkdtempSync(join(tmpdir(), 'cli-up-'));
after(() => rmSync(home, { recursive: true, force: true }));

it(
  'the built CLI brings the shop up and serves the storefront through the mesh',
  { skip: !existsSync(CLI) && 'no build' },
  async () => {
    const lab = spawn(process.execPath, [CLI, 'up', '--port', '18179', '--no-telemetry', '--home', home], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    lab.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => lab.once('exit', resolve));
    try {
      const storefront = await new Promise<string>((resolve, reject) => {
        createInterface({ input: lab.stdout }).on('line', (line) => {
          const url = /is up at (http:\/\/\S+?)\/? /.exec(line)?.[1];
          if (url) resolve(url);
        });
        void exited.then((code) => reject(new Error(`up exited (${code}): ${stderr}`)));
      });

      const socks = await fetch(`${storefront}/catalogue?size=3`);
      assert.equal(socks.status, 200);
      assert.equal(((await socks.json()) as unknown[]).length, 3);

      const cart = await fetch(`${storefront}/cart`);
      assert.equal(cart.status, 200);
      assert.ok(Array.isArray(await cart.json()));
    } finally {
      lab.kill('SIGINT');
      assert.equal(await exited, 0, stderr);
    }
  },
);
