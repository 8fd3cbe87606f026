/**
 * Bad store configuration gives one clear line (what is wrong, how to fix it), never a stack
 * trace: unknown schemes and modes, unreachable servers, wrong credentials, missing databases.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { catalogueSeed } from '../../src/stores/catalogue/seed.js';
import { openMysqlCatalogue } from '../../src/stores/catalogue/mysql.js';
import { openPostgresCatalogue } from '../../src/stores/catalogue/postgres.js';
import { localServerCommand, storeSelection } from '../../src/stores/config.js';
import { openPostgresUserStore } from '../../src/stores/users/postgres.js';

async function oneLine(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    const message = (error as Error).message;
    assert.equal(message.split('\n').length, 1, message);
    return message;
  }
  assert.fail('expected an error');
}

describe('store selection', () => {
  it('defaults, url implies url mode, bad scheme and mode are one line each', () => {
    assert.deepEqual(storeSelection('user-db', {}), { kind: 'user-db', mode: 'memory' });
    assert.equal(storeSelection('catalogue-db', { CATALOGUE_DB_MODE: 'embedded' }).mode, 'embedded');
    const sel = storeSelection('catalogue-db', { CATALOGUE_DB_URL: 'mysql://root@127.0.0.1:3306/socksdb' });
    assert.equal(sel.mode, 'url');
    assert.throws(
      () => storeSelection('catalogue-db', { CATALOGUE_DB_URL: 'mongodb://x' }),
      /^Error: catalogue-db: CATALOGUE_DB_URL has scheme "mongodb:", expected one of mysql:/,
    );
    assert.throws(
      () => storeSelection('user-db', { USER_DB_MODE: 'cloud' }),
      /USER_DB_MODE must be memory, embedded or url/,
    );
    assert.throws(() => storeSelection('session-db', { SESSION_DB_MODE: 'url' }), /needs SESSION_DB_URL/);
  });

  it('describes how to start each local server binary', () => {
    const pg = localServerCommand('user-db', '/tmp/x', 15432);
    assert.equal(pg.url, 'postgres://postgres@127.0.0.1:15432/postgres');
    assert.ok(pg.setup[0][0].endsWith('/initdb'));
    assert.equal(localServerCommand('session-db', '/tmp/r', 16379).command[0], 'redis-server');
  });
});

describe('unreachable or refused servers', () => {
  it('MariaDB refused connection', async () => {
    const message = await oneLine(
      openMysqlCatalogue(
        { url: 'mysql://root@127.0.0.1:1/socksdb', acquireTimeoutMs: 2000 },
        catalogueSeed(),
      ),
    );
    assert.equal(
      message,
      'catalogue-db: cannot connect to mysql://root@127.0.0.1:1/socksdb (ECONNREFUSED) — is MariaDB/MySQL running? — set CATALOGUE_DB_URL',
    );
  });

  it('MariaDB wrong credentials', async () => {
    const message = await oneLine(
      openMysqlCatalogue({ url: 'mysql://nobody:secret@127.0.0.1:3306/socksdb' }, catalogueSeed()),
    );
    assert.match(
      message,
      /^catalogue-db: mysql:\/\/nobody:\*\*\*@127\.0\.0\.1:3306\/socksdb refused the credentials \(.*\) — check user and password in the URL — set CATALOGUE_DB_URL$/,
    );
  });

  it('PostgreSQL refused connection and missing database', async () => {
    assert.equal(
      await oneLine(
        openPostgresUserStore({ url: 'postgres://postgres@127.0.0.1:1/test', acquireTimeoutMs: 2000 }),
      ),
      'user-db: cannot connect to postgres://postgres@127.0.0.1:1/test (ECONNREFUSED) — is PostgreSQL (or the embedded PGlite pod) running? — set USER_DB_URL',
    );
    assert.match(
      await oneLine(
        openPostgresCatalogue({ url: 'postgres://postgres@127.0.0.1:5432/no_such_db_x' }, catalogueSeed()),
      ),
      /^catalogue-db: postgres:\/\/postgres@127\.0\.0\.1:5432\/no_such_db_x: database "no_such_db_x" does not exist — create it or name an existing database in the URL — set CATALOGUE_DB_URL$/,
    );
  });
});
