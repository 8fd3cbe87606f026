/** Session store figures on `/metrics`, read from the store at scrape time. */
import { Counter, Gauge } from 'prom-client';
import type { ShopMetrics } from '../common/metrics.js';
import type { SessionStore } from '../../stores/sessions/types.js';

export function registerSessionMetrics(metrics: ShopMetrics, store: SessionStore): void {
  const registers = [metrics.registry];
  // An unreachable store must not take the whole /metrics page down: its series just keep their last value.
  const stats = () => store.stats().catch(() => undefined);
  new Gauge({
    name: 'session_store_keys',
    help: 'Sessions currently held by the session store.',
    registers,
    async collect() {
      const now = await stats();
      if (now) this.set(now.keys);
    },
  });
  new Gauge({
    name: 'session_store_memory_bytes',
    help: 'Approximate bytes used by the session store data set.',
    registers,
    async collect() {
      const now = await stats();
      if (now) this.set(now.memoryBytes);
    },
  });
  new Gauge({
    name: 'session_store_maxmemory_bytes',
    help: 'Memory limit of the session store (0 = none).',
    registers,
    async collect() {
      const now = await stats();
      if (now) this.set(now.maxmemoryBytes);
    },
  });
  monotonic('session_store_evictions_total', 'Sessions evicted to stay under maxmemory.', 'evictions');
  monotonic('session_store_expirations_total', 'Sessions removed because their TTL passed.', 'expirations');

  /** A counter that follows one of the store's running totals. */
  function monotonic(name: string, help: string, field: 'evictions' | 'expirations') {
    let reported = 0;
    new Counter({
      name,
      help,
      registers,
      async collect() {
        const total = (await stats())?.[field] ?? reported;
        if (total > reported) this.inc(total - reported);
        reported = Math.max(reported, total);
      },
    });
  }
}
