/**
 * Detection: turns one observation into symptoms. Every threshold is relative to the signal's own
 * recent baseline AND above an absolute floor, so normal noise (the control run) stays quiet.
 * The thresholds are the rules table's first half (docs/agent.md).
 */
import { round } from './json.js';
import type { Observation } from './observe.js';
import type { CatalogueReplica } from './signals.js';
import type { Symptom } from './types.js';

export const THRESHOLDS = {
  /** Route p95 (s): above max(floor, factor × baseline + offset). */
  latency: { floor: 0.5, factor: 4, offset: 0.25 },
  /** Route 5xx ratio: above max(floor, factor × baseline + offset). */
  errors: { floor: 0.05, factor: 3, offset: 0.02 },
  /** Requests per second a route needs before its quantiles mean anything. */
  minRouteRate: 0.05,
  /** Orders paid in 2 min with less than half of them shipped. */
  stalledPaid: 3,
  /** Payments authorised in 2 min beyond the orders that were recorded paid, with failed orders. */
  orphanGap: 2,
  /** Sessions expired or evicted per second: above max(floor, factor × baseline + offset). */
  sessionLoss: { floor: 0.05, factor: 2, offset: 0.05 },
  /** Messages waiting on a queue with no consumer. */
  stalledQueue: 3,
  /** CPU periods throttled: above `ratio` while the baseline was under `baselineMax`. */
  throttle: { ratio: 0.5, baselineMax: 0.25 },
  /** Tasks waiting for a worker, or refused per second. */
  pool: { queued: 5, rejectedPerS: 0.1 },
  /** A cache TTL (ms) long enough for a missed invalidation to be seen by shoppers. */
  staleTtlMs: 60_000,
} as const;

/** Seconds of slack for clocks: process start times are whole seconds. */
const SAME_MOMENT_S = 1;

/**
 * Replicas that missed the latest update: started before it and have not dropped their cache since,
 * while another replica did. Undefined when no update is recent (within `ttlMs`, when known; else
 * 10 min) or every replica saw it.
 */
export function missedUpdate(
  replicas: CatalogueReplica[],
  ttlMs?: number,
): { updateAgoS: number; updated: string[]; stale: string[] } | undefined {
  const updateAgoS = Math.min(Infinity, ...replicas.map((x) => x.lastUpdateAgoS));
  if (updateAgoS > (ttlMs ?? 600_000) / 1000) return undefined;
  const before = (agoS: number) => agoS > updateAgoS + SAME_MOMENT_S;
  const stale = replicas
    .filter((x) => before(x.startedAgoS) && before(x.lastInvalidationAgoS))
    .map((x) => x.pod);
  if (stale.length === 0 || stale.length === replicas.length) return undefined;
  const updated = replicas.filter((x) => !stale.includes(x.pod)).map((x) => x.pod);
  return { updateAgoS, updated, stale };
}

const over = (now: number, base: number | undefined, t: { floor: number; factor: number; offset: number }) =>
  now > Math.max(t.floor, t.factor * (base ?? 0) + t.offset);

