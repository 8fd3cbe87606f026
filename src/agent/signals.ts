/**
 * The signals the agent watches, read through `query` (now) and `query_range` (the recent past, for a
 * baseline): the front-end's golden signals per route, per-service latency and CPU throttling, worker
 * pools, and the business flow (orders paid vs shipped, payments authorised vs orders, sessions lost).
 * The baseline of a series is a low quantile of its recent history, so a fault that has been in force
 * for most of the window still leaves the healthy level visible.
 */
import { askBundle, bundle } from './bundle.js';
import type { AgentTools, Sample } from './tools.js';

/** Front-end paths folded into routes: "/login", "/catalogue", "/catalogue/*" (ids, sizes). */
const routed = (inner: string) =>
  `label_replace(label_replace(${inner}, "route", "$1", "path", "(/[^/]*).*"), "route", "$1/*", "path", "(/[^/]*)/.+")`;

const FE_BUCKET = 'rate(http_request_duration_seconds_bucket{job="front-end"}[1m])';
const FE_COUNT = 'rate(http_request_duration_seconds_count{job="front-end"}[1m])';
const FE_5XX = 'rate(http_request_duration_seconds_count{job="front-end",status_code=~"5.."}[1m])';
const POD_THROTTLE =
  'rate(container_cpu_cfs_throttled_periods_total[1m]) / rate(container_cpu_cfs_periods_total[1m])';

export const QUERIES = {
  routeP95: `histogram_quantile(0.95, sum by (le, route) (${routed(FE_BUCKET)}))`,
  routeRate: `sum by (route) (${routed(FE_COUNT)})`,
  routeErrors: `(sum by (route) (${routed(FE_5XX)}) or (sum by (route) (${routed(FE_COUNT)}) * 0)) / sum by (route) (${routed(FE_COUNT)})`,
  serviceP95: 'histogram_quantile(0.95, sum by (le, job) (rate(http_request_duration_seconds_bucket[1m])))',
  serviceRate: 'sum by (job) (rate(http_request_duration_seconds_count[1m]))',
  throttle:
    'sum by (container) (rate(container_cpu_cfs_throttled_periods_total[1m])) / sum by (container) (rate(container_cpu_cfs_periods_total[1m]))',
  // per pod: a deployment's replicas can be loaded unevenly (connections stay where they landed)
  throttleHot: `max by (container) (${POD_THROTTLE})`,
  throttleCold: `min by (container) (${POD_THROTTLE})`,
  poolQueued: 'max by (job, pool) (worker_pool_queued)',
  poolRejected: 'sum by (job, pool) (rate(worker_pool_rejected_total[1m]))',
  sessionLoss:
    '(sum(rate(session_store_expirations_total[1m])) or vector(0)) + (sum(rate(session_store_evictions_total[1m])) or vector(0))',
  paid: 'sum(increase(orders_created_total{status="paid"}[2m]))',
  failedOrders: 'sum(increase(orders_created_total{status="failed"}[2m]))',
  shipped: 'sum(increase(orders_shipped_total{outcome="updated"}[2m]))',
  authorised: 'sum(increase(payment_authorisations_total{result="authorised"}[2m]))',
  shipRetries: 'sum(rate(queue_master_messages_processed_total{result="retry"}[1m]))',
  // ages (seconds ago), not epoch timestamps: answers are rounded to a few significant digits
  catalogueStarted:
    'min by (pod) (time() - process_start_time_seconds{job="catalogue"}) and on (pod) (up{job="catalogue"} == 1)',
  catalogueLastUpdate:
    'min by (pod) (time() - catalogue_cache_last_invalidation_timestamp_seconds{reason="update"})',
  catalogueLastInvalidation: 'min by (pod) (time() - catalogue_cache_last_invalidation_timestamp_seconds)',
} as const;

const YEAR_S = 365 * 86_400;

export const VECTORS = [
  'routeP95',
  'routeRate',
  'routeErrors',
  'serviceP95',
  'serviceRate',
  'throttle',
] as const;
export type VectorKey = (typeof VECTORS)[number];
export type BaselineKey = VectorKey | 'sessionLoss';
export type Baselines = Record<BaselineKey, Map<string, number>>;
const LABEL: Record<BaselineKey, string> = {
  sessionLoss: '',
  routeP95: 'route',
  routeRate: 'route',
  routeErrors: 'route',
  serviceP95: 'job',
  serviceRate: 'job',
  throttle: 'container',
};

export interface Readings {
  /** Per key: label value (route, job or container) → current value. */
  vectors: Record<VectorKey, Map<string, number>>;
  /** Per key: label value → baseline from the recent past ('' for a scalar). */
  baselines: Baselines;
  /** Per container: the throttled share of periods of its busiest and of its idlest pod. */
  podThrottle: Map<string, { hot: number; cold: number }>;
  pools: { job: string; pool: string; queued: number; rejectedPerS: number }[];
  sessionLoss?: number;
  sessionLossBaseline?: number;
  paid?: number;
  failedOrders?: number;
  shipped?: number;
  authorised?: number;
  shipRetries?: number;
  /** The live catalogue replicas: how long ago each started and last dropped its cache. */
  catalogueReplicas: CatalogueReplica[];
}

