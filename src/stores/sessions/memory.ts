/**
 * Embedded session store that behaves like the Redis `session-db` behind the original front-end:
 * sessions as `sess:<sid>` keys with a TTL in a Redis-like keyspace (TTL, `maxmemory`, eviction
 * policies) — the same keyspace the session server pod serves over RESP, so both follow Redis
 * with the same documented approximations (../session-server/keyspace.ts).
 */
import { Keyspace, KEY_OVERHEAD_BYTES } from '../session-server/keyspace.js';
import type { EvictionPolicy, SessionData, SessionStore, SessionStoreStats } from './types.js';

export { KEY_OVERHEAD_BYTES };
const KEY_PREFIX = 'sess:';

export interface MemorySessionStoreOptions {
  /** Default TTL of a session in seconds (connect-redis: one day). */
  ttlSeconds?: number;
  /** Redis `maxmemory` in bytes; 0 = no limit. */
  maxmemoryBytes?: number;
  /** Redis `maxmemory-policy`; Redis's default is `noeviction`. */
  policy?: EvictionPolicy;
  /** Redis `maxmemory-samples`. */
  samples?: number;
  activeExpireIntervalMs?: number;
  /** Clock in milliseconds (tests pass their own). */
  now?: () => number;
  random?: () => number;
}

export class MemorySessionStore implements SessionStore {
  private readonly keyspace: Keyspace;
  private readonly ttlSeconds: number;

  constructor(options: MemorySessionStoreOptions = {}) {
    this.ttlSeconds = options.ttlSeconds ?? 86_400;
    this.keyspace = new Keyspace(options);
  }

  async get(sid: string): Promise<SessionData | undefined> {
    const value = this.keyspace.get(KEY_PREFIX + sid);
    return value === undefined ? undefined : (JSON.parse(value) as SessionData);
  }

  /** Throws SessionStoreFullError when full and the policy cannot evict (Redis's OOM). */
  async set(sid: string, data: SessionData, ttlSeconds = this.ttlSeconds): Promise<void> {
    this.keyspace.set(KEY_PREFIX + sid, JSON.stringify(data), ttlSeconds > 0 ? ttlSeconds * 1000 : undefined);
  }

  async touch(sid: string, ttlSeconds = this.ttlSeconds): Promise<void> {
    if (ttlSeconds > 0) this.keyspace.expire(KEY_PREFIX + sid, ttlSeconds * 1000);
  }

  async destroy(sid: string): Promise<void> {
    this.keyspace.delete(KEY_PREFIX + sid);
  }

  async stats(): Promise<SessionStoreStats> {
    return {
      keys: this.keyspace.size,
      evictions: this.keyspace.evictions,
      expirations: this.keyspace.expirations,
      memoryBytes: this.keyspace.memoryBytes,
      maxmemoryBytes: this.keyspace.maxmemoryBytes,
      policy: this.keyspace.policy,
    };
  }

  async close(): Promise<void> {
    this.keyspace.close();
  }
}
