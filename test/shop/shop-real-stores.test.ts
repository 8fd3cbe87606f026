/**
 * The shop on real servers of this machine: catalogue on MariaDB, users/carts/orders on
 * PostgreSQL, sessions on Redis, shipping/queue-master on RabbitMQ — each in a database (vhost)
 * of this run, dropped after. A slice of every service's contract through the front-end:
 * browse, register + login, cart, checkout → shipped; plus pool gauges and the data in the servers.
 * Skips with the reason when a server is not reachable. Then users, carts and orders on MongoDB.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import { Pool } from 'undici';
import { startShopCluster, type ShopCluster, type ShopServiceName } from '../helpers/shop-cluster.js';
import { registerCustomer, Shopper } from '../helpers/shopper.js';
import { eventually } from '../helpers/wait.js';
import { dropMongoDatabase, FERRETDB_BINARY, startFerretDb } from '../stores/documents-mongo-servers.js';
import { MongoStub } from '../stores/documents-mongo-stub.js';

const MARIADB = 'mysql://root@127.0.0.1:3306';
const POSTGRES = 'postgres://postgres@127.0.0.1:5432';
const REDIS = 'redis://127.0.0.1:6379';
const run = `sockshop_${randomBytes(4).toString('hex')}`;
const PG_DATABASES = {
  USER_DB_URL: `${run}_user`,
  CARTS_DB_URL: `${run}_carts`,
  ORDERS_DB_URL: `${run}_orders`,
};

async function pgAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: `${POSTGRES}/test` });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function mariadbAdmin<T>(work: (c: mysql.Connection) => Promise<T>): Promise<T> {
  const connection = await mysql.createConnection(MARIADB);
  try {
    return await work(connection);
  } finally {
    await connection.end();
  }
}

/** Why the real servers cannot be used, or undefined. */
async function unavailable(): Promise<string | undefined> {
  try {
    await mariadbAdmin((c) => c.query('SELECT 1'));
    await pgAdmin((c) => c.query('SELECT 1'));
    const redis = new Redis(REDIS, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
    } finally {
      redis.disconnect();
    }
    return undefined;
  } catch (error) {
    return `real servers unavailable: ${(error as Error).message.split('\n')[0]}`;
  }
}

/** Registers and logs in a new customer, fills the cart, checks out and waits for `shipped`. */
async function checkoutUntilShipped(
  cluster: ShopCluster,
  frontEnd: Pool,
): Promise<{ username: string; orderId: string }> {
  const username = `real_${randomBytes(3).toString('hex')}`;
  const [user, password] = await registerCustomer(frontEnd, username);
  const shopper = new Shopper(frontEnd);
  assert.equal((await shopper.login(user, password)).status, 200);
  const socks = JSON.parse((await shopper.send('GET', '/catalogue?size=3')).body) as Array<{ id: string }>;
  const sock = socks.find((s) => s.id !== '03fef6ac-1896-4ce8-bd69-b798f85c6e0b')!; // not the Holy sock (declined)
  assert.equal((await shopper.send('POST', '/cart', { json: { id: sock.id } })).status, 201);
  const cart = JSON.parse((await shopper.send('GET', '/cart')).body) as Array<{ itemId: string }>;
  assert.deepEqual(
    cart.map((i) => i.itemId),
    [sock.id],
  );
  const placed = await shopper.send('POST', '/orders');
  assert.equal(placed.status, 201, placed.body);
  const orderId = (JSON.parse(placed.body) as { id: string }).id;

  const orders = `${cluster.urls.orders!}/orders/${orderId}`;
  await eventually(
    async () => {
      const order = (await (await fetch(orders)).json()) as { status: string };
      return order.status === 'shipped' ? true : undefined;
    },
    20_000,
    'order shipped',
  );
  return { username, orderId };
}

/** The pool gauges of `stores` on their services' /metrics: a size, nobody waiting, no timeouts. */
async function assertPoolGauges(
  cluster: ShopCluster,
  stores: ReadonlyArray<readonly [ShopServiceName, string]>,
): Promise<void> {
  for (const [service, pool] of stores) {
    const text = await (await fetch(`${cluster.urls[service]!}/metrics`)).text();
    assert.match(text, new RegExp(`db_pool_size\\{pool="${pool}"\\} \\d+`), service);
    assert.match(text, new RegExp(`db_pool_waiting\\{pool="${pool}"\\} 0`), service);
    assert.match(text, new RegExp(`db_pool_acquire_timeouts_total\\{pool="${pool}"\\} 0`), service);
  }
}

const skip = await unavailable();

