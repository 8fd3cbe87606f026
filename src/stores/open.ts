/**
 * Opens the store a service's configuration selects (`storeSelection`, see config.ts): the
 * in-memory one, or a server reached by URL — the lab's embedded pod (`catalogue-db`,
 * `session-db`, …) or any real server; users, carts and orders on PostgreSQL or MongoDB. A URL's host that names a service-directory entry
 * (SOCKSHOP_SERVICES) is replaced by that entry's host and port, as `rabbitmq` is for AMQP.
 * Pool gauges go to the service's metrics registry. A store that cannot be opened is one
 * StoreConfigError line; during `startWaitMs` (a pod started beside its database) opening is
 * retried, except for refused credentials, which no wait cures.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Registry } from 'prom-client';
import { ConfigError, envInt } from '../shop/common/env.js';
import type { ServiceDirectory } from '../shop/common/upstream.js';
import { MemoryCartStore } from './carts/memory.js';
import type { CartStore } from './carts/types.js';
import { MemoryCatalogueStore } from './catalogue/memory.js';
import type { CatalogueSeed, CatalogueStore } from './catalogue/types.js';
import { STORE_KINDS, type StoreSelection } from './config.js';
import { MemoryOrderStore } from './orders/memory.js';
import type { OrderStore } from './orders/types.js';
import type { RedisSessionStore, RedisSessionStoreOptions } from './sessions/redis.js';
import { describeConnectError } from './sql/connect-error.js';
import type { PostgresStoreOptions } from './sql/pg-pool.js';
import type { UserSnapshot } from './users/memory.js';
import { MemoryUserStore } from './users/memory.js';
import type { UserStore } from './users/types.js';

export interface StoreContext {
  directory: ServiceDirectory;
  /** The service's metrics registry; pool gauges are registered on it. */
  registry?: Registry;
  /** How long to keep retrying a store that is not reachable yet, ms (0 = fail at once). */
  startWaitMs?: number;
  poolSize?: number;
}

/** `STORE_START_WAIT_MS`: how long a service retries its store at start (the lab sets it; default 0). */
export function storeStartWaitMs(env: NodeJS.ProcessEnv = process.env): number {
  const ms = envInt('STORE_START_WAIT_MS', 0, env);
  if (ms < 0) throw new ConfigError(`STORE_START_WAIT_MS must be 0 or more, got ${ms}`);
  return ms;
}

/**
 * `postgres://postgres@catalogue-db/postgres` → the directory's host:port for `catalogue-db`, if any.
 * A URL with several hosts (a MongoDB seed list) names no single entry and is kept as it is.
 */
export function resolveStoreUrl(raw: string, directory: ServiceDirectory): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return raw;
  }
  const entry = directory.get(url.hostname);
  if (!entry) return raw;
  const target = new URL(entry);
  url.hostname = target.hostname;
  url.port = target.port;
  return url.toString();
}

/** Opens a service's store; if that fails, closes the service's (not yet listening) server first. */
export async function openBeside<T>(server: { close(): Promise<void> }, open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (error) {
    await server.close();
    throw error;
  }
}

/** The variable to change when the selected store misbehaves. */
export function settingOf(selection: StoreSelection): string {
  const spec = STORE_KINDS[selection.kind];
  return selection.mode === 'url' ? spec.urlEnv : `${spec.modeEnv} (or ${spec.urlEnv})`;
}

/** A refused connection costs next to nothing: retry often, so a service is up soon after its store. */
const START_RETRY_MS = 150;

/** Runs `open` until it succeeds or `waitMs` has passed; credential errors are final at once. */
export async function retryWhileStarting<T>(open: () => Promise<T>, waitMs = 0): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await open();
    } catch (error) {
      const final = /refused the credentials/.test((error as Error).message);
      if (final || Date.now() + START_RETRY_MS > deadline) throw error;
      await sleep(START_RETRY_MS);
    }
  }
}

/** Users, carts and orders go to MongoDB (or FerretDB) for a `mongodb:`/`mongodb+srv:` URL, else to PostgreSQL. */
function isMongo(url: string): boolean {
  return /^mongodb(\+srv)?:/i.test(url);
}

