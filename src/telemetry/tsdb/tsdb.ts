import { METRIC_NAME, labelsKey, normalizeLabels, type Labels } from './labels.js';
import { matchesAll, type LabelMatcher } from './matchers.js';
import { Chunk } from './chunk.js';
import { Series } from './series.js';

export interface TsdbOptions {
  /** Samples older than this (relative to the newest appended sample) are dropped. Default 6 h. */
  retentionMs?: number;
  /** New series beyond this count are refused (bounded memory). Default 1,000,000. */
  maxSeries?: number;
  /**
   * Memory budget of the samples (approxBytes of stats()). Above it, compaction drops the oldest
   * samples until the rest fits, whatever the retention: a lab under load exposes ~30,000 series
   * (15 MB a minute at a 2 s scrape), which 6 hours would take past the Node heap limit. Default 1 GiB.
   */
  maxBytes?: number;
}

export interface TsdbStats {
  series: number;
  samples: number;
  chunks: number;
  approxBytes: number;
  rejectedOutOfOrder: number;
  rejectedSeriesLimit: number;
}

export type AppendResult = 'ok' | 'out_of_order' | 'series_limit';

const COMPACT_EVERY_MS = 60_000;

/** In-memory time-series store for one lab run, with an inverted index label → value → series ids. */
export class Tsdb {
  private readonly byKey = new Map<string, Series>();
  private readonly byId = new Map<number, Series>();
  private readonly postings = new Map<string, Map<string, Set<number>>>();
  private nextId = 1;
  private maxTime = -Infinity;
  private lastCompact = -Infinity;
  private samples = 0;
  private rejectedOutOfOrder = 0;
  private rejectedSeriesLimit = 0;
  readonly retentionMs: number;
  readonly maxSeries: number;
  readonly maxBytes: number;

  constructor(options: TsdbOptions = {}) {
    this.retentionMs = options.retentionMs ?? 6 * 3600_000;
    this.maxSeries = options.maxSeries ?? 1_000_000;
    this.maxBytes = options.maxBytes ?? 2 ** 30;
  }

  /** Appends one float sample (ms timestamp). Samples must arrive in time order per series. */
  append(labels: Labels, t: number, v: number): AppendResult {
    return this.appendSample(labels, t, v, false);
  }

  /** Writes a staleness marker so instant queries stop returning the series from `t` on. */
  markStale(labels: Labels, t: number): void {
    const series = this.byKey.get(labelsKey(labels));
    if (series && !series.lastStale && t > series.lastTime) this.appendSample(series.labels, t, NaN, true);
  }

  private appendSample(labels: Labels, t: number, v: number, stale: boolean): AppendResult {
    const key = labelsKey(labels);
    let series = this.byKey.get(key);
    if (series === undefined) {
      if (this.byKey.size >= this.maxSeries) {
        this.rejectedSeriesLimit++;
        return 'series_limit';
      }
      series = this.createSeries(normalizeLabels(labels), key);
    } else if (t <= series.lastTime) {
      this.rejectedOutOfOrder++;
      return 'out_of_order';
    }
    series.append(t, v, stale);
    this.samples++;
    if (t > this.maxTime) this.maxTime = t;
    if (this.maxTime - this.lastCompact >= COMPACT_EVERY_MS) this.compact();
    return 'ok';
  }

  private createSeries(labels: Labels, key: string): Series {
    const series = new Series(this.nextId++, labels, key);
    this.byKey.set(key, series);
    this.byId.set(series.id, series);
    for (const [name, value] of Object.entries(labels)) {
      let values = this.postings.get(name);
      if (!values) this.postings.set(name, (values = new Map()));
      let ids = values.get(value);
      if (!ids) values.set(value, (ids = new Set()));
      ids.add(series.id);
    }
    return series;
  }

  private deleteSeries(series: Series): void {
    this.byKey.delete(series.key);
    this.byId.delete(series.id);
    for (const [name, value] of Object.entries(series.labels)) {
      const values = this.postings.get(name);
      const ids = values?.get(value);
      ids?.delete(series.id);
      if (ids && ids.size === 0) values!.delete(value);
      if (values && values.size === 0) this.postings.delete(name);
    }
  }

  /** Applies retention and the memory budget: drops old chunks and series left without samples. */
  compact(): void {
    this.lastCompact = this.maxTime;
    this.truncateBefore(this.maxTime - this.retentionMs);
    const bytes = this.stats().approxBytes;
    if (bytes <= this.maxBytes) return;
    // Samples arrive at a steady rate, so the newest (budget / size) of the stored span fits; a tenth
    // less leaves room until the next compaction.
    let oldest = this.maxTime;
    for (const series of this.byId.values()) oldest = Math.min(oldest, series.chunks[0].minTime);
    this.truncateBefore(this.maxTime - ((this.maxTime - oldest) * 0.9 * this.maxBytes) / bytes);
  }

  private truncateBefore(minTime: number): void {
    for (const series of this.byId.values()) {
      this.samples -= series.truncateBefore(minTime);
      if (series.chunks.length === 0) this.deleteSeries(series);
    }
  }

  /** Series matching all matchers. Uses postings of matchers that reject the empty value, then filters. */
  select(matchers: readonly LabelMatcher[]): Series[] {
    let candidates: Set<number> | undefined;
    for (const m of matchers) {
      if (m.matches('')) continue;
      const ids = this.postingsFor(m);
      if (candidates === undefined) {
        candidates = ids;
      } else {
        const next = new Set<number>();
        const [small, large] = ids.size < candidates.size ? [ids, candidates] : [candidates, ids];
        for (const id of small) if (large.has(id)) next.add(id);
        candidates = next;
      }
      if (candidates.size === 0) return [];
    }
    const pool =
      candidates === undefined ? this.byId.values() : [...candidates].map((id) => this.byId.get(id)!);
    const out: Series[] = [];
    for (const series of pool) if (matchesAll(series.labels, matchers)) out.push(series);
    return out;
  }

  private postingsFor(m: LabelMatcher): Set<number> {
    const values = this.postings.get(m.name);
    if (!values) return new Set();
    if (m.type === '=') return values.get(m.value) ?? new Set();
    const out = new Set<number>();
    for (const [value, ids] of values) if (m.matches(value)) for (const id of ids) out.add(id);
    return out;
  }

  /** Label names present on series that match (all series when no matchers). */
  labelNames(matchers: readonly LabelMatcher[] = []): string[] {
    if (matchers.length === 0) return [...this.postings.keys()].sort();
    const names = new Set<string>();
    for (const s of this.select(matchers)) for (const n of Object.keys(s.labels)) names.add(n);
    return [...names].sort();
  }

  labelValues(name: string, matchers: readonly LabelMatcher[] = []): string[] {
    if (matchers.length === 0) return [...(this.postings.get(name)?.keys() ?? [])].sort();
    const values = new Set<string>();
    for (const s of this.select(matchers)) {
      const v = s.labels[name];
      if (v !== undefined) values.add(v);
    }
    return [...values].sort();
  }

  metricNames(): string[] {
    return this.labelValues(METRIC_NAME);
  }

  get newestTime(): number {
    return this.maxTime;
  }

  stats(): TsdbStats {
    let chunks = 0;
    for (const s of this.byId.values()) chunks += s.chunks.length;
    return {
      series: this.byKey.size,
      samples: this.samples,
      chunks,
      approxBytes: chunks * Chunk.BYTES + this.byKey.size * 200,
      rejectedOutOfOrder: this.rejectedOutOfOrder,
      rejectedSeriesLimit: this.rejectedSeriesLimit,
    };
  }
}
