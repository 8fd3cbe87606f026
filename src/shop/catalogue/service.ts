/**
 * The catalogue's operations as the original endpoints run them: each behind its own circuit
 * breaker (List, Count, Get, Tags, Health), reading through the cache and the bounded worker
 * pool to the store. Store failures become the original's error messages; the cause is logged.
 */
import type { Logger } from 'pino';
import { PoolSaturatedError, type WorkerPool } from '../common/worker-pool.js';
import type { CatalogueStore, Sock, SockFilter, SockUpdate } from '../../stores/catalogue/types.js';
import type { CircuitBreaker } from './breaker.js';
import type { ReadCache } from './read-cache.js';

export type BreakerName = 'List' | 'Count' | 'Get' | 'Tags' | 'Health';

export class NotFoundError extends Error {
  constructor() {
    super('not found');
  }
}

export class CatalogueService {
  constructor(
    private readonly store: CatalogueStore,
    private readonly cache: ReadCache,
    private readonly pool: WorkerPool,
    private readonly breakers: Record<BreakerName, CircuitBreaker>,
    private readonly log: Logger,
  ) {}

  /**
   * The original pages in memory after the query: 1-based, `page` or `size` < 1 → `[]`; a
   * query without rows yields Go's nil slice (`null`) on the first page and `[]` beyond it.
   */
  list(filter: SockFilter, page: number, size: number): Promise<Sock[] | null> {
    return this.breakers.List.execute(async () => {
      const valid = page >= 1 && size >= 1;
      const window = valid ? { offset: (page - 1) * size, limit: size } : { offset: 0, limit: 0 };
      const socks = await this.query(
        'list',
        'database connection error',
        [filter.tags, filter.q, window],
        () => this.store.list(filter, window),
      );
      if (!valid) return [];
      return socks.length === 0 && window.offset === 0 ? null : socks;
    });
  }

  count(filter: SockFilter): Promise<number> {
    return this.breakers.Count.execute(() =>
      this.query('count', 'database connection error', [filter.tags, filter.q], () =>
        this.store.count(filter),
      ),
    );
  }

  get(id: string): Promise<Sock> {
    return this.breakers.Get.execute(async () => {
      // The original answers "not found" for any failure of this query.
      const sock = await this.query('get', 'not found', [id], () => this.store.get(id));
      if (!sock) throw new NotFoundError();
      return sock;
    });
  }

  tags(): Promise<string[]> {
    return this.breakers.Tags.execute(() =>
      this.query('tags', 'database connection error', [], () => this.store.tags()),
    );
  }

  /** The database's health; a failing ping reports `err`, it never fails the call. */
  health(): Promise<boolean> {
    return this.breakers.Health.execute(async () => {
      try {
        return await this.pool.run(() => this.store.health());
      } catch (error) {
        this.log.warn({ err: error }, 'catalogue-db health check failed');
        return false;
      }
    });
  }

  /** Admin update (extension): changes the store, then drops every cached read. */
  async update(id: string, change: SockUpdate): Promise<Sock | undefined> {
    const sock = await this.pool.run(() => this.store.update(id, change));
    this.cache.invalidate('update');
    return sock;
  }

  flushCache(): number {
    return this.cache.invalidate('flush');
  }

  /** A cached, pooled store read; store failures surface as the original's message. */
  private async query<T>(op: string, failure: string, key: unknown[], read: () => Promise<T>): Promise<T> {
    try {
      return await this.cache.read(op, JSON.stringify(key), () => this.pool.run(read));
    } catch (error) {
      if (error instanceof PoolSaturatedError) throw error;
      this.log.error({ err: error, op }, 'catalogue store query failed');
      throw new Error(failure, { cause: error });
    }
  }
}
