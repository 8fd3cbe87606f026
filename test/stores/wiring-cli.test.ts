/**
 * Bad store configuration on the real processes: `sockshop-lab up` and the service entry points
 * print one line saying what is wrong and what to change, exit 1, and show no stack trace.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs a TypeScript entry to its end; the lab's and services' own variables are cleared first. */
function run(
  entry: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/_(DB_URL|DB_MODE)$|^AMQP_URL$|^SOCKSHOP_/.test(k)),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, entry), ...args], {
    cwd: ROOT,
    env: { ...clean, PORT: '0', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    }),
  );
}

function assertOneLine(result: { code: number | null; stderr: string }, expected: string | RegExp): void {
  assert.equal(result.code, 1, result.stderr);
  const lines = result.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line, got:\n${result.stderr}`);
  if (typeof expected === 'string') assert.equal(lines[0], expected);
  else assert.match(lines[0], expected);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
}

describe('sockshop-lab up with a store plan that cannot work', () => {
  const home = () => mkdtempSync(join(tmpdir(), 'sockshop-lab-wiring-'));

  it('names the missing server binary and how to get it', async () => {
    const dir = home();
    try {
      const result = await run('src/cli/index.ts', ['up', '--home', dir, '--store', 'catalogue=local'], {
        PATH: '/usr/bin:/bin', // no /usr/sbin: no mariadbd
      });
      assertOneLine(
        result,
        'sockshop-lab: mariadbd not found: apt-get install mariadb-server, or use --stores embedded',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('asks for the URL variable of a url store', async () => {
    const dir = home();
    try {
      const result = await run('src/cli/index.ts', ['up', '--home', dir, '--stores', 'url'], {});
      assertOneLine(
        result,
        /^sockshop-lab: catalogue-db: url needs CATALOGUE_DB_URL \(e\.g\. CATALOGUE_DB_URL=mysql:\/\/root@127\.0\.0\.1:3306\/socksdb\)/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects an unknown backend in --store', async () => {
    const result = await run('src/cli/index.ts', ['up', '--store', 'catalogue=cloud'], {});
    assert.equal(result.code, 1);
    assert.match(result.stderr, /backend must be one of memory, embedded, local, url/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });
});

describe('services started against a store they cannot use', () => {
  it('catalogue: unreachable MariaDB', async () => {
    const result = await run('src/shop/catalogue/main.ts', [], {
      CATALOGUE_DB_URL: 'mysql://root@127.0.0.1:1/socksdb',
    });
    assertOneLine(
      result,
      'catalogue: cannot start: catalogue-db: cannot connect to mysql://root@127.0.0.1:1/socksdb (ECONNREFUSED) — is MariaDB/MySQL running? — set CATALOGUE_DB_URL',
    );
  });

  it('catalogue: wrong MariaDB credentials', async () => {
    const result = await run('src/shop/catalogue/main.ts', [], {
      CATALOGUE_DB_URL: 'mysql://nobody:wrong@127.0.0.1:3306/socksdb',
    });
    assertOneLine(
      result,
      /^catalogue: cannot start: catalogue-db: mysql:\/\/nobody:\*\*\*@127\.0\.0\.1:3306\/socksdb refused the credentials \(.*\) — check user and password in the URL — set CATALOGUE_DB_URL$/,
    );
  });

  it('user: a PostgreSQL role that does not exist', async () => {
    const result = await run('src/shop/user/main.ts', [], {
      USER_DB_URL: 'postgres://nobody@127.0.0.1:5432/test',
    });
    assertOneLine(result, /^user: cannot start: user-db: .*refused the credentials .* — set USER_DB_URL$/);
  });

  it('front-end: unreachable Redis', async () => {
    const result = await run('src/shop/front-end/main.ts', [], { SESSION_DB_URL: 'redis://127.0.0.1:1' });
    assertOneLine(
      result,
      'front-end: cannot start: session-db: cannot connect to redis://127.0.0.1:1 (ECONNREFUSED) — is Redis (or the embedded session server) running? — set SESSION_DB_URL',
    );
  });

  it('carts: embedded mode without the lab (no carts-db in SOCKSHOP_SERVICES)', async () => {
    const result = await run('src/shop/carts/main.ts', [], { CARTS_DB_MODE: 'embedded' });
    assertOneLine(
      result,
      /^carts: cannot start: carts-db: cannot resolve the host of postgres:\/\/postgres@carts-db\/postgres/,
    );
  });
});