export function detect(obs: Observation): Symptom[] {
  const out: Symptom[] = [];
  const r = obs.readings;
  const rate = r.vectors.routeRate;

  for (const [route, p95] of r.vectors.routeP95) {
    if ((rate.get(route) ?? 0) < THRESHOLDS.minRouteRate || !Number.isFinite(p95)) continue;
    const base = r.baselines.routeP95.get(route);
    if (over(p95, base, THRESHOLDS.latency))
      out.push({
        kind: 'latency',
        where: 'front-end',
        route,
        now: round(p95),
        baseline: base === undefined ? undefined : round(base),
        userFacing: true,
        detail: `p95 of ${route} is ${round(p95, 2)} s (baseline ${base === undefined ? '?' : round(base, 2)} s)`,
      });
  }
  for (const [route, ratio] of r.vectors.routeErrors) {
    if ((rate.get(route) ?? 0) < THRESHOLDS.minRouteRate) continue;
    const base = r.baselines.routeErrors.get(route);
    if (over(ratio, base, THRESHOLDS.errors))
      out.push({
        kind: 'errors',
        where: 'front-end',
        route,
        now: round(ratio),
        baseline: base === undefined ? undefined : round(base),
        userFacing: true,
        detail: `${round(ratio * 100, 1)}% of ${route} answers are 5xx (baseline ${round((base ?? 0) * 100, 1)}%)`,
      });
  }

  const paid = r.paid ?? 0;
  const shipped = r.shipped ?? 0;
  if (paid >= THRESHOLDS.stalledPaid && shipped < paid / 2)
    out.push({
      kind: 'fulfilment-stalled',
      where: 'orders',
      now: round(paid - shipped, 1),
      userFacing: true,
      detail: `${round(paid, 1)} orders paid in the last 2 min, only ${round(shipped, 1)} shipped`,
    });

  const orphans = (r.authorised ?? 0) - paid;
  if (orphans >= THRESHOLDS.orphanGap && (r.failedOrders ?? 0) > 0)
    out.push({
      kind: 'orphan-payments',
      where: 'payment',
      now: round(orphans, 1),
      userFacing: true,
      detail: `${round(r.authorised ?? 0, 1)} payments authorised in 2 min but only ${round(paid, 1)} orders paid; ${round(r.failedOrders ?? 0, 1)} orders failed`,
    });

  if (r.sessionLoss !== undefined && over(r.sessionLoss, r.sessionLossBaseline, THRESHOLDS.sessionLoss))
    out.push({
      kind: 'session-loss',
      where: 'session-db',
      now: round(r.sessionLoss),
      baseline: r.sessionLossBaseline,
      userFacing: true,
      detail: `${round(r.sessionLoss, 2)} sessions/s expire or are evicted (baseline ${round(r.sessionLossBaseline ?? 0, 2)}/s): shoppers lose their carts`,
    });

  for (const q of obs.queues)
    if (q.consumers === 0 && q.messages >= THRESHOLDS.stalledQueue)
      out.push({
        kind: 'queue-stalled',
        where: q.name,
        now: q.messages,
        userFacing: true,
        detail: `queue ${q.name} holds ${q.messages} messages and has no consumer`,
      });

  const missed = missedUpdate(r.catalogueReplicas, obs.catalogueCacheTtlMs);
  if (missed && (obs.catalogueCacheTtlMs ?? 0) >= THRESHOLDS.staleTtlMs) {
    const ago = Math.round(missed.updateAgoS);
    out.push({
      kind: 'replicas-disagree',
      where: 'catalogue',
      now: missed.stale.length,
      userFacing: true,
      detail: `the last catalogue update (${ago} s ago) dropped the cache of ${missed.updated.join(', ')} only; ${missed.stale.join(', ')} started before it and kept ${missed.stale.length > 1 ? 'their' : 'its'} cache, serving data up to ${Math.round((obs.catalogueCacheTtlMs ?? 0) / 1000)} s old`,
    });
  }

  for (const c of obs.configChanges)
    if (c.bigChanges.length > 0)
      out.push({
        kind: 'config-regression',
        where: c.name,
        now: c.version,
        userFacing: true,
        detail: `config map ${c.name} version ${c.version} changed ${c.bigChanges.join(', ')}`,
      });

  for (const d of obs.deployments)
    if (d.replicas >= 1 && d.ready === 0)
      out.push({
        kind: 'unavailable',
        where: d.name,
        now: 0,
        userFacing: true,
        detail: `${d.name} wants ${d.replicas} replicas and has none ready`,
      });

  for (const [container, ratio] of r.vectors.throttle) {
    const base = r.baselines.throttle.get(container) ?? 0;
    if (ratio > THRESHOLDS.throttle.ratio && base < THRESHOLDS.throttle.baselineMax)
      out.push({
        kind: 'saturation',
        where: container,
        now: round(ratio),
        baseline: round(base),
        userFacing: false,
        detail: `${container} is CPU-throttled in ${Math.round(ratio * 100)}% of periods (baseline ${Math.round(base * 100)}%)`,
      });
  }
  for (const p of r.pools)
    if (p.queued >= THRESHOLDS.pool.queued || p.rejectedPerS >= THRESHOLDS.pool.rejectedPerS)
      out.push({
        kind: 'pool-saturation',
        where: p.job,
        now: p.queued,
        userFacing: false,
        detail: `${p.job} pool ${p.pool}: ${p.queued} tasks waiting, ${round(p.rejectedPerS, 2)}/s refused`,
      });
  return out;
}

/** A stable key for "the same symptom seen again" across polls. */
export const symptomKey = (s: Symptom) => `${s.kind}|${s.where}|${s.route ?? ''}`;
