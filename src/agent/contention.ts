/**
 * Contention or a localised fault? On a shared node a CPU-hungry neighbour slows every process
 * together: every route's and every service's p95 rises at once (CPU-heavy routes such as /login the
 * most), with nothing changed in the platform. A fault is local: its route slows far more than the
 * routes and services that do not depend on the same service. A golden-signal deviation that is not
 * local is never an incident on its own (a rule with evidence of a change, or a business signal, is).
 */
import { THRESHOLDS } from './detect.js';
import { round } from './json.js';
import { routeOwner } from './rules.js';
import type { Readings } from './signals.js';
import type { Symptom } from './types.js';

/** Seconds added to both sides of a p95 ratio, so that millisecond baselines do not turn noise into ×10. */
const DAMP_S = 0.05;
/** Peers slower than their baseline by this median factor: the whole node is slow. */
const WIDE_SLOWDOWN = 2;
/** A local slowdown is at least this many times its peers' median slowdown. */
const LOCAL_FACTOR = 3;
/** Peers answering this share of 5xx (median): failures are everywhere, not local. */
const WIDE_ERRORS = 0.05;
/** A local error ratio exceeds its peers' median by this margin. */
const LOCAL_ERROR_MARGIN = 0.15;

/** How many times slower than its baseline a p95 is (damped). */
export const slowdown = (now: number, base: number | undefined): number =>
  (now + DAMP_S) / ((base ?? now) + DAMP_S);

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export interface Peers {
  /** Routes of other services with traffic, and services other than the front-end and the owner. */
  count: number;
  /** Median p95 slowdown of the peers. */
  slowdown?: number;
  /** Median 5xx ratio of the peer routes. */
  errors?: number;
}

/** The peers of a route: the routes and services that do not go through the service that owns it. */
export function peersOf(r: Readings, route: string): Peers {
  const owner = routeOwner(route);
  const busy = (rate: number | undefined) => (rate ?? 0) >= THRESHOLDS.minRouteRate;
  const routes = [...r.vectors.routeP95.keys()].filter(
    (x) => x !== route && routeOwner(x) !== owner && busy(r.vectors.routeRate.get(x)),
  );
  const services = [...r.vectors.serviceP95.keys()].filter(
    (j) => j !== owner && j !== 'front-end' && busy(r.vectors.serviceRate.get(j)),
  );
  const slow = [
    ...routes.map((x) => slowdown(r.vectors.routeP95.get(x)!, r.baselines.routeP95.get(x))),
    ...services.map((j) => slowdown(r.vectors.serviceP95.get(j)!, r.baselines.serviceP95.get(j))),
  ].filter(Number.isFinite);
  return {
    count: slow.length,
    slowdown: median(slow),
    errors: median(routes.map((x) => r.vectors.routeErrors.get(x) ?? 0)),
  };
}

/** Whether a route's latency or error symptom stands out from its peers (true when it has none to compare). */
export function localised(s: Symptom, peers: Peers): boolean {
  if (s.kind === 'latency') {
    if (peers.slowdown === undefined) return true;
    return (
      peers.slowdown < WIDE_SLOWDOWN &&
      slowdown(s.now, s.baseline) >= LOCAL_FACTOR * Math.max(1, peers.slowdown)
    );
  }
  if (s.kind === 'errors') {
    if (peers.errors === undefined) return true;
    return peers.errors < WIDE_ERRORS && s.now >= peers.errors + LOCAL_ERROR_MARGIN;
  }
  return true;
}

export const describePeers = (p: Peers): string =>
  `${p.count} peer route(s)/service(s): median slowdown ×${round(p.slowdown ?? 1, 1)}, median 5xx ${round((p.errors ?? 0) * 100, 1)}%`;
