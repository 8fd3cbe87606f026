/**
 * Embedded session store that behaves like the Redis `session-db` behind the original front-end:
 * keys with a TTL (lazy expiry on access plus Redis's active expire cycle), a `maxmemory` limit
 * and one of Redis's eviction policies.
 *
 * How closely it follows Redis (documented approximations):
 * - Memory is the data set only: per key `KEY_OVERHEAD_BYTES` (dict entry, object header, sds
 *   header, expires entry) plus the UTF-8 length of `sess:<sid>` and of the JSON value. Redis's
 *   own baseline (~1 MB) and allocator rounding are not counted.
 * - As in Redis, the limit is checked before a write: when used memory is above `maxmemory`,
 *   keys are evicted until it is not; the write itself may then go over the limit. With
 *   `noeviction` (or a `volatile-*` policy with no key that has a TTL) the write is refused
 *   with Redis's OOM message.
 * - LRU and TTL eviction sample `samples` distinct keys (Redis `maxmemory-samples`, default 5) and evict
 *   the best of the sample; Redis additionally keeps a 16-entry candidate pool across rounds.
 *   Idle time is measured with an access counter instead of Redis's seconds-resolution clock.
 * - Active expiry runs every `activeExpireIntervalMs` (Redis `hz 10` = 100 ms): it samples 20
 *   keys with a TTL, deletes the expired ones and repeats while more than 25% were expired.
 */
import {
  SessionStoreFullError,
  type EvictionPolicy,
  type SessionData,
  type SessionStore,
  type SessionStoreStats,
} from './types.js';

export const KEY_OVERHEAD_BYTES = 72;
const KEY_PREFIX = 'sess:';
const ACTIVE_EXPIRE_SAMPLE = 20;
const ACTIVE_EXPIRE_BUDGET_MS = 25;

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

interface Entry {
  sid: string;
  value: string;
  /** Epoch ms; undefined = no TTL (persistent key). */
  expiresAt: number | undefined;
  lastAccess: number;
  size: number;
  slot: number;
}

export class MemorySessionStore implements SessionStore {
  private readonly entries = new Map<string, Entry>();
  /** Dense list of keys so a random sample costs O(1) per key, like Redis's dictGetRandomKey. */
  private readonly slots: Entry[] = [];
  private readonly ttlSeconds: number;
  private readonly maxmemoryBytes: number;
  private readonly policy: EvictionPolicy;
  private readonly samples: number;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly timer: NodeJS.Timeout | undefined;
  private usedBytes = 0;
  private volatileKeys = 0;
  private accessClock = 0;
  private evictions = 0;
  private expirations = 0;

  constructor(options: MemorySessionStoreOptions = {}) {
    this.ttlSeconds = options.ttlSeconds ?? 86_400;
    this.maxmemoryBytes = options.maxmemoryBytes ?? 0;
    this.policy = options.policy ?? 'noeviction';
    this.samples = Math.max(1, options.samples ?? 5);
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    const interval = options.activeExpireIntervalMs ?? 100;
    if (interval > 0) {
      this.timer = setInterval(() => this.activeExpireCycle(), interval);
      this.timer.unref();
    }
  }

  async get(sid: string): Promise<SessionData | undefined> {
    const entry = this.live(sid);
    if (!entry) return undefined;
    entry.lastAccess = ++this.accessClock;
    return JSON.parse(entry.value) as SessionData;
  }

  async set(sid: string, data: SessionData, ttlSeconds = this.ttlSeconds): Promise<void> {
    this.makeRoom();
    const value = JSON.stringify(data);
    const size = KEY_OVERHEAD_BYTES + Buffer.byteLength(KEY_PREFIX + sid) + Buffer.byteLength(value);
    const expiresAt = ttlSeconds > 0 ? this.now() + ttlSeconds * 1000 : undefined;
    const existing = this.entries.get(sid);
    if (existing) this.remove(existing);
    const entry: Entry = {
      sid,
      value,
      expiresAt,
      lastAccess: ++this.accessClock,
      size,
      slot: this.slots.length,
    };
    this.entries.set(sid, entry);
    this.slots.push(entry);
    this.usedBytes += size;
    if (expiresAt !== undefined) this.volatileKeys++;
  }