/** Ages in seconds; Infinity for "never since the start". */
export interface CatalogueReplica {
  pod: string;
  startedAgoS: number;
  /** Last drop for a price or stock update. */
  lastUpdateAgoS: number;
  /** Last drop for any reason, a flush included. */
  lastInvalidationAgoS: number;
}

/** The q-quantile of the values (nearest rank). */
export function quantile(values: number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(q * (sorted.length - 1))))];
}

const toMap = (samples: Sample[], label: string) =>
  new Map(samples.filter((s) => Number.isFinite(s.value)).map((s) => [s.labels[label] ?? '', s.value]));

export interface BaselineOptions {
  /** How far back the baseline looks ("10m"). */
  window: string;
  /** The quantile of past values taken as the healthy level (0.25). */
  q: number;
}

export async function readBaselines(tools: AgentTools, opts: BaselineOptions): Promise<Baselines> {
  const out = {} as Baselines;
  for (const key of [...VECTORS, 'sessionLoss' as const]) {
    const series = await tools.queryRange(QUERIES[key], opts.window, '10s');
    const map = new Map<string, number>();
    for (const s of series) {
      const b = quantile(s.values, opts.q);
      if (b !== undefined) map.set(s.labels[LABEL[key]] ?? '', b);
    }
    out[key] = map;
  }
  return out;
}

/** What one poll asks: three bundled queries (bundle.ts) instead of one call per signal. */
export const SIGNAL_BUNDLES = {
  routes: bundle({
    routeP95: QUERIES.routeP95,
    routeRate: QUERIES.routeRate,
    routeErrors: QUERIES.routeErrors,
  }),
  services: bundle({
    serviceP95: QUERIES.serviceP95,
    serviceRate: QUERIES.serviceRate,
    throttle: QUERIES.throttle,
    throttleHot: QUERIES.throttleHot,
    throttleCold: QUERIES.throttleCold,
  }),
  business: bundle({
    poolQueued: QUERIES.poolQueued,
    poolRejected: QUERIES.poolRejected,
    sessionLoss: QUERIES.sessionLoss,
    paid: QUERIES.paid,
    failedOrders: QUERIES.failedOrders,
    shipped: QUERIES.shipped,
    authorised: QUERIES.authorised,
    shipRetries: QUERIES.shipRetries,
    catalogueStarted: QUERIES.catalogueStarted,
    catalogueLastUpdate: QUERIES.catalogueLastUpdate,
    catalogueLastInvalidation: QUERIES.catalogueLastInvalidation,
  }),
};

export async function readSignals(tools: AgentTools, baselines: Baselines): Promise<Readings> {
  const routes = await askBundle(tools, SIGNAL_BUNDLES.routes);
  const services = await askBundle(tools, SIGNAL_BUNDLES.services);
  const b = await askBundle(tools, SIGNAL_BUNDLES.business);
  const answers = { ...routes, ...services };
  const vectors = {} as Readings['vectors'];
  for (const key of VECTORS) vectors[key] = toMap(answers[key], LABEL[key]);
  const pools = b.poolQueued.map((s) => ({
    job: s.labels.job ?? '',
    pool: s.labels.pool ?? '',
    queued: s.value,
    rejectedPerS:
      b.poolRejected.find((r) => r.labels.job === s.labels.job && r.labels.pool === s.labels.pool)?.value ??
      0,
  }));
  const cold = toMap(services.throttleCold, 'container');
  const podThrottle = new Map(
    [...toMap(services.throttleHot, 'container')].map(([c, hot]) => [c, { hot, cold: cold.get(c) ?? hot }]),
  );
  const scalar = (samples: Sample[]) => samples[0]?.value;
  const lastUpdate = toMap(b.catalogueLastUpdate, 'pod');
  const lastInvalidation = toMap(b.catalogueLastInvalidation, 'pod');
  // a timestamp of 0 ("never") reads as an age of decades
  const age = (ages: Map<string, number>, pod: string) => {
    const v = ages.get(pod);
    return v === undefined || v > YEAR_S ? Infinity : v;
  };
  const catalogueReplicas = b.catalogueStarted.map((s) => {
    const pod = s.labels.pod ?? '';
    return {
      pod,
      startedAgoS: s.value,
      lastUpdateAgoS: age(lastUpdate, pod),
      lastInvalidationAgoS: age(lastInvalidation, pod),
    };
  });
  return {
    vectors,
    baselines,
    podThrottle,
    pools,
    sessionLoss: scalar(b.sessionLoss),
    sessionLossBaseline: baselines.sessionLoss.get(''),
    paid: scalar(b.paid),
    failedOrders: scalar(b.failedOrders),
    shipped: scalar(b.shipped),
    authorised: scalar(b.authorised),
    shipRetries: scalar(b.shipRetries),
    catalogueReplicas,
  };
}
