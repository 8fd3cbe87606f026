/**
 * The user, carts and orders stores on MongoDB: the same contract as on PostgreSQL
 * (documents-contract.ts), through the real driver, against
 *  - the wire stub (documents-mongo-stub.ts), always — it checks the stores' use of the driver,
 *    not MongoDB's semantics;
 *  - FerretDB (SQLite backend) started by the test when a `ferretdb` binary is on PATH or in
 *    ~/go/bin, and any server named by TEST_MONGODB_URL — skipped with the reason otherwise.
 * Also the selection by URL, the one-line errors and the pool gauges.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { ServiceDirectory } from '../../src/shop/common/upstream.js';
import { MongoCartStore, openMongoCartStore } from '../../src/stores/carts/mongo.js';
import { storeSelection } from '../../src/stores/config.js';
import { databaseOf } from '../../src/stores/mongo/client.js';
import { openCartStore, openOrderStore, openUserStore, resolveStoreUrl } from '../../src/stores/open.js';
import { MongoOrderStore, openMongoOrderStore } from '../../src/stores/orders/mongo.js';
import { MongoUserStore, openMongoUserStore } from '../../src/stores/users/mongo.js';
import { userSeed } from '../../src/stores/users/seed.js';
import { sample } from '../helpers/metrics-text.js';
import { eventually } from '../helpers/wait.js';
import { describeDocumentStores, type DocumentStores } from './documents-contract.js';
import {
  dropMongoDatabase,
  FERRETDB_BINARY,
  freePort,
  NO_FERRETDB,
  startFerretDb,
  type FerretDb,
} from './documents-mongo-servers.js';
import { MongoStub } from './documents-mongo-stub.js';
import { uniqueName } from './pods.js';

/** Opens the three stores in a database of their own on the server at `base` (no path), dropped afterwards. */
async function openMongo(base: string): Promise<DocumentStores> {
  const url = `${base}/${uniqueName('shop')}`;
  const users = await openMongoUserStore({ url }, userSeed());
  const carts = await openMongoCartStore({ url });
  const orders = await openMongoOrderStore({ url });
  return {
    users,
    carts,
    orders,
    cleanup: async () => {
      await Promise.all([users.close(), carts.close(), orders.close()]);
      await dropMongoDatabase(url);
    },
  };
}

let stub: MongoStub;
before(async () => {
  stub = await MongoStub.start();
});
after(async () => {
  await stub?.stop();
});

describeDocumentStores('the MongoDB wire stub', () => openMongo(`mongodb://127.0.0.1:${stub.port}`));

describe('FerretDB', { skip: FERRETDB_BINARY ? false : NO_FERRETDB }, () => {
  let ferret: FerretDb | undefined;
  before(async () => {
    ferret = await startFerretDb();
  });
  after(async () => {
    await ferret?.stop();
  });
  describeDocumentStores('FerretDB (SQLite)', () => openMongo(ferret!.url));
});

const REAL_MONGODB_URL = process.env.TEST_MONGODB_URL;
describe('a MongoDB server', { skip: REAL_MONGODB_URL ? false : 'TEST_MONGODB_URL is not set' }, () => {
  describeDocumentStores('MongoDB at TEST_MONGODB_URL', () =>
    openMongo(REAL_MONGODB_URL!.replace(/\/+$/, '')),
  );
});

