/**
 * A Redis-like keyspace: string keys with optional TTL, a `maxmemory` limit and Redis's eviction
 * policies. The session server serves it over RESP; the in-process session store
 * (../sessions/memory.ts) keeps its sessions in one too.
 *
 * How closely it follows Redis (documented approximations):
 * - Memory is the data set only: per key KEY_OVERHEAD_BYTES (dict entry, object header, sds
 *   header, expires entry) plus the UTF-8 length of key and value. Redis's own baseline (~1 MB)
 *   and allocator rounding are not counted.
 * - As in Redis, the limit is checked before a write: when used memory is above `maxmemory`,
 *   keys are evicted until it is not; the write itself may then go over the limit. With
 *   `noeviction` (or a `volatile-*` policy with no key that has a TTL) the write is refused
 *   with Redis's OOM message.
 * - LRU and TTL eviction sample `samples` distinct keys (Redis `maxmemory-samples`, default 5) and
 *   evict the best of the sample; Redis additionally keeps a 16-entry candidate pool across rounds.
 *   Idle time is measured with an access counter instead of Redis's seconds-resolution clock.
 * - Expiry is lazy on access plus the active expire cycle every `activeExpireIntervalMs` (Redis
 *   `hz 10` = 100 ms): sample 20 keys with a TTL, delete the expired, repeat while over 25% were.
 */
import { SessionStoreFullError, type EvictionPolicy } from '../sessions/types.js';

export const KEY_OVERHEAD_BYTES = 72;
const ACTIVE_EXPIRE_SAMPLE = 20;
const ACTIVE_EXPIRE_BUDGET_MS = 25;

interface Entry {
  key: string;
  value: string;
  expiresAt: number | undefined;
  lastAccess: number;
  size: number;
  slot: number;
}

export interface KeyspaceOptions {
  maxmemoryBytes?: number;
  policy?: EvictionPolicy;
  samples?: number;
  activeExpireIntervalMs?: number;
  /** Clock in milliseconds (tests pass their own). */
  now?: () => number;
  random?: () => number;
}

export class Keyspace {
  maxmemoryBytes: number;
  policy: EvictionPolicy;
  evictions = 0;
  expirations = 0;
  hits = 0;
  misses = 0;
  private readonly entries = new Map<string, Entry>();
  private readonly slots: Entry[] = [];
  private readonly samples: number;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly timer: NodeJS.Timeout | undefined;
  private usedBytes = 0;
  private volatileKeys = 0;
  private clock = 0;

  constructor(options: KeyspaceOptions = {}) {
    this.maxmemoryBytes = options.maxmemoryBytes ?? 0;
    this.policy = options.policy ?? 'noeviction';
    this.samples = Math.max(1, options.samples ?? 5);
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    const interval = options.activeExpireIntervalMs ?? 100;
    if (interval > 0) {
      this.timer = setInterval(() => this.activeExpire(), interval);
      this.timer.unref();
    }
  }

  get size(): number {
    return this.entries.size;
  }

  get memoryBytes(): number {
    return this.usedBytes;
  }

  get(key: string): string | undefined {
    const entry = this.live(key);
    if (!entry) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    entry.lastAccess = ++this.clock;
    return entry.value;
  }

  has(key: string): boolean {
    return this.live(key) !== undefined;
  }

  /** Writes a key; `ttlMs` undefined = no expiry, `keepTtl` keeps an existing one. Throws SessionStoreFullError (OOM). */
  set(key: string, value: string, ttlMs?: number): void {
    this.makeRoom();
    const existing = this.entries.get(key);
    if (existing) this.remove(existing);
    const entry: Entry = {
      key,
      value,
      expiresAt: ttlMs === undefined ? undefined : this.now() + ttlMs,
      lastAccess: ++this.clock,
      size: KEY_OVERHEAD_BYTES + Buffer.byteLength(key) + Buffer.byteLength(value),
      slot: this.slots.length,
    };
    this.entries.set(key, entry);
    this.slots.push(entry);
    this.usedBytes += entry.size;
    if (entry.expiresAt !== undefined) this.volatileKeys++;
  }

  delete(key: string): boolean {
    const entry = this.live(key);
    if (!entry) return false;
    this.remove(entry);
    return true;
  }

  /**
   * Sets a TTL on an existing key (counting as an access, as Redis's write lookup does); false if
   * absent. A TTL of 0 or less deletes the key, as in Redis.
   */
  expire(key: string, ttlMs: number): boolean {
    const entry = this.live(key);
    if (!entry) return false;
    if (ttlMs <= 0) {
      this.remove(entry);
      return true;
    }
    if (entry.expiresAt === undefined) this.volatileKeys++;
    entry.expiresAt = this.now() + ttlMs;
    entry.lastAccess = ++this.clock;
    return true;
  }

  /** Remaining ms: -2 absent, -1 no expiry. */
  pttl(key: string): number {
    const entry = this.live(key);
    if (!entry) return -2;
    return entry.expiresAt === undefined ? -1 : Math.max(0, entry.expiresAt - this.now());
  }

  /** Keys from position `cursor` on, at most `count`; next cursor 0 when done. */
  scan(cursor: number, count: number, match: (key: string) => boolean): { next: number; keys: string[] } {
    const keys: string[] = [];
    let i = cursor;
    for (; i < this.slots.length && i < cursor + count; i++) {
      const entry = this.slots[i];
      if (!this.isExpired(entry) && match(entry.key)) keys.push(entry.key);
    }
    return { next: i >= this.slots.length ? 0 : i, keys };
  }

  flush(): void {
    this.entries.clear();
    this.slots.length = 0;
    this.usedBytes = 0;
    this.volatileKeys = 0;
  }

  /** Keys that carry a TTL (INFO keyspace `expires=`). */
  get expiringKeys(): number {
    return this.volatileKeys;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private isExpired(entry: Entry): boolean {
    return entry.expiresAt !== undefined && entry.expiresAt <= this.now();
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.isExpired(entry)) {
      this.remove(entry);
      this.expirations++;
      return undefined;
    }
    return entry;
  }

  private remove(entry: Entry): void {
    this.entries.delete(entry.key);
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
      const better =
        this.policy === 'volatile-ttl'
          ? (entry.expiresAt ?? Infinity) < (best?.expiresAt ?? Infinity)
          : entry.lastAccess < (best?.lastAccess ?? Infinity);
      if (!best || better) best = entry;
    }
    return best;
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

  /** Redis's active expire cycle: sample 20 keys with a TTL, repeat while over 25% were expired. */
  private activeExpire(): void {
    const started = Date.now();
    while (this.volatileKeys > 0 && Date.now() - started < ACTIVE_EXPIRE_BUDGET_MS) {
      const sample = this.sample(Math.min(ACTIVE_EXPIRE_SAMPLE, this.volatileKeys), true);
      let expired = 0;
      for (const entry of sample) {
        if (this.entries.get(entry.key) === entry && this.isExpired(entry)) {
          this.remove(entry);
          this.expirations++;
          expired++;
        }
      }
      if (expired * 4 <= sample.length) return;
    }
  }
}