function sqlOptions(selection: Exclude<StoreSelection, { mode: 'memory' }>, ctx: StoreContext) {
  return {
    url: resolveStoreUrl(selection.url, ctx.directory),
    envName: settingOf(selection),
    registry: ctx.registry,
    poolSize: ctx.poolSize,
  } satisfies PostgresStoreOptions;
}

export async function openCatalogueStore(
  selection: StoreSelection,
  seed: CatalogueSeed,
  ctx: StoreContext,
): Promise<CatalogueStore> {
  if (selection.mode === 'memory') return new MemoryCatalogueStore(seed);
  const options = sqlOptions(selection, ctx);
  const mysql = /^(mysql|mariadb):$/.test(new URL(options.url).protocol);
  // Drivers load only when their backend is chosen: a pod then parses one driver, not all of them.
  const open = mysql
    ? (await import('./catalogue/mysql.js')).openMysqlCatalogue
    : (await import('./catalogue/postgres.js')).openPostgresCatalogue;
  return retryWhileStarting(() => open(options, seed), ctx.startWaitMs);
}

export async function openUserStore(
  selection: StoreSelection,
  seed: UserSnapshot,
  ctx: StoreContext,
): Promise<UserStore> {
  if (selection.mode === 'memory') return new MemoryUserStore(seed);
  const options = sqlOptions(selection, ctx);
  const open: (o: typeof options, s: UserSnapshot) => Promise<UserStore> = isMongo(options.url)
    ? (await import('./users/mongo.js')).openMongoUserStore
    : (await import('./users/postgres.js')).openPostgresUserStore;
  return retryWhileStarting(() => open(options, seed), ctx.startWaitMs);
}

export async function openCartStore(selection: StoreSelection, ctx: StoreContext): Promise<CartStore> {
  if (selection.mode === 'memory') return new MemoryCartStore();
  const options = sqlOptions(selection, ctx);
  const open: (o: typeof options) => Promise<CartStore> = isMongo(options.url)
    ? (await import('./carts/mongo.js')).openMongoCartStore
    : (await import('./carts/postgres.js')).openPostgresCartStore;
  return retryWhileStarting(() => open(options), ctx.startWaitMs);
}

export async function openOrderStore(selection: StoreSelection, ctx: StoreContext): Promise<OrderStore> {
  if (selection.mode === 'memory') return new MemoryOrderStore();
  const options = sqlOptions(selection, ctx);
  const open: (o: typeof options) => Promise<OrderStore> = isMongo(options.url)
    ? (await import('./orders/mongo.js')).openMongoOrderStore
    : (await import('./orders/postgres.js')).openPostgresOrderStore;
  return retryWhileStarting(() => open(options), ctx.startWaitMs);
}

/**
 * The Redis session store on `url` (already resolved), once a PING has proved the server answers;
 * otherwise one StoreConfigError line naming `envName`.
 */
export async function openRedisSessionStore(
  options: RedisSessionStoreOptions & { envName: string; startWaitMs?: number },
): Promise<RedisSessionStore> {
  // Loaded here, not with this module: only the front-end keeps sessions, and every other service
  // paid for parsing the Redis client at start.
  const { Redis, RedisSessionStore } = await import('./sessions/redis.js');
  await retryWhileStarting(async () => {
    const probe = new Redis(options.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      connectTimeout: 3000,
    });
    // connect() only says "Connection is closed."; the socket's own error (ECONNREFUSED …) comes as an event.
    let socketError: unknown;
    probe.on('error', (error) => (socketError ??= error));
    try {
      await probe.connect();
      await probe.ping();
    } catch (error) {
      throw describeConnectError(
        'session-db',
        options.url,
        options.envName,
        redisCause(socketError ?? error),
      );
    } finally {
      probe.disconnect();
    }
  }, options.startWaitMs);
  return new RedisSessionStore(options);
}

/** ioredis reports auth failures as `WRONGPASS …`/`NOAUTH …` messages without a code. */
function redisCause(error: unknown): unknown {
  const message = (error as Error).message ?? '';
  const code = /^(WRONGPASS|NOAUTH)\b/.exec(message)?.[1];
  return code ? { code, message } : error;
}