describe('MongoDB selection and errors', () => {
  it('selects MongoDB for users, carts and orders by a mongodb: URL, and only for them', () => {
    for (const [kind, env] of [
      ['user-db', 'USER_DB_URL'],
      ['carts-db', 'CARTS_DB_URL'],
      ['orders-db', 'ORDERS_DB_URL'],
    ] as const) {
      for (const url of [
        'mongodb://127.0.0.1:27017/users',
        'mongodb+srv://u:p@cluster.example/users',
        'mongodb://u:p@h1:27017,h2:27018/users?replicaSet=rs0',
      ])
        assert.deepEqual(storeSelection(kind, { [env]: url }), {
          kind,
          mode: 'url',
          url,
          scheme: url.split(':')[0],
        });
    }
    assert.throws(
      () => storeSelection('session-db', { SESSION_DB_URL: 'mongodb://127.0.0.1:27017' }),
      /session-db: SESSION_DB_URL has scheme "mongodb:", expected one of redis:/,
    );
  });

  it('takes the database from the URL path, else the store default', () => {
    assert.equal(databaseOf('mongodb://127.0.0.1:27017/shop?authSource=admin'), 'shop');
    assert.equal(databaseOf('mongodb://u:p@h1:1,h2:2/shop'), 'shop');
    assert.equal(databaseOf('mongodb://127.0.0.1:27017'), undefined);
    assert.equal(databaseOf('mongodb://127.0.0.1:27017/?replicaSet=rs0'), undefined);
  });

  it('resolves a lab store name through the service directory, and keeps seed lists as they are', () => {
    const directory = new ServiceDirectory({ 'user-db': 'http://127.0.0.1:40001' });
    assert.equal(
      resolveStoreUrl('mongodb://app:pw@user-db:27017/users', directory),
      'mongodb://app:pw@127.0.0.1:40001/users',
    );
    const seedList = 'mongodb://h1:1,h2:2/users';
    assert.equal(resolveStoreUrl(seedList, directory), seedList);
  });

  it('opens the MongoDB stores through open.ts for a mongodb: URL', async () => {
    const base = `mongodb://127.0.0.1:${stub.port}/${uniqueName('open')}`;
    const ctx = { directory: new ServiceDirectory() };
    const users = await openUserStore(storeSelection('user-db', { USER_DB_URL: base }), userSeed(), ctx);
    const carts = await openCartStore(storeSelection('carts-db', { CARTS_DB_URL: base }), ctx);
    const orders = await openOrderStore(storeSelection('orders-db', { ORDERS_DB_URL: base }), ctx);
    try {
      assert.ok(users instanceof MongoUserStore);
      assert.ok(carts instanceof MongoCartStore);
      assert.ok(orders instanceof MongoOrderStore);
      assert.equal((await users.findCustomerByUsername('user'))?.id, '57a98d98e4b00679b4a830b2');
    } finally {
      await Promise.all([users.close(), carts.close(), orders.close()]);
    }
  });

  it('says in one line that the server is not running', async () => {
    const port = await freePort();
    await assert.rejects(
      openMongoUserStore({ url: `mongodb://127.0.0.1:${port}/users`, acquireTimeoutMs: 3000 }),
      {
        message: `user-db: cannot connect to mongodb://127.0.0.1:${port}/users (ECONNREFUSED) — is MongoDB (or FerretDB) running? — set USER_DB_URL`,
      },
    );
  });

  it('says in one line that the host does not resolve', async () => {
    await assert.rejects(
      openMongoOrderStore({
        url: 'mongodb://no-such-host.invalid:27017/orders',
        acquireTimeoutMs: 3000,
        envName: 'ORDERS_DB_URL',
      }),
      {
        message:
          /^orders-db: cannot resolve the host of mongodb:\/\/no-such-host\.invalid:27017\/orders \((ENOTFOUND|EAI_AGAIN)\) — check the host name — set ORDERS_DB_URL$/,
      },
    );
  });

  it('says in one line that the credentials were refused, without the password', async () => {
    stub.rejectLogins = true;
    try {
      await assert.rejects(
        openMongoCartStore({ url: stub.url('carts', 'nobody:s3cret@'), acquireTimeoutMs: 3000 }),
        (error: Error) => {
          assert.equal(
            error.message,
            `carts-db: mongodb://nobody:***@127.0.0.1:${stub.port}/carts refused the credentials (Authentication failed.) — check user and password in the URL — set CARTS_DB_URL`,
          );
          return true;
        },
      );
    } finally {
      stub.rejectLogins = false;
    }
  });

  it('reports pool size, connections in use, waiting callers and acquire timeouts', async () => {
    const registry = new Registry();
    const carts = await openMongoCartStore({
      url: stub.url(uniqueName('pool')),
      registry,
      poolSize: 2,
      acquireTimeoutMs: 300,
    });
    const gauge = async (series: string) => sample(await registry.metrics(), series);
    try {
      assert.equal(await gauge('db_pool_size{pool="carts-db"}'), 2);
      assert.equal(await gauge('db_pool_acquire_timeouts_total{pool="carts-db"}'), 0);
      stub.delayMs = 1500;
      // Two finds hold both connections; the other callers wait, and give up after 300 ms.
      const calls = Array.from({ length: 4 }, () =>
        carts.items('c1').then(
          () => 'ok',
          () => 'timeout',
        ),
      );
      await eventually(
        async () =>
          (await gauge('db_pool_connections{pool="carts-db",state="used"}')) === 2 ? true : undefined,
        5000,
        'both connections in use',
      );
      const outcomes = await Promise.all(calls);
      assert.ok(outcomes.includes('timeout'), String(outcomes));
      assert.ok((await gauge('db_pool_acquire_timeouts_total{pool="carts-db"}'))! >= 1);
      assert.equal(await gauge('db_pool_connections{pool="carts-db",state="used"}'), 0);
      assert.equal(await gauge('db_pool_waiting{pool="carts-db"}'), 0);
    } finally {
      stub.delayMs = 0;
      await carts.close();
    }
    assert.equal(await gauge('db_pool_size{pool="carts-db"}'), undefined);
  });
});