  async touch(sid: string, ttlSeconds = this.ttlSeconds): Promise<void> {
    const entry = this.live(sid);
    if (!entry || ttlSeconds <= 0) return;
    if (entry.expiresAt === undefined) this.volatileKeys++;
    entry.expiresAt = this.now() + ttlSeconds * 1000;
    entry.lastAccess = ++this.accessClock;
  }

  async destroy(sid: string): Promise<void> {
    const entry = this.entries.get(sid);
    if (entry) this.remove(entry);
  }

  async stats(): Promise<SessionStoreStats> {
    return {
      keys: this.entries.size,
      evictions: this.evictions,
      expirations: this.expirations,
      memoryBytes: this.usedBytes,
      maxmemoryBytes: this.maxmemoryBytes,
      policy: this.policy,
    };
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
  }

  /** The entry if present and not expired; an expired one is deleted on the spot (Redis lazy expiry). */
  private live(sid: string): Entry | undefined {
    const entry = this.entries.get(sid);
    if (!entry) return undefined;
    if (this.expireIfDue(entry)) return undefined;
    return entry;
  }

  private expireIfDue(entry: Entry): boolean {
    if (entry.expiresAt === undefined || entry.expiresAt > this.now()) return false;
    this.remove(entry);
    this.expirations++;
    return true;
  }

  private remove(entry: Entry): void {
    this.entries.delete(entry.sid);
    const last = this.slots.pop()!;
    if (last !== entry) {
      last.slot = entry.slot;
      this.slots[entry.slot] = last;
    }
    this.usedBytes -= entry.size;
    if (entry.expiresAt !== undefined) this.volatileKeys--;
  }

  private makeRoom(): void {
    if (this.maxmemoryBytes <= 0 || this.usedBytes <= this.maxmemoryBytes) return;
    if (this.policy === 'noeviction') throw new SessionStoreFullError();
    while (this.usedBytes > this.maxmemoryBytes) {
      const victim = this.pickVictim();
      if (!victim) throw new SessionStoreFullError();
      this.remove(victim);
      this.evictions++;
    }
  }

  private pickVictim(): Entry | undefined {
    const volatileOnly = this.policy.startsWith('volatile-');
    if (this.slots.length === 0 || (volatileOnly && this.volatileKeys === 0)) return undefined;
    const sample = this.sample(this.policy === 'allkeys-random' ? 1 : this.samples, volatileOnly);
    let best: Entry | undefined;
    for (const entry of sample) {
      if (!best || this.worse(entry, best)) best = entry;
    }
    return best;
  }

  /** True when `a` is a better eviction candidate than `b` under the policy. */
  private worse(a: Entry, b: Entry): boolean {
    if (this.policy === 'volatile-ttl') return (a.expiresAt ?? Infinity) < (b.expiresAt ?? Infinity);
    return a.lastAccess < b.lastAccess;
  }

  /** Up to `count` distinct keys picked at random (like Redis's dictGetSomeKeys); all of them when there are no more. */
  private sample(count: number, volatileOnly: boolean): Entry[] {
    const eligible = (e: Entry) => !volatileOnly || e.expiresAt !== undefined;
    if (count >= this.slots.length) return this.slots.filter(eligible);
    const picked = new Set<Entry>();
    // Bounded tries: with few volatile keys among many persistent ones, give up like Redis does after a round.
    for (let tries = 0; picked.size < count && tries < count * 10; tries++) {
      const entry = this.slots[Math.floor(this.random() * this.slots.length)];
      if (eligible(entry)) picked.add(entry);
    }
    if (picked.size === 0 && volatileOnly) {
      const fallback = this.slots.find(eligible);
      if (fallback) picked.add(fallback);
    }
    return [...picked];
  }

  private activeExpireCycle(): void {
    const started = Date.now();
    for (;;) {
      if (this.volatileKeys === 0) return;
      const sample = this.sample(Math.min(ACTIVE_EXPIRE_SAMPLE, this.volatileKeys), true);
      let expired = 0;
      for (const entry of sample) {
        if (this.entries.get(entry.sid) === entry && this.expireIfDue(entry)) expired++;
      }
      if (expired * 4 <= sample.length || Date.now() - started > ACTIVE_EXPIRE_BUDGET_MS) return;
    }
  }
}
