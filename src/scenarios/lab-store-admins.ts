/**
 * Admin connections to a lab's data stores, for the store fault primitives (`store-index-drop`,
 * `store-kv-config`): the catalogue's SQL database (its search index) and the Redis-speaking session
 * store (CONFIG GET/SET). Each is found the way the shop finds it — from the using service's store
 * environment — and reached through the store's Service when it is a lab pod (PGlite or a local
 * mariadbd/redis-server), or at its own URL when it is an outside server. Connections open on first
 * use, so a lab whose store runs in-process (memory) simply has no admin for it.
 */
import { Redis } from 'ioredis';
import type { KeyValueStoreAdmin, SearchIndexAdmin, StoreAdmins } from '../faults/types.js';
import type { Platform } from '../platform/types.js';
import type { CatalogueDialect } from '../stores/catalogue/sql.js';
import { storeSelection, type StoreKind } from '../stores/config.js';

export interface LabStoreAdmins {
  stores: StoreAdmins;
  close(): Promise<void>;
}

/** The store URL a service of the lab uses, with a lab Service host replaced by its address; undefined = in-process store. */
export async function labStoreUrl(
  platform: Platform,
  kind: StoreKind,
  service: string,
): Promise<string | undefined> {
  const env = (await platform.getDeployment(service))?.template.container.env ?? {};
  const selection = storeSelection(kind, legacySessionEnv(kind, env));
  if (selection.mode === 'memory') return undefined;
  const url = new URL(selection.url);
  const svc = await platform.getService(url.hostname);
  if (svc) {
    const port = svc.ports[0];
    if (!port) return undefined;
    url.hostname = svc.clusterIP;
    url.port = String(port.port);
  }
  return url.toString();
}

/** The front-end's older `SESSION_STORE=redis` + `SESSION_REDIS_URL` still selects Redis. */
function legacySessionEnv(kind: StoreKind, env: Record<string, string>): Record<string, string> {
  if (kind !== 'session-db' || env.SESSION_DB_MODE || env.SESSION_DB_URL) return env;
  return env.SESSION_STORE === 'redis' && env.SESSION_REDIS_URL
    ? { ...env, SESSION_DB_URL: env.SESSION_REDIS_URL }
    : env;
}

/** A lazily opened resource: `get` opens it once (a failed open is retried next time), `close` ends it if open. */
function lazy<T>(open: () => Promise<T>, end: (value: T) => Promise<unknown>) {
  let pending: Promise<T> | undefined;
  return {
    get(): Promise<T> {
      pending ??= open().catch((error: unknown) => {
        pending = undefined;
        throw error;
      });
      return pending;
    },
    async close(): Promise<void> {
      const value = await pending?.catch(() => undefined);
      pending = undefined;
      if (value !== undefined) await end(value).catch(() => undefined);
    },
  };
}

/**
 * How long the admin waits for a connection: its job is to re-create the search index on a database
 * that full scans keep saturated (search-degradation), where the pools' default 5 s is not enough.
 */
const ADMIN_CONNECT_TIMEOUT_MS = 60_000;

async function openCatalogueDialect(url: string): Promise<CatalogueDialect> {
  const common = {
    url,
    name: 'catalogue-db',
    envName: 'CATALOGUE_DB_URL',
    size: 1,
    acquireTimeoutMs: ADMIN_CONNECT_TIMEOUT_MS,
  };
  if (/^(mysql|mariadb):$/.test(new URL(url).protocol)) {
    const [{ MysqlPool }, { MysqlCatalogueDialect }] = await Promise.all([
      import('../stores/sql/mysql-pool.js'),
      import('../stores/catalogue/mysql.js'),
    ]);
    return new MysqlCatalogueDialect(await MysqlPool.open(common));
  }
  const [{ PgPool }, { PostgresCatalogueDialect }] = await Promise.all([
    import('../stores/sql/pg-pool.js'),
    import('../stores/catalogue/postgres.js'),
  ]);
  return new PostgresCatalogueDialect(await PgPool.open(common));
}

/** Redis CONFIG GET answers `[key, value]` (empty for an unknown key). */
async function redisConfigGet(redis: Redis, key: string): Promise<string | undefined> {
  const reply = (await redis.call('CONFIG', 'GET', key)) as string[];
  return reply.length >= 2 ? String(reply[1]) : undefined;
}

/** Admins for the lab's catalogue-db (search index) and session-db (key-value settings), when they are servers. */
export async function labStoreAdmins(platform: Platform): Promise<LabStoreAdmins> {
  const stores: StoreAdmins = {};
  const closers: Array<() => Promise<void>> = [];

  // A store environment the lab cannot parse leaves that store without an admin (its faults say so).
  const urlOf = (kind: StoreKind, service: string) =>
    labStoreUrl(platform, kind, service).catch(() => undefined);
  const catalogueUrl = await urlOf('catalogue-db', 'catalogue');
  if (catalogueUrl) {
    const db = lazy(
      () => openCatalogueDialect(catalogueUrl),
      (d) => d.close(),
    );
    closers.push(() => db.close());
    const admin: SearchIndexAdmin = {
      searchIndexExists: async () => (await db.get()).searchIndexExists(),
      createSearchIndex: async () => (await db.get()).createSearchIndex(),
      dropSearchIndex: async () => (await db.get()).dropSearchIndex(),
    };
    stores.searchIndex = { 'catalogue-db': admin };
  }

  const sessionUrl = await urlOf('session-db', 'front-end');
  if (sessionUrl) {
    const client = lazy(
      async () => {
        const redis = new Redis(sessionUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
        redis.on('error', () => undefined); // reported by the command that fails
        await redis.connect();
        return redis;
      },
      (r) => r.quit(),
    );
    closers.push(() => client.close());
    const admin: KeyValueStoreAdmin = {
      getConfig: async (key) => redisConfigGet(await client.get(), key),
      setConfig: async (key, value) => {
        await (await client.get()).call('CONFIG', 'SET', key, value);
      },
    };
    stores.keyValue = { 'session-db': admin };
  }

  return {
    stores,
    async close() {
      await Promise.all(closers.map((close) => close()));
    },
  };
}
