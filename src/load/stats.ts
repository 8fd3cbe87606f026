/**
 * Per-endpoint statistics in HDR histograms (microseconds, 3 significant digits, WebAssembly
 * mode: about 2.5× faster to record than the JS arrays). Entries are keyed by method + name like
 * Locust's. Optionally Locust's own rounded buckets are kept too, so percentiles can be compared
 * number for number with a Locust run (mechanics.md §2.1: ~2 significant digits, walked from the top).
 */
import * as hdr from 'hdr-histogram-js';

hdr.initWebAssemblySync(); // idempotent

const HISTOGRAM = {
  lowestDiscernibleValue: 1,
  highestTrackableValue: 3_600_000_000, // one hour in µs
  numberOfSignificantValueDigits: 3 as const,
  bitBucketSize: 32 as const,
  useWebAssembly: true,
};

/** Locust's PERCENTILES_TO_REPORT. */
export const REPORTED_PERCENTILES = [0.5, 0.66, 0.75, 0.8, 0.9, 0.95, 0.98, 0.99, 0.999, 0.9999, 1] as const;

/** Locust's column label for a percentile: 0.5 → "50%", 0.999 → "99.9%". */
export function percentileLabel(p: number): string {
  const pct = p * 100;
  return `${Number.isInteger(pct) ? pct : Number(pct.toFixed(6))}%`;
}

export type PercentileMode = 'hdr' | 'locust';

/** Seconds of per-second counts kept for the "current" rate, as Locust's 10 s window. */
const CURRENT_WINDOW_S = 10;
const RING = CURRENT_WINDOW_S + 2;

export interface EndpointSnapshot {
  method: string;
  name: string;
  requests: number;
  failures: number;
  failuresByReason: Record<string, number>;
  avgMs: number;
  minMs: number;
  maxMs: number;
  /** Keyed by Locust's labels: "50%", "66%", …, "99.9%", "99.99%", "100%". */
  percentilesMs: Record<string, number>;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** Requests per second over the whole run. */
  rps: number;
  /** Requests per second over the last 10 s. */
  currentRps: number;
  failuresPerS: number;
  avgContentBytes: number;
}

/** What a worker thread sends: its stats since the previous report, histograms encoded. */
export interface EndpointDelta {
  method: string;
  name: string;
  requests: number;
  failures: number;
  reasons: Array<[string, number]>;
  bytes: number;
  sumUs: number;
  minUs: number;
  maxUs: number;
  histogram: string;
  locust: Array<[number, number]>;
}

export class EndpointStats {
  requests = 0;
  failures = 0;
  bytes = 0;
  sumUs = 0;
  minUs = Infinity;
  maxUs = 0;
  readonly reasons = new Map<string, number>();
  private histogram = hdr.build(HISTOGRAM);
  private readonly locust: Map<number, number> | undefined;
  private readonly perSecond = new Float64Array(RING);
  private readonly perSecondAt = new Float64Array(RING);

  constructor(
    readonly method: string,
    readonly name: string,
    locustBuckets: boolean,
  ) {
    this.locust = locustBuckets ? new Map() : undefined;
  }

  record(latencyUs: number, bytes: number, failure: string | undefined, nowMs: number): void {
    const us = latencyUs < 1 ? 1 : Math.round(latencyUs);
    this.requests++;
    this.bytes += bytes;
    this.sumUs += us;
    if (us < this.minUs) this.minUs = us;
    if (us > this.maxUs) this.maxUs = us;
    this.histogram.recordValue(us > HISTOGRAM.highestTrackableValue ? HISTOGRAM.highestTrackableValue : us);
    if (this.locust) {
      const key = locustRound(us / 1000);
      this.locust.set(key, (this.locust.get(key) ?? 0) + 1);
    }
    if (failure !== undefined) {
      this.failures++;
      this.reasons.set(failure, (this.reasons.get(failure) ?? 0) + 1);
    }
    this.countSecond(nowMs, 1);
  }

  private countSecond(nowMs: number, n: number): void {
    const second = Math.floor(nowMs / 1000);
    const slot = second % RING;
    if (this.perSecondAt[slot] !== second) {
      this.perSecondAt[slot] = second;
      this.perSecond[slot] = 0;
    }
    this.perSecond[slot] += n;
  }

  private currentRps(nowMs: number, elapsedMs: number): number {
    const now = Math.floor(nowMs / 1000);
    let sum = 0;
    // Whole seconds only: the second in progress would read low.
    for (let s = now - CURRENT_WINDOW_S; s < now; s++) {
      const slot = s % RING;
      if (this.perSecondAt[slot] === s) sum += this.perSecond[slot];
    }
    const window = Math.min(CURRENT_WINDOW_S, Math.max(1, Math.floor(elapsedMs / 1000)));
    return sum / window;
  }

  /** Takes the counts since the last call, for a worker's report; this entry starts again from zero. */
  takeDelta(): EndpointDelta {
    const delta: EndpointDelta = {
      method: this.method,
      name: this.name,
      requests: this.requests,
      failures: this.failures,
      reasons: [...this.reasons],
      bytes: this.bytes,
      sumUs: this.sumUs,
      minUs: this.minUs,
      maxUs: this.maxUs,
      histogram: hdr.encodeIntoCompressedBase64(this.histogram),
      locust: this.locust ? [...this.locust] : [],
    };
    this.requests = this.failures = this.bytes = this.sumUs = this.maxUs = 0;
    this.minUs = Infinity;
    this.reasons.clear();
    this.locust?.clear();
    this.histogram.reset();
    return delta;
  }

