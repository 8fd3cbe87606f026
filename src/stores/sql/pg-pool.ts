/**
 * A pg connection pool shared by the PostgreSQL stores, whether the server is a real PostgreSQL
 * or the embedded PGlite pod (same wire protocol, same driver). Each store may live in its own
 * schema (tests, or several stores in one embedded database); the pool sets `search_path` on
 * every new connection. Pool gauges are sampled from pg.Pool's own counters.
 */
import pg from 'pg';
import type { Registry } from 'prom-client';
import { describeConnectError } from './connect-error.js';
import { registerPool, type PoolMetricsHandle } from './pool-metrics.js';

export interface PgPoolOptions {
  /** `postgres://user:pass@host:port/db`. */
  url: string;
  /** Store name for messages and the `pool` label, e.g. `catalogue-db`. */
  name: string;
  /** The environment variable that sets `url`, named in error messages. */
  envName: string;
  /** Schema the store's tables live in (created if absent); `public` when omitted. */
  schema?: string;
  size?: number;
  /** How long a query may wait for a free connection (and for a new one to open), ms. */
  acquireTimeoutMs?: number;
  registry?: Registry;
}

const ACQUIRE_TIMEOUT = /timeout exceeded when trying to connect/i;

export class PgPool {
  private readonly metrics: PoolMetricsHandle | undefined;

  private constructor(
    readonly pool: pg.Pool,
    readonly options: PgPoolOptions,
  ) {
    this.metrics =
      options.registry &&
      registerPool(options.registry, options.name, () => ({
        size: options.size ?? 10,
        idle: pool.idleCount,
        used: pool.totalCount - pool.idleCount,
        waiting: pool.waitingCount,
      }));
  }

  /** Opens the pool and proves the server answers; a failure is one StoreConfigError line. */
  static async open(options: PgPoolOptions): Promise<PgPool> {
    const schema = options.schema;
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.size ?? 10,
      connectionTimeoutMillis: options.acquireTimeoutMs ?? 5000,
      idleTimeoutMillis: 30_000,
    });
    // An idle connection dropped by the server must not become an unhandled 'error' event.
    pool.on('error', () => undefined);
    if (schema)
      pool.on(
        'connect',
        (client) =>
          void client.query(`SET search_path TO ${quoteIdent(schema)}, public`).catch(() => undefined),
      );
    try {
      if (schema) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
      else await pool.query('SELECT 1');
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw describeConnectError(options.name, options.url, options.envName, error);
    }
    return new PgPool(pool, options);
  }

  async query<T extends object>(sql: string, params: unknown[] = []): Promise<T[]> {
    try {
      return (await this.pool.query(sql, params)).rows as T[];
    } catch (error) {
      this.countTimeout(error);
      throw error;
    }
  }

  /** Runs `work` in one transaction on one connection; rolls back if it throws. */
  async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      this.countTimeout(error);
      throw error;
    }
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async ping(): Promise<boolean> {
    try {
      await this.pool.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  /** Drops the store's schema with everything in it (tests and resets). */
  async dropSchema(): Promise<void> {
    if (this.options.schema)
      await this.pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(this.options.schema)} CASCADE`);
  }

  async close(): Promise<void> {
    this.metrics?.unregister();
    await this.pool.end().catch(() => undefined);
  }

  private countTimeout(error: unknown): void {
    if (ACQUIRE_TIMEOUT.test((error as Error).message ?? '')) this.metrics?.acquireTimeout();
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** What every PostgreSQL-backed store takes. */
export interface PostgresStoreOptions {
  url: string;
  schema?: string;
  poolSize?: number;
  acquireTimeoutMs?: number;
  registry?: Registry;
  /** The variable that sets `url`, for error messages. */
  envName?: string;
}

/** Opens the pool of store `name` (e.g. `user-db`) and creates its tables when `ddl`'s first table is missing. */
export async function openStorePool(
  name: string,
  defaultEnv: string,
  options: PostgresStoreOptions,
  ddl: string[],
): Promise<{ pool: PgPool; created: boolean }> {
  const pool = await PgPool.open({
    url: options.url,
    name,
    envName: options.envName ?? defaultEnv,
    schema: options.schema,
    size: options.poolSize,
    acquireTimeoutMs: options.acquireTimeoutMs,
    registry: options.registry,
  });
  try {
    const table = /CREATE TABLE (\w+)/.exec(ddl[0])?.[1] ?? '';
    const [{ found }] = await pool.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [
      table,
    ]);
    if (found != null) return { pool, created: false };
    await pool.transaction(async (client) => {
      for (const statement of ddl) await client.query(statement);
    });
    return { pool, created: true };
  } catch (error) {
    await pool.close();
    throw error;
  }
}
