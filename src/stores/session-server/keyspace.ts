/**
 * The session server's data: string keys with optional TTL, a `maxmemory` limit and Redis's
 * eviction policies, with the same approximations as the embedded session store
 * (../sessions/memory.ts): data-set-only memory accounting with KEY_OVERHEAD_BYTES per key,
 * limit checked before each write, sampled LRU/TTL eviction (`maxmemory-samples`), lazy expiry
 * on access plus an active expire cycle. Unlike that store it holds any key and value, so it can
 * sit behind the Redis protocol.
 */
import { KEY_OVERHEAD_BYTES } from '../sessions/memory.js';
import { SessionStoreFullError, type EvictionPolicy } from '../sessions/types.js';

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
  now?: () => number;
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
  private readonly timer: NodeJS.Timeout | undefined;
  private usedBytes = 0;
  private volatileKeys = 0;
  private clock = 0;

  constructor(options: KeyspaceOptions = {}) {
    this.maxmemoryBytes = options.maxmemoryBytes ?? 0;
    this.policy = options.policy ?? 'noeviction';
    this.samples = Math.max(1, options.samples ?? 5);
    this.now = options.now ?? Date.now;
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

  /** Sets a TTL on an existing key; false if absent. A TTL of 0 or less deletes the key, as in Redis. */
  expire(key: string, ttlMs: number): boolean {
    const entry = this.live(key);
    if (!entry) return false;
    if (ttlMs <= 0) {
      this.remove(entry);
      return true;
    }
    if (entry.expiresAt === undefined) this.volatileKeys++;
    entry.expiresAt = this.now() + ttlMs;
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

  private sample(count: number, volatileOnly: boolean): Entry[] {
    const picked: Entry[] = [];
    for (let tries = 0; picked.length < count && tries < count * 10; tries++) {
      const entry = this.slots[Math.floor(Math.random() * this.slots.length)];
      if (!volatileOnly || entry.expiresAt !== undefined) picked.push(entry);
    }
    if (picked.length === 0 && volatileOnly) {
      const fallback = this.slots.find((e) => e.expiresAt !== undefined);
      if (fallback) picked.push(fallback);
    }
    return picked;
  }

  /** Redis's active expire cycle: sample 20 keys with a TTL, repeat while over 25% were expired. */
  private activeExpire(): void {
    const started = Date.now();
    while (this.volatileKeys > 0 && Date.now() - started < 25) {
      const sample = new Set(this.sample(Math.min(20, this.volatileKeys), true));
      let expired = 0;
      for (const entry of sample) {
        if (this.entries.get(entry.key) === entry && this.isExpired(entry)) {
          this.remove(entry);
          this.expirations++;
          expired++;
        }
      }
      if (expired * 4 <= sample.size) return;
    }
  }
}
