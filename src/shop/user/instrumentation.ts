/**
 * The original user service's own series: a request counter and a latency summary per service
 * method (`login`, `register`, `getUsers`, ...). Despite its name the original observed seconds;
 * we do the same so dashboards built on it keep their scale.
 */
import { Summary } from 'prom-client';
import type { ShopMetrics } from '../common/metrics.js';

export type UserMethod =
  | 'login'
  | 'register'
  | 'postUser'
  | 'getUsers'
  | 'postAddress'
  | 'getAddresses'
  | 'postCard'
  | 'getCards'
  | 'delete'
  | 'health'
  | 'updateUser';

export class UserInstrumentation {
  private readonly count;
  private readonly latency;

  constructor(metrics: ShopMetrics) {
    this.count = metrics.counter('microservices_demo_user_request_count', 'Number of requests received.', [
      'method',
    ]);
    this.latency = new Summary({
      name: 'microservices_demo_user_request_latency_microseconds',
      help: 'Total duration of requests in microseconds.',
      labelNames: ['method'],
      registers: [metrics.registry],
    });
  }

  /** Counts and times one service call, whether it succeeds or fails. */
  async measure<T>(method: UserMethod, call: () => Promise<T>): Promise<T> {
    const start = process.hrtime.bigint();
    try {
      return await call();
    } finally {
      this.count.inc({ method });
      this.latency.observe({ method }, Number(process.hrtime.bigint() - start) / 1e9);
    }
  }
}
