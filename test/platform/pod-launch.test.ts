/**
 * The pod launcher (scripts/pod-launch.mjs, dist/pods/launch.mjs after a build): it runs a CommonJS
 * bundle as Node would, writes V8's code cache beside it on the first run, uses it on the next
 * without writing it again, and writes a new one when V8 rejects the cache it finds.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';

const LAUNCHER = join(import.meta.dirname, '../../scripts/pod-launch.mjs');
const work = mkdtempSync(join(tmpdir(), 'pod-launch-'));
after(() => rmSync(work, { recursive: true, force: true }));

const run = (bundle: string) => {
  const result = spawnSync(process.execPath, [LAUNCHER, bundle, 'extra'], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as Record<string, unknown>;
};

it('runs a CommonJS bundle with a code cache it writes once and renews when rejected', () => {
  const bundle = join(work, 'main.cjs');
  writeFileSync(
    bundle,
    [
      "const { join } = require('node:path');",
      'function work(n) { let s = 0; for (let i = 0; i < n; i++) s += i; return s; }',
      'console.log(JSON.stringify({ argv: process.argv.slice(1), file: __filename,',
      "  dir: __dirname, isModule: typeof module.exports === 'object', sum: work(10), joined: join('a', 'b') }));",
    ].join('\n'),
  );
  const expected = {
    argv: [bundle, 'extra'],
    file: bundle,
    dir: work,
    isModule: true,
    sum: 45,
    joined: 'a/b',
  };
  assert.deepEqual(run(bundle), expected);
  const cache = `${bundle}.cache`;
  const written = statSync(cache).mtimeMs;

  assert.deepEqual(run(bundle), expected);
  assert.equal(statSync(cache).mtimeMs, written, 'a cache V8 took is not written again');

  writeFileSync(cache, Buffer.from('not a code cache'));
  assert.deepEqual(run(bundle), expected);
  assert.notEqual(readFileSync(cache).toString(), 'not a code cache', 'a rejected cache is renewed');
});
