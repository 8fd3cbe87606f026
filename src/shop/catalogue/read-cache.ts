/**
 * The catalogue's read cache: query results kept for a TTL, dropped on admin updates or a
 * flush. A load that started before an invalidation is not stored, so an update can never be
 * undone by a slow read finishing late. TTL 0 turns caching off.
 */
import type { Counter, Gauge } from 'prom-client';
import type { ShopMetrics } from '../common/metrics.js';

export interface ReadCacheOptions {
  ttlMs: number;
  maxEntries: number;
}

interface Entry {
  value: unknown;
  expires: number;
}

export class ReadCache {
  private readonly entries = new Map<string, Entry>();
  private generation = 0;
  private readonly hits: Counter<string>;
  private readonly misses: Counter<string>;
  private readonly invalidations: Counter<string>;
  private readonly lastInvalidation: Gauge<string>;
  private readonly size: Gauge<string>;

  constructor(
    private readonly options: ReadCacheOptions,
    metrics: ShopMetrics,
    private readonly now: () => number = Date.now,
  ) {
    this.hits = metrics.counter('catalogue_cache_hits_total', 'Catalogue reads answered from the cache.', [
      'op',
    ]);
    this.misses = metrics.counter('catalogue_cache_misses_total', 'Catalogue reads that went to the store.', [
      'op',
    ]);
    this.invalidations = metrics.counter('catalogue_cache_invalidations_total', 'Cache flushes by reason.', [
      'reason',
    ]);
    // When each replica last dropped its cache: comparing replicas shows one that missed an update even
    // when the update came before the replica's first scrape, where a counter's increase() sees nothing.
    this.lastInvalidation = metrics.gauge(
      'catalogue_cache_last_invalidation_timestamp_seconds',
      'When the cache was last flushed, by reason (0: never since the start).',
      ['reason'],
    );
    // Every series exists from the start: one born at 1 shows no increase() over its first scrape.
    for (const reason of ['update', 'flush']) {
      this.invalidations.inc({ reason }, 0);
      this.lastInvalidation.set({ reason }, 0);
    }
    this.size = metrics.gauge('catalogue_cache_entries', 'Entries held in the catalogue read cache.');
    this.size.set(0);
  }

  get enabled(): boolean {
    return this.options.ttlMs > 0;
  }

  /** The cached value for `key`, or the loader's result (cached when still valid). */
  async read<T>(op: string, key: string, load: () => Promise<T>): Promise<T> {
    if (!this.enabled) return load();
    const cacheKey = `${op}\u0000${key}`;
    const entry = this.entries.get(cacheKey);
    if (entry && entry.expires > this.now()) {
      this.hits.inc({ op });
      return entry.value as T;
    }
    this.misses.inc({ op });
    const generation = this.generation;
    const value = await load();
    if (generation === this.generation) this.store(cacheKey, value);
    return value;
  }

  /** Drops every entry; returns how many were dropped. */
  invalidate(reason: 'update' | 'flush'): number {
    const dropped = this.entries.size;
    this.entries.clear();
    this.generation++;
    this.invalidations.inc({ reason });
    this.lastInvalidation.set({ reason }, this.now() / 1000);
    this.size.set(0);
    return dropped;
  }

  private store(key: string, value: unknown): void {
    this.entries.delete(key);
    // Oldest first out: Map iteration follows insertion order.
    while (this.entries.size >= this.options.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    this.entries.set(key, { value, expires: this.now() + this.options.ttlMs });
    this.size.set(this.entries.size);
  }
}
