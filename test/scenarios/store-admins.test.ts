/**
 * The store admins a scenario run gives the fault primitives (src/scenarios/lab-store-admins.ts):
 * found from the services' store environment, reached through the store pods' Services of a real
 * local platform (PGlite catalogue-db, session-server session-db), and driving `store-index-drop`
 * and `store-kv-config` inject and revert. Outside servers (the machine's MariaDB and Redis) are
 * reached at their own URL when they run; an in-process store has no admin and its fault says so.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import { storeIndexDrop, storeKvConfig } from '../../src/faults/store-config.js';
import type { FaultContext } from '../../src/faults/types.js';
import { LocalPlatform } from '../../src/platform/local/platform.js';
import { storeBackends } from '../../src/platform/store-pods.js';
import { shopTopology } from '../../src/platform/topology.js';
import type { Platform } from '../../src/platform/types.js';
import { labStoreAdmins, labStoreUrl, type LabStoreAdmins } from '../../src/scenarios/lab-store-admins.js';
import { openMysqlCatalogue } from '../../src/stores/catalogue/mysql.js';
import { catalogueSeed } from '../../src/stores/catalogue/seed.js';
import { FAST, tempHome } from '../platform/helpers.js';

/** Runs one primitive's prepare → apply → revert the way the engine does. */
async function injectAndRevert<P, R extends object>(
  primitive: {
    params: { parse(v: unknown): P };
    prepare(c: FaultContext, p: P, id: string): Promise<R>;
    apply(c: FaultContext, p: P, r: R): Promise<void>;
    revert(c: FaultContext, p: P, r: R): Promise<void>;
  },
  ctx: FaultContext,
  raw: unknown,
  during: () => Promise<void>,
): Promise<void> {
  const params = primitive.params.parse(raw);
  const record = await primitive.prepare(ctx, params, 'step');
  await primitive.apply(ctx, params, record);
  await during();
  await primitive.revert(ctx, params, record);
}

/** A platform that only knows deployments' env (outside-server cases: no Services). */
function envOnlyPlatform(envs: Record<string, Record<string, string>>): Platform {
  return {
    getDeployment: async (name: string) =>
      envs[name] ? { name, template: { container: { env: envs[name] } } } : undefined,
    getService: async () => undefined,
  } as unknown as Platform;
}

async function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.setTimeout(1000);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

describe('store admins on the lab store pods (PGlite catalogue-db, session server)', () => {
  let home: string;
  let platform: LocalPlatform;
  let admins: LabStoreAdmins;
  let ctx: FaultContext;
  before(async () => {
    home = tempHome();
    platform = await LocalPlatform.start({ home, timings: FAST, sampleIntervalMs: 250 });
    const names = ['catalogue', 'catalogue-db', 'front-end', 'session-db'];
    const { deployments } = shopTopology({
      mode: 'tsx',
      anyPorts: true,
      stores: storeBackends(),
      dataDir: join(home, 'stores'),
    });
    await platform.apply(
      deployments
        .filter((d) => names.includes(d.name))
        .map((d) => ({ ...d, calls: d.calls?.filter((c) => names.includes(c)) })),
    );
    await platform.waitAllReady(120_000);
    admins = await labStoreAdmins(platform);
    ctx = { platform, stores: admins.stores, runId: 'test' };
  });
  after(async () => {
    await admins?.close();
    await platform?.shutdown(2);
    rmSync(home, { recursive: true, force: true });
  });

  it('resolves each store to its Service address, not the in-pod host name', async () => {
    const catalogue = new URL((await labStoreUrl(platform, 'catalogue-db', 'catalogue'))!);
    const service = (await platform.getService('catalogue-db'))!;
    assert.equal(catalogue.protocol, 'postgres:');
    assert.equal(catalogue.hostname, service.clusterIP);
    assert.equal(Number(catalogue.port), service.ports[0].port);
    const sessions = new URL((await labStoreUrl(platform, 'session-db', 'front-end'))!);
    assert.equal(sessions.protocol, 'redis:');
    assert.equal(Number(sessions.port), (await platform.getService('session-db'))!.ports[0].port);
    assert.deepEqual(Object.keys(admins.stores.searchIndex ?? {}), ['catalogue-db']);
    assert.deepEqual(Object.keys(admins.stores.keyValue ?? {}), ['session-db']);
  });

  it('store-index-drop drops the catalogue search index and its revert re-creates it', async () => {
    const index = admins.stores.searchIndex!['catalogue-db'];
    assert.equal(await index.searchIndexExists(), true, 'the catalogue built its index at start');
    await injectAndRevert(storeIndexDrop, ctx, { store: 'catalogue-db' }, async () => {
      assert.equal(await index.searchIndexExists(), false);
      // the shop still answers searches (by a full scan) while the index is gone
      const port = (await platform.getService('catalogue'))!.ports[0].port;
      const res = await fetch(`http://127.0.0.1:${port}/catalogue?q=holy`);
      assert.equal(res.status, 200);
      assert.ok(((await res.json()) as unknown[]).length >= 1);
    });
    assert.equal(await index.searchIndexExists(), true);
  });

  it('store-kv-config sets the session server config and its revert restores it', async () => {
    const kv = admins.stores.keyValue!['session-db'];
    const before = await kv.getConfig('maxmemory-policy');
    assert.ok(before, 'CONFIG GET answers');
    const target = before === 'allkeys-lru' ? 'volatile-ttl' : 'allkeys-lru';
    await injectAndRevert(
      storeKvConfig,
      ctx,
      { store: 'session-db', config: { 'maxmemory-policy': target } },
      async () => assert.equal(await kv.getConfig('maxmemory-policy'), target),
    );
    assert.equal(await kv.getConfig('maxmemory-policy'), before);
    assert.equal(await kv.getConfig('no-such-setting'), undefined);
  });

  it('close() ends the connections and a later call opens them again', async () => {
    await admins.close();
    assert.equal(await admins.stores.searchIndex!['catalogue-db'].searchIndexExists(), true);
    assert.ok(await admins.stores.keyValue!['session-db'].getConfig('maxmemory'));
  });
});

