/**
 * A mysql2 connection pool for the MariaDB/MySQL catalogue (the original's catalogue-db). The
 * URL's database is created if absent, as the original image's dump did. mysql2 has no acquire
 * timeout of its own, so waiting callers race a timer; pool gauges read mysql2's pool lists.
 */
import mysql from 'mysql2/promise';
import type { Registry } from 'prom-client';
import { describeConnectError } from './connect-error.js';
import { registerPool, type PoolMetricsHandle } from './pool-metrics.js';

export interface MysqlPoolOptions {
  /** `mysql://user:pass@host:port/db`. */
  url: string;
  name: string;
  envName: string;
  size?: number;
  acquireTimeoutMs?: number;
  registry?: Registry;
}

/** The parts of mysql2's pool internals the gauges read (stable across mysql2 3.x). */
interface PoolInternals {
  _allConnections: { length: number };
  _freeConnections: { length: number };
  _connectionQueue: { length: number };
}

export class MysqlPool {
  private readonly metrics: PoolMetricsHandle | undefined;
  private readonly acquireTimeoutMs: number;

  private constructor(
    readonly pool: mysql.Pool,
    options: MysqlPoolOptions,
  ) {
    this.acquireTimeoutMs = options.acquireTimeoutMs ?? 5000;
    const internals = (pool as unknown as { pool: PoolInternals }).pool;
    this.metrics =
      options.registry &&
      registerPool(options.registry, options.name, () => ({
        size: options.size ?? 10,
        idle: internals._freeConnections.length,
        used: internals._allConnections.length - internals._freeConnections.length,
        waiting: internals._connectionQueue.length,
      }));
  }

  static async open(options: MysqlPoolOptions): Promise<MysqlPool> {
    let database: string;
    let config: mysql.PoolOptions;
    try {
      const url = new URL(options.url);
      database = decodeURIComponent(url.pathname.slice(1)) || 'socksdb';
      config = {
        host: url.hostname,
        port: Number(url.port || 3306),
        user: decodeURIComponent(url.username || 'root'),
        password: decodeURIComponent(url.password),
        connectionLimit: options.size ?? 10,
        connectTimeout: options.acquireTimeoutMs ?? 5000,
        multipleStatements: false,
      };
    } catch (error) {
      throw describeConnectError(options.name, options.url, options.envName, error);
    }
    try {
      const admin = await mysql.createConnection({ ...config });
      try {
        await admin.query(`CREATE DATABASE IF NOT EXISTS ${quoteMysqlIdent(database)}`);
      } finally {
        await admin.end();
      }
    } catch (error) {
      throw describeConnectError(options.name, options.url, options.envName, error);
    }
    const pool = mysql.createPool({ ...config, database });
    return new MysqlPool(pool, options);
  }

  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const connection = await this.acquire();
    try {
      const [rows] = await connection.query(sql, params);
      return rows as T[];
    } finally {
      connection.release();
    }
  }

  async ping(): Promise<boolean> {
    try {
      await this.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.metrics?.unregister();
    await this.pool.end().catch(() => undefined);
  }

  /** A connection, or an error after `acquireTimeoutMs` (a late connection goes straight back). */
  private acquire(): Promise<mysql.PoolConnection> {
    return new Promise((resolve, reject) => {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        this.metrics?.acquireTimeout();
        reject(new Error(`timeout exceeded when waiting for a connection (${this.acquireTimeoutMs} ms)`));
      }, this.acquireTimeoutMs);
      this.pool.getConnection().then(
        (connection) => {
          clearTimeout(timer);
          if (timedOut) connection.release();
          else resolve(connection);
        },
        (error: Error) => {
          clearTimeout(timer);
          if (!timedOut) reject(error);
        },
      );
    });
  }
}

export function quoteMysqlIdent(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}