  merge(delta: EndpointDelta, nowMs: number): void {
    this.requests += delta.requests;
    this.failures += delta.failures;
    this.bytes += delta.bytes;
    this.sumUs += delta.sumUs;
    this.minUs = Math.min(this.minUs, delta.minUs);
    this.maxUs = Math.max(this.maxUs, delta.maxUs);
    for (const [reason, n] of delta.reasons) this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + n);
    if (this.locust)
      for (const [key, n] of delta.locust) this.locust.set(key, (this.locust.get(key) ?? 0) + n);
    const other = hdr.decodeFromCompressedBase64(delta.histogram, 32, true);
    this.histogram.add(other);
    other.destroy();
    this.countSecond(nowMs, delta.requests);
  }

  snapshot(mode: PercentileMode, nowMs: number, elapsedMs: number): EndpointSnapshot {
    const percentilesMs: Record<string, number> = {};
    for (const p of REPORTED_PERCENTILES) percentilesMs[percentileLabel(p)] = this.percentileMs(p, mode);
    const elapsedS = Math.max(elapsedMs / 1000, 1e-3);
    return {
      method: this.method,
      name: this.name,
      requests: this.requests,
      failures: this.failures,
      failuresByReason: Object.fromEntries(this.reasons),
      avgMs: this.requests ? this.sumUs / this.requests / 1000 : 0,
      minMs: this.requests ? this.minUs / 1000 : 0,
      maxMs: this.maxUs / 1000,
      percentilesMs,
      p50Ms: percentilesMs['50%'],
      p95Ms: percentilesMs['95%'],
      p99Ms: percentilesMs['99%'],
      rps: this.requests / elapsedS,
      currentRps: this.currentRps(nowMs, elapsedMs),
      failuresPerS: this.failures / elapsedS,
      avgContentBytes: this.requests ? this.bytes / this.requests : 0,
    };
  }

  private percentileMs(p: number, mode: PercentileMode): number {
    if (this.requests === 0) return 0;
    if (mode === 'locust' && this.locust) return locustPercentile(this.locust, this.requests, p);
    if (p >= 1) return this.maxUs / 1000;
    return this.histogram.getValueAtPercentile(p * 100) / 1000;
  }

  destroy(): void {
    this.histogram.destroy();
  }
}

/** Python's round() on a float: ties go to the even neighbour. */
function pyRound(x: number, digits: number): number {
  const scale = 10 ** -digits;
  const scaled = x / scale;
  const floor = Math.floor(scaled);
  const diff = scaled - floor;
  const rounded = diff > 0.5 || (diff === 0.5 && floor % 2 !== 0) ? floor + 1 : floor;
  return rounded * scale;
}

/** Locust's response-time bucket for a time in ms (stats.py `_log_response_time`). */
export function locustRound(ms: number): number {
  if (ms < 100) return pyRound(ms, 0);
  if (ms < 1000) return pyRound(ms, -1);
  if (ms < 10000) return pyRound(ms, -2);
  return pyRound(ms, -3);
}

/** Locust's `calculate_response_time_percentile`: walk buckets from the largest down. */
export function locustPercentile(buckets: ReadonlyMap<number, number>, total: number, p: number): number {
  const wanted = Math.floor(total * p);
  let processed = 0;
  for (const key of [...buckets.keys()].sort((a, b) => b - a)) {
    processed += buckets.get(key)!;
    if (total - processed <= wanted) return key;
  }
  return 0;
}

/** All entries of a run plus the aggregated row (recorded alongside, so no merging on snapshots). */
export class LoadStats {
  private readonly entries = new Map<string, EndpointStats>();
  readonly total: EndpointStats;

  constructor(private readonly locustBuckets: boolean) {
    this.total = new EndpointStats('', 'Aggregated', locustBuckets);
  }

  entry(method: string, name: string): EndpointStats {
    const key = `${method} ${name}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = new EndpointStats(method, name, this.locustBuckets);
      this.entries.set(key, entry);
    }
    return entry;
  }

  record(
    entry: EndpointStats,
    latencyUs: number,
    bytes: number,
    failure: string | undefined,
    nowMs: number,
  ): void {
    entry.record(latencyUs, bytes, failure, nowMs);
    this.total.record(latencyUs, bytes, failure, nowMs);
  }

  takeDeltas(): EndpointDelta[] {
    return [...this.entries.values()].filter((e) => e.requests > 0).map((e) => e.takeDelta());
  }

  /** Merges a worker's report; the aggregated row gets every entry's histogram too. */
  merge(deltas: readonly EndpointDelta[], nowMs: number): void {
    for (const delta of deltas) {
      this.entry(delta.method, delta.name).merge(delta, nowMs);
      this.total.merge(delta, nowMs);
    }
  }

  snapshot(
    mode: PercentileMode,
    nowMs: number,
    elapsedMs: number,
  ): { entries: EndpointSnapshot[]; aggregated: EndpointSnapshot } {
    const entries = [...this.entries.values()]
      .filter((e) => e.requests > 0)
      .sort((a, b) => a.name.localeCompare(b.name) || a.method.localeCompare(b.method))
      .map((e) => e.snapshot(mode, nowMs, elapsedMs));
    return { entries, aggregated: this.total.snapshot(mode, nowMs, elapsedMs) };
  }

  destroy(): void {
    for (const entry of this.entries.values()) entry.destroy();
    this.total.destroy();
  }
}
