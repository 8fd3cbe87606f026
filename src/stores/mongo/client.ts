/**
 * A MongoDB client shared by the document stores (users, carts, orders) when their URL is
 * `mongodb://` or `mongodb+srv://` — MongoDB itself or a server speaking its wire protocol
 * (FerretDB). The database is the URL's path, or the store's default name when the URL has none,
 * so one server URL serves all three stores. Pool gauges come from the driver's connection-pool
 * (CMAP) events; opening proves the server answers, or fails with one StoreConfigError line.
 */
import { MongoClient, MongoServerError, type Db, type Document } from 'mongodb';
import type { Registry } from 'prom-client';
import { describeConnectError } from '../sql/connect-error.js';
import { registerPool, type PoolMetricsHandle, type PoolSnapshot } from '../sql/pool-metrics.js';

/** What every MongoDB-backed store takes (the same fields as the PostgreSQL stores, less the schema). */
export interface MongoStoreOptions {
  /** `mongodb://user:pass@host:port/db?authSource=admin`. */
  url: string;
  poolSize?: number;
  /** How long an operation may wait for a server and for a free connection, ms. */
  acquireTimeoutMs?: number;
  registry?: Registry;
  /** The variable that sets `url`, for error messages. */
  envName?: string;
}

/** MongoDB's duplicate-key error code (a unique index refused a write). */
const DUPLICATE_KEY = 11000;

export function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === DUPLICATE_KEY;
}

/** The database named by the URL's path, if any (`mongodb://h1:1,h2:2/shop?…` → `shop`). */
export function databaseOf(url: string): string | undefined {
  const path = /^mongodb(?:\+srv)?:\/\/[^/?]*\/([^?]*)/i.exec(url)?.[1];
  return path ? decodeURIComponent(path) : undefined;
}

/** Connections of one client, counted from the pool events (every server's pool together). */
class PoolCounters {
  open = 0;
  used = 0;
  waiting = 0;

  /** Counts a caller that gave up waiting for a connection (set once the gauges are registered). */
  onTimeout: () => void = () => undefined;

  constructor(
    client: MongoClient,
    private readonly size: number,
  ) {
    client.on('connectionCreated', () => this.open++);
    client.on('connectionClosed', () => (this.open = Math.max(0, this.open - 1)));
    client.on('connectionCheckOutStarted', () => this.waiting++);
    client.on('connectionCheckedOut', () => {
      this.waiting = Math.max(0, this.waiting - 1);
      this.used++;
    });
    client.on('connectionCheckOutFailed', (event) => {
      this.waiting = Math.max(0, this.waiting - 1);
      if (event.reason === 'timeout') this.onTimeout();
    });
    client.on('connectionCheckedIn', () => (this.used = Math.max(0, this.used - 1)));
  }

  snapshot(): PoolSnapshot {
    return {
      size: this.size,
      idle: Math.max(0, this.open - this.used),
      used: this.used,
      waiting: this.waiting,
    };
  }
}

export class MongoStoreClient {
  private constructor(
    readonly client: MongoClient,
    readonly db: Db,
    private readonly metrics: PoolMetricsHandle | undefined,
  ) {}

  /**
   * Connects to `options.url` for store `name` (e.g. `user-db`) and pings the database; a failure
   * is one StoreConfigError line naming `options.envName` (or `defaultEnv`).
   */
  static async open(
    name: string,
    defaultEnv: string,
    defaultDatabase: string,
    options: MongoStoreOptions,
  ): Promise<MongoStoreClient> {
    const size = options.poolSize ?? 10;
    const timeoutMs = options.acquireTimeoutMs ?? 5000;
    const client = new MongoClient(options.url, {
      maxPoolSize: size,
      waitQueueTimeoutMS: timeoutMs,
      serverSelectionTimeoutMS: timeoutMs,
      connectTimeoutMS: timeoutMs,
      // An absent optional field (e.g. a status change's reason) stays absent instead of becoming null.
      ignoreUndefined: true,
    });
    const counters = new PoolCounters(client, size);
    const db = client.db(databaseOf(options.url) ?? defaultDatabase);
    try {
      await client.connect();
      await db.command({ ping: 1 });
    } catch (error) {
      await client.close().catch(() => undefined);
      throw describeConnectError(name, options.url, options.envName ?? defaultEnv, mongoCause(error));
    }
    const metrics = options.registry && registerPool(options.registry, name, () => counters.snapshot());
    if (metrics) counters.onTimeout = () => metrics.acquireTimeout();
    return new MongoStoreClient(client, db, metrics);
  }

  /** The next number of sequence `name`: insertion order, since ids are not ordered by time of insertion. */
  async nextSeq(name: string): Promise<number> {
    const counter = await this.db
      .collection<{ _id: string; seq: number }>('counters')
      .findOneAndUpdate({ _id: name }, { $inc: { seq: 1 } }, { upsert: true, returnDocument: 'after' });
    return counter!.seq;
  }

  /** True when the collection does not exist yet (the store is new). */
  async isNew(collection: string): Promise<boolean> {
    const found = await this.db.listCollections({ name: collection }, { nameOnly: true }).toArray();
    return found.length === 0;
  }

  async ping(): Promise<boolean> {
    try {
      await this.db.command({ ping: 1 });
      return true;
    } catch {
      return false;
    }
  }

  /** Drops the store's database (tests and resets). */
  async dropDatabase(): Promise<void> {
    await this.db.dropDatabase();
  }

  async close(): Promise<void> {
    this.metrics?.unregister();
    await this.client.close().catch(() => undefined);
  }
}

/**
 * Opens the client of store `name` and builds the store on it (`build` creates indexes, seeds);
 * the client is closed again if building fails.
 */
export async function openMongoStore<S>(
  name: string,
  defaultEnv: string,
  defaultDatabase: string,
  options: MongoStoreOptions,
  build: (mongo: MongoStoreClient) => Promise<S>,
): Promise<S> {
  const mongo = await MongoStoreClient.open(name, defaultEnv, defaultDatabase, options);
  try {
    return await build(mongo);
  } catch (error) {
    await mongo.close();
    throw error;
  }
}

const NETWORK_CODE = /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH)\b/;

/**
 * The driver's error in the shape describeConnectError reads (`code`, `message`). A server that
 * cannot be reached comes as a server-selection error whose message carries the socket's code;
 * one that refuses the login as a server error with codeName `AuthenticationFailed`.
 */
export function mongoCause(error: unknown): { code?: string; message?: string } {
  const err = error as {
    name?: string;
    code?: unknown;
    codeName?: string;
    message?: string;
    cause?: unknown;
  };
  const message = err.message ?? String(error);
  if (err.codeName) return { code: err.codeName, message };
  const network = NETWORK_CODE.exec(message)?.[1] ?? NETWORK_CODE.exec(causeMessages(err.cause))?.[1];
  if (network) return { code: network, message };
  if (err.name === 'MongoServerSelectionError') return { code: 'ETIMEDOUT', message };
  return { code: typeof err.code === 'string' ? err.code : undefined, message };
}

function causeMessages(cause: unknown, depth = 0): string {
  if (!cause || depth > 3) return '';
  const c = cause as { code?: unknown; message?: string; cause?: unknown };
  const code = typeof c.code === 'string' ? c.code : '';
  return `${code} ${c.message ?? ''} ${causeMessages(c.cause, depth + 1)}`;
}

/** A document's `_id` as the record's `id`. */
export function withId<T extends { id: string }>(doc: Document & { _id: string }, omit: string[] = []): T {
  const { _id, ...rest } = doc;
  for (const key of omit) delete rest[key];
  return { ...rest, id: _id } as unknown as T;
}
