/**
 * Session store used by the front-end (the original kept express-session data in Redis,
 * `session-db`, key prefix `sess:`, TTL one day). Async so a Redis implementation fits.
 */

/** What a session holds: express-session's `cookie` block and, after login/register, `customerId`. */
export interface SessionData {
  cookie: { originalMaxAge: number | null; expires: string | null; httpOnly: boolean; path: string };
  customerId?: string;
}

/** The Redis `maxmemory-policy` values the store models. */
export const EVICTION_POLICIES = [
  'noeviction',
  'allkeys-lru',
  'volatile-lru',
  'allkeys-random',
  'volatile-ttl',
] as const;
export type EvictionPolicy = (typeof EVICTION_POLICIES)[number];

export interface SessionStoreStats {
  keys: number;
  /** Keys removed to stay under `maxmemory` since start. */
  evictions: number;
  /** Keys removed because their TTL passed since start. */
  expirations: number;
  /** Approximate bytes used by the data set. */
  memoryBytes: number;
  /** 0 means no limit. */
  maxmemoryBytes: number;
  /** The `maxmemory-policy` in force (a real Redis may report policies the embedded store does not model). */
  policy: string;
}

/** A write refused because the store is full and its policy cannot (or may not) evict: Redis's OOM error. */
export class SessionStoreFullError extends Error {
  constructor() {
    super("OOM command not allowed when used memory > 'maxmemory'.");
  }
}

export interface SessionStore {
  get(sid: string): Promise<SessionData | undefined>;
  /** Writes the session with a TTL in seconds (the store's default when omitted). May throw SessionStoreFullError. */
  set(sid: string, data: SessionData, ttlSeconds?: number): Promise<void>;
  /** Restarts the TTL of an existing session (connect-redis `touch` = EXPIRE). */
  touch(sid: string, ttlSeconds?: number): Promise<void>;
  destroy(sid: string): Promise<void>;
  stats(): Promise<SessionStoreStats>;
  close(): Promise<void>;
}
