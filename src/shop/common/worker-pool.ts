/**
 * A bounded pool of request workers: at most `size` tasks run at once, at most `queueLimit`
 * wait, and a task that waited longer than `queueTimeoutMs` is refused. In-flight, queued and
 * capacity are exported as gauges so saturation shows in telemetry (DESIGN.md §3).
 */
import type { ShopMetrics } from './metrics.js';
import { HttpError } from './errors.js';

export interface WorkerPoolOptions {
  name: string;
  size: number;
  queueLimit: number;
  queueTimeoutMs: number;
}

interface Waiter {
  start: () => void;
  fail: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class PoolSaturatedError extends HttpError {
  constructor(pool: string, reason: string) {
    super(503, `${pool} worker pool saturated: ${reason}`, 'java.util.concurrent.RejectedExecutionException');
  }
}

export class WorkerPool {
  private inFlight = 0;
  private readonly waiting: Waiter[] = [];
  private readonly gauges;
  private readonly rejected;

  constructor(
    private options: WorkerPoolOptions,
    metrics: ShopMetrics,
  ) {
    this.gauges = {
      inFlight: metrics.gauge('worker_pool_in_flight', 'Tasks running in the worker pool.', ['pool']),
      queued: metrics.gauge('worker_pool_queued', 'Tasks waiting for a worker.', ['pool']),
      size: metrics.gauge('worker_pool_size', 'Workers in the pool.', ['pool']),
    };
    this.rejected = metrics.counter('worker_pool_rejected_total', 'Tasks refused by the pool.', [
      'pool',
      'reason',
    ]);
    this.publish();
  }

  get stats() {
    return {
      name: this.options.name,
      size: this.options.size,
      inFlight: this.inFlight,
      queued: this.waiting.length,
    };
  }

  /** Changes the pool's size at run time (a store-configuration fault or a remediation). */
  resize(size: number): void {
    this.options = { ...this.options, size: Math.max(1, Math.floor(size)) };
    this.drain();
    this.publish();
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task();
    } finally {
      this.inFlight--;
      this.drain();
      this.publish();
    }
  }

  private acquire(): Promise<void> {
    if (this.inFlight < this.options.size) {
      this.inFlight++;
      this.publish();
      return Promise.resolve();
    }
    if (this.waiting.length >= this.options.queueLimit) {
      this.rejected.inc({ pool: this.options.name, reason: 'queue_full' });
      return Promise.reject(new PoolSaturatedError(this.options.name, 'queue full'));
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        start: resolve,
        fail: reject,
        timer: setTimeout(() => {
          const index = this.waiting.indexOf(waiter);
          if (index !== -1) this.waiting.splice(index, 1);
          this.rejected.inc({ pool: this.options.name, reason: 'queue_timeout' });
          this.publish();
          reject(new PoolSaturatedError(this.options.name, `waited ${this.options.queueTimeoutMs} ms`));
        }, this.options.queueTimeoutMs),
      };
      this.waiting.push(waiter);
      this.publish();
    });
  }

  private drain(): void {
    while (this.inFlight < this.options.size && this.waiting.length > 0) {
      const next = this.waiting.shift()!;
      clearTimeout(next.timer);
      this.inFlight++;
      next.start();
    }
  }

  private publish(): void {
    const labels = { pool: this.options.name };
    this.gauges.inFlight.set(labels, this.inFlight);
    this.gauges.queued.set(labels, this.waiting.length);
    this.gauges.size.set(labels, this.options.size);
  }
}