describe('the shop on MariaDB, PostgreSQL, Redis and RabbitMQ', { skip }, () => {
  let cluster: ShopCluster;
  let frontEnd: Pool;
  let previousBroker: string | undefined;

  before(async () => {
    await pgAdmin(async (c) => {
      for (const db of Object.values(PG_DATABASES)) await c.query(`CREATE DATABASE ${db}`);
    });
    previousBroker = process.env.SHOP_TEST_BROKER;
    process.env.SHOP_TEST_BROKER = 'rabbitmq';
    cluster = await startShopCluster({
      env: {
        CATALOGUE_DB_URL: `${MARIADB}/${run}`,
        ...Object.fromEntries(Object.entries(PG_DATABASES).map(([env, db]) => [env, `${POSTGRES}/${db}`])),
        SESSION_DB_URL: REDIS,
      },
    });
    frontEnd = new Pool(cluster.frontEndUrl);
  });

  after(async () => {
    await frontEnd?.close();
    await cluster?.stop();
    if (previousBroker === undefined) delete process.env.SHOP_TEST_BROKER;
    else process.env.SHOP_TEST_BROKER = previousBroker;
    await mariadbAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${run}`)).catch(() => undefined);
    await pgAdmin(async (c) => {
      for (const db of Object.values(PG_DATABASES))
        await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    });
  });

  it('runs with the broker and every store on a real server', () => {
    assert.deepEqual(cluster.skipped, {});
    assert.equal(cluster.vhost?.kind, 'rabbitmq');
  });

  it('browses the catalogue from MariaDB', async () => {
    const shopper = new Shopper(frontEnd);
    const list = await shopper.send('GET', '/catalogue?size=5');
    assert.equal(list.status, 200);
    assert.equal((JSON.parse(list.body) as unknown[]).length, 5);
    const size = await shopper.send('GET', '/catalogue/size?tags=brown');
    assert.deepEqual(JSON.parse(size.body), { size: 3, err: null });
    const tags = await mariadbAdmin((c) => c.query(`SELECT COUNT(*) AS n FROM ${run}.tag`));
    assert.ok(Number((tags[0] as Array<{ n: number }>)[0].n) > 0);
  });

  it('registers, logs in, fills the cart and checks out until the order is shipped', async () => {
    const { username } = await checkoutUntilShipped(cluster, frontEnd);
    const users = new pg.Client({ connectionString: `${POSTGRES}/${PG_DATABASES.USER_DB_URL}` });
    await users.connect();
    try {
      const { rows } = await users.query('SELECT username FROM customers WHERE username = $1', [username]);
      assert.equal(rows.length, 1);
    } finally {
      await users.end();
    }
  });

  it('keeps the front-end session in Redis', async () => {
    const shopper = new Shopper(frontEnd);
    await shopper.send('GET', '/cart');
    const stats = await cluster.frontEnd.sessions.stats();
    assert.ok(stats.keys > 0);
  });

  it('reports pool gauges for every store', async () => {
    await assertPoolGauges(cluster, [
      ['catalogue', 'catalogue-db'],
      ['user', 'user-db'],
      ['carts', 'carts-db'],
      ['orders', 'orders-db'],
      ['front-end', 'session-db'],
    ]);
  });
});

/**
 * Users, carts and orders on MongoDB, the rest as by default (catalogue and sessions in memory,
 * the embedded broker): on the server at TEST_MONGODB_URL, else on FerretDB when its binary is
 * here, else on the MongoDB wire stub — which checks the wiring from the environment through the
 * services to the driver, not MongoDB itself.
 */
const mongoServer = process.env.TEST_MONGODB_URL
  ? 'TEST_MONGODB_URL'
  : FERRETDB_BINARY
    ? 'FerretDB'
    : 'the MongoDB wire stub (no MongoDB server here)';

describe(`the shop with users, carts and orders on ${mongoServer}`, () => {
  const MONGO_DATABASES = {
    USER_DB_URL: `${run}_user`,
    CARTS_DB_URL: `${run}_carts`,
    ORDERS_DB_URL: `${run}_orders`,
  };
  let server: { url: string; stop(): Promise<void> };
  let cluster: ShopCluster;
  let frontEnd: Pool;
  const urlOf = (db: string) => `${server.url}/${db}`;

  before(async () => {
    const given = process.env.TEST_MONGODB_URL?.replace(/\/+$/, '');
    if (given) server = { url: given, stop: async () => undefined };
    else if (FERRETDB_BINARY) server = await startFerretDb();
    else {
      const stub = await MongoStub.start();
      server = { url: `mongodb://127.0.0.1:${stub.port}`, stop: () => stub.stop() };
    }
    cluster = await startShopCluster({
      env: Object.fromEntries(Object.entries(MONGO_DATABASES).map(([env, db]) => [env, urlOf(db)])),
    });
    frontEnd = new Pool(cluster.frontEndUrl);
  });

  after(async () => {
    await frontEnd?.close();
    await cluster?.stop();
    if (server) for (const db of Object.values(MONGO_DATABASES)) await dropMongoDatabase(urlOf(db));
    await server?.stop();
  });

  it('checks out until the order is shipped, with the data in MongoDB', async () => {
    assert.deepEqual(cluster.skipped, {});
    const { username, orderId } = await checkoutUntilShipped(cluster, frontEnd);
    const client = new MongoClient(server.url);
    try {
      const customer = await client
        .db(MONGO_DATABASES.USER_DB_URL)
        .collection('customers')
        .findOne({ username });
      assert.ok(customer, username);
      const order = await client
        .db(MONGO_DATABASES.ORDERS_DB_URL)
        .collection<{ _id: string; status: string }>('orders')
        .findOne({ _id: orderId });
      assert.equal(order?.status, 'shipped');
      assert.ok((await client.db(MONGO_DATABASES.CARTS_DB_URL).collection('carts').countDocuments()) > 0);
    } finally {
      await client.close();
    }
  });

  it('reports pool gauges for the MongoDB stores', async () => {
    await assertPoolGauges(cluster, [
      ['user', 'user-db'],
      ['carts', 'carts-db'],
      ['orders', 'orders-db'],
    ]);
  });
});
