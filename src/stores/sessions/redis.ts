/**
 * Session store on a real Redis, laid out as connect-redis did for the original front-end
 * (`session-db`): key `sess:<sid>`, value = the session JSON, TTL via `SET … EX` and `EXPIRE`.
 * Eviction and expiry are Redis's own (its `maxmemory` / `maxmemory-policy`); the figures in
 * `stats()` come from `INFO` and so describe the whole database, which in the original was
 * dedicated to sessions.
 */
import { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { registerPool, type PoolMetricsHandle } from '../sql/pool-metrics.js';
import {
  SessionStoreFullError,
  type SessionData,
  type SessionStore,
  type SessionStoreStats,
} from './types.js';

/** The client class, for callers that load this module (and with it ioredis) only when they need it. */
export { Redis };

export interface RedisSessionStoreOptions {
  /** e.g. `redis://127.0.0.1:6379/0`. */
  url: string;
  ttlSeconds?: number;
  /** connect-redis's default is `sess:`. */
  prefix?: string;
  /** Give up on a command after this long, ms. */
  commandTimeoutMs?: number;
  /** Registers the `session-db` pool gauges (one connection; commands in flight and queued). */
  registry?: Registry;
}

/** ioredis keeps sent commands and those queued while offline in these lists. */
interface RedisQueues {
  commandQueue: { length: number };
  offlineQueue: { length: number };
}

export class RedisSessionStore implements SessionStore {
  private readonly redis: Redis;
  private readonly ttlSeconds: number;
  private readonly prefix: string;
  /** `INFO keyspace` line of the selected database (`db0` unless the URL path says otherwise). */
  private readonly keyspace: string;
  private readonly metrics: PoolMetricsHandle | undefined;

  constructor(options: RedisSessionStoreOptions) {
    this.ttlSeconds = options.ttlSeconds ?? 86_400;
    this.prefix = options.prefix ?? 'sess:';
    this.keyspace = `db${Number(new URL(options.url).pathname.slice(1)) || 0}`;
    this.redis = new Redis(options.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      commandTimeout: options.commandTimeoutMs ?? 2000,
      enableOfflineQueue: true,
    });
    // Errors surface on the commands; without a listener ioredis would report them as unhandled.
    this.redis.on('error', () => undefined);
    const queues = this.redis as unknown as RedisQueues;
    this.metrics =
      options.registry &&
      registerPool(options.registry, 'session-db', () => {
        const ready = this.redis.status === 'ready' ? 1 : 0;
        const busy = ready && queues.commandQueue.length > 0 ? 1 : 0;
        return { size: 1, idle: ready - busy, used: busy, waiting: queues.offlineQueue.length };
      });
  }

  /** Runs a command, counting one that timed out as a pool timeout. */
  private async timed<T>(command: Promise<T>): Promise<T> {
    try {
      return await command;
    } catch (error) {
      if (/timed out/i.test((error as Error).message)) this.metrics?.acquireTimeout();
      throw error;
    }
  }

  async get(sid: string): Promise<SessionData | undefined> {
    const raw = await this.timed(this.redis.get(this.prefix + sid));
    if (raw === null) return undefined;
    try {
      return JSON.parse(raw) as SessionData;
    } catch {
      return undefined; // a value we cannot read is as good as no session, as in connect-redis
    }
  }

  async set(sid: string, data: SessionData, ttlSeconds = this.ttlSeconds): Promise<void> {
    const value = JSON.stringify(data);
    try {
      if (ttlSeconds > 0) await this.timed(this.redis.set(this.prefix + sid, value, 'EX', ttlSeconds));
      else await this.timed(this.redis.set(this.prefix + sid, value));
    } catch (error) {
      if (/^OOM /.test((error as Error).message)) throw new SessionStoreFullError();
      throw error;
    }
  }

  async touch(sid: string, ttlSeconds = this.ttlSeconds): Promise<void> {
    if (ttlSeconds > 0) await this.redis.expire(this.prefix + sid, ttlSeconds);
  }

  async destroy(sid: string): Promise<void> {
    await this.redis.del(this.prefix + sid);
  }

  async stats(): Promise<SessionStoreStats> {
    const info = parseInfo(await this.redis.info());
    const db = /keys=(\d+)/.exec(info[this.keyspace] ?? '');
    return {
      keys: db ? Number(db[1]) : 0,
      evictions: Number(info.evicted_keys ?? 0),
      expirations: Number(info.expired_keys ?? 0),
      memoryBytes: Number(info.used_memory ?? 0),
      maxmemoryBytes: Number(info.maxmemory ?? 0),
      policy: info.maxmemory_policy ?? 'noeviction',
    };
  }

  async close(): Promise<void> {
    this.metrics?.unregister();
    this.redis.disconnect();
  }
}

function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return fields;
}