describe('store admins for in-process and outside stores', () => {
  it('an in-process (memory) store has no admin, and its fault says so in one line', async () => {
    const admins = await labStoreAdmins(
      envOnlyPlatform({ catalogue: { CATALOGUE_DB_MODE: 'memory' }, 'front-end': {} }),
    );
    assert.equal(admins.stores.searchIndex, undefined);
    assert.equal(admins.stores.keyValue, undefined);
    const ctx = { platform: envOnlyPlatform({}), stores: admins.stores, runId: 't' };
    await assert.rejects(
      storeIndexDrop.prepare(ctx, storeIndexDrop.params.parse({}), 's'),
      /needs an admin connection to SQL store "catalogue-db"/,
    );
    await admins.close();
  });

  it('reaches a MariaDB catalogue at its own URL', async (t) => {
    const server = 'mysql://root@127.0.0.1:3306';
    if (!(await reachable(server))) return t.skip('no MariaDB on 127.0.0.1:3306');
    const database = `store_admins_${process.pid}`;
    const store = await openMysqlCatalogue({ url: `${server}/${database}` }, catalogueSeed());
    const admins = await labStoreAdmins(
      envOnlyPlatform({ catalogue: { CATALOGUE_DB_URL: `${server}/${database}` } }),
    );
    try {
      const index = admins.stores.searchIndex!['catalogue-db'];
      const ctx = { platform: envOnlyPlatform({}), stores: admins.stores, runId: 't' };
      await injectAndRevert(storeIndexDrop, ctx, {}, async () => {
        assert.equal(await index.searchIndexExists(), false);
      });
      assert.equal(await index.searchIndexExists(), true);
    } finally {
      await admins.close();
      await store.close();
      const conn = await mysql.createConnection(server);
      await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await conn.end();
    }
  });

  it('reads a real Redis session store config (read-only: the server is shared)', async (t) => {
    const url = 'redis://127.0.0.1:6379';
    if (!(await reachable(url))) return t.skip('no Redis on 127.0.0.1:6379');
    const admins = await labStoreAdmins(envOnlyPlatform({ 'front-end': { SESSION_DB_URL: url } }));
    try {
      assert.match((await admins.stores.keyValue!['session-db'].getConfig('maxmemory-policy'))!, /^[a-z-]+$/);
    } finally {
      await admins.close();
    }
  });
});
