/**
 * Connection-pool gauges for every store, in one naming whatever the driver:
 *   db_pool_connections{pool,state="idle|used"}, db_pool_size{pool}, db_pool_waiting{pool},
 *   db_pool_acquire_timeouts_total{pool}
 * Values are sampled at scrape time from the pool itself, so nothing has to be kept in step.
 * Several pools may share one registry (one gauge set per registry, one label value per pool).
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export interface PoolSnapshot {
  /** Configured maximum of connections. */
  size: number;
  /** Open connections not lent out. */
  idle: number;
  /** Connections lent out to a query or transaction. */
  used: number;
  /** Callers queued for a connection. */
  waiting: number;
}

export interface PoolMetricsHandle {
  /** Counts one caller that gave up waiting for a connection. */
  acquireTimeout(): void;
  /** Stops reporting this pool (its series disappear at the next scrape). */
  unregister(): void;
}

interface PoolGauges {
  samplers: Map<string, () => PoolSnapshot>;
  timeouts: Counter<string>;
}

const perRegistry = new WeakMap<Registry, PoolGauges>();

function gaugesFor(registry: Registry): PoolGauges {
  const existing = perRegistry.get(registry);
  if (existing) return existing;
  const samplers = new Map<string, () => PoolSnapshot>();
  const sampled = (
    name: string,
    help: string,
    labelNames: string[],
    fill: (g: Gauge<string>, pool: string, s: PoolSnapshot) => void,
  ) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const [pool, sample] of samplers) fill(this, pool, sample());
      },
    });
  sampled(
    'db_pool_connections',
    'Open connections of a store pool by state.',
    ['pool', 'state'],
    (g, pool, s) => {
      g.set({ pool, state: 'idle' }, s.idle);
      g.set({ pool, state: 'used' }, s.used);
    },
  );
  sampled('db_pool_size', 'Configured maximum connections of a store pool.', ['pool'], (g, pool, s) =>
    g.set({ pool }, s.size),
  );
  sampled('db_pool_waiting', 'Callers waiting for a connection of a store pool.', ['pool'], (g, pool, s) =>
    g.set({ pool }, s.waiting),
  );
  const timeouts = new Counter({
    name: 'db_pool_acquire_timeouts_total',
    help: 'Callers that gave up waiting for a connection of a store pool.',
    labelNames: ['pool'],
    registers: [registry],
  });
  const gauges = { samplers, timeouts };
  perRegistry.set(registry, gauges);
  return gauges;
}

export function registerPool(
  registry: Registry,
  pool: string,
  sample: () => PoolSnapshot,
): PoolMetricsHandle {
  const gauges = gaugesFor(registry);
  gauges.samplers.set(pool, sample);
  gauges.timeouts.inc({ pool }, 0);
  return {
    acquireTimeout: () => gauges.timeouts.inc({ pool }),
    unregister: () => {
      gauges.samplers.delete(pool);
      gauges.timeouts.remove({ pool });
    },
  };
}
