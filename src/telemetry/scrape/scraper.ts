import { parseExposition, type MetricFamilyMeta } from '../exposition/parse.js';
import { labelsKey, type Labels } from '../tsdb/labels.js';
import type { Tsdb } from '../tsdb/tsdb.js';
import { Periodic } from '../polling/periodic.js';
import { mergeTargetLabels } from './target-labels.js';

export interface ScrapeTarget {
  job: string;
  instance: string;
  url: string;
  pod?: string;
  namespace?: string;
  /** Extra target labels (e.g. `name`, `app`). */
  labels?: Record<string, string>;
}

export interface ScraperOptions {
  tsdb: Tsdb;
  /** Called before every round: the current list of targets. */
  targets: () => ScrapeTarget[] | Promise<ScrapeTarget[]>;
  /** Default 5 s. */
  intervalMs?: number;
  /** Per scrape; default the interval. */
  timeoutMs?: number;
  /** Prometheus' honor_labels; default false. */
  honorLabels?: boolean;
  /** Clock (ms); injectable for tests. */
  now?: () => number;
}

export type TargetHealth = 'up' | 'down' | 'unknown';

export interface TargetStatus {
  target: ScrapeTarget;
  labels: Labels;
  health: TargetHealth;
  lastError: string;
  lastScrapeMs: number | undefined;
  lastScrapeDurationSeconds: number;
}

interface TargetState extends TargetStatus {
  /** Series written by the last scrape (without explicit timestamps): candidates for stale markers. */
  lastSeries: Map<string, Labels>;
}

const REPORT_METRICS = [
  'up',
  'scrape_duration_seconds',
  'scrape_samples_scraped',
  'scrape_samples_post_metric_relabeling',
  'scrape_series_added',
];
const ACCEPT = 'text/plain;version=0.0.4;q=1,*/*;q=0.1';

/** Periodic Prometheus-style scraper into a Tsdb, plus a push path for the lab's own platform series. */
export class Scraper {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  private readonly honorLabels: boolean;
  private readonly now: () => number;
  private readonly states = new Map<string, TargetState>();
  private readonly families = new Map<string, MetricFamilyMeta>();
  private readonly rounds: Periodic;
  /** The last target list discovered; kept when discovery fails, as Prometheus keeps its targets. */
  private known: ScrapeTarget[] = [];

  constructor(private readonly options: ScraperOptions) {
    this.intervalMs = options.intervalMs ?? 5000;
    this.timeoutMs = options.timeoutMs ?? this.intervalMs;
    this.honorLabels = options.honorLabels ?? false;
    this.now = options.now ?? Date.now;
    this.rounds = new Periodic(this.intervalMs, () => this.scrapeAll());
  }

  start(): void {
    this.rounds.start();
  }

  async stop(): Promise<void> {
    await this.rounds.stop();
  }

  /** One round: scrape every current target, and mark series of vanished targets stale. */
  async scrapeAll(): Promise<void> {
    const targets = await this.discover();
    const current = new Map(targets.map((t) => [targetKey(t), t]));
    const t0 = this.now();
    for (const [key, state] of this.states) {
      if (current.has(key)) continue;
      for (const labels of state.lastSeries.values()) this.options.tsdb.markStale(labels, t0);
      for (const name of REPORT_METRICS) this.options.tsdb.markStale({ ...state.labels, __name__: name }, t0);
      this.states.delete(key);
    }
    await Promise.all([...current].map(([key, target]) => this.scrapeTarget(key, target)));
  }

  /** The targets now; the last known ones when discovery fails (a lab gone or restarting). */
  private async discover(): Promise<ScrapeTarget[]> {
    try {
      this.known = await this.options.targets();
    } catch {
      // keep scraping what was known; the next round discovers again
    }
    return this.known;
  }

  private async scrapeTarget(key: string, target: ScrapeTarget): Promise<void> {
    let state = this.states.get(key);
    if (!state) {
      const labels = targetLabels(target);
      state = {
        target,
        labels,
        health: 'unknown',
        lastError: '',
        lastScrapeMs: undefined,
        lastScrapeDurationSeconds: 0,
        lastSeries: new Map(),
      };
      this.states.set(key, state);
    }
    const start = this.now();
    const started = performance.now();
    let seen = new Map<string, Labels>();
    let scraped = 0;
    let added = 0;
    try {
      const body = await this.fetchBody(target.url);
      const exposition = parseExposition(body);
      for (const [name, meta] of exposition.metadata) this.families.set(name, meta);
      for (const sample of exposition.samples) {
        const labels = mergeTargetLabels(sample.name, sample.labels, state.labels, this.honorLabels);
        const ts = sample.timestampMs ?? start;
        const result = this.options.tsdb.append(labels, ts, sample.value);
        scraped++;
        if (sample.timestampMs === undefined) {
          const k = labelsKey(labels);
          if (!state.lastSeries.has(k) && result === 'ok') added++;
          seen.set(k, labels);
        }
      }
      state.health = 'up';
      state.lastError = '';
    } catch (err) {
      state.health = 'down';
      state.lastError = (err as Error).message;
      seen = new Map(); // a failed scrape counts as an empty one: everything goes stale
    }
    for (const [k, labels] of state.lastSeries) if (!seen.has(k)) this.options.tsdb.markStale(labels, start);
    state.lastSeries = seen;
    state.lastScrapeMs = start;
    state.lastScrapeDurationSeconds = (performance.now() - started) / 1000;
    const report: [string, number][] = [
      ['up', state.health === 'up' ? 1 : 0],
      ['scrape_duration_seconds', state.lastScrapeDurationSeconds],
      ['scrape_samples_scraped', scraped],
      ['scrape_samples_post_metric_relabeling', scraped],
      ['scrape_series_added', added],
    ];
    for (const [name, value] of report)
      this.options.tsdb.append({ ...state.labels, __name__: name }, start, value);
  }

  private async fetchBody(url: string): Promise<string> {
    let res: Response;
    try {
      res = await fetch(url, { headers: { accept: ACCEPT }, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      const e = err as Error;
      const reason =
        e.name === 'TimeoutError'
          ? 'context deadline exceeded'
          : ((e.cause as Error | undefined)?.message ?? e.message);
      throw new Error(`Get "${url}": ${reason}`, { cause: err });
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new Error(`server returned HTTP status ${res.status} ${res.statusText}`);
    }
    return res.text();
  }

  /** Pushes one sample of a platform series (e.g. container_cpu_usage_seconds_total). `ts` in ms, default now. */
  appendSamples(labels: Labels, value: number, ts: number = this.now()): void {
    this.options.tsdb.append(labels, ts, value);
  }

  /** Ends a pushed series: instant queries stop returning it from `ts` on. */
  markStale(labels: Labels, ts: number = this.now()): void {
    this.options.tsdb.markStale(labels, ts);
  }

  /** Declares TYPE/HELP for pushed series so /api/v1/metadata can describe them. */
  describe(name: string, meta: MetricFamilyMeta): void {
    this.families.set(name, meta);
  }

  targetStatuses(): TargetStatus[] {
    return [...this.states.values()].map(({ lastSeries: _omit, ...status }) => status);
  }

  metadata(): ReadonlyMap<string, MetricFamilyMeta> {
    return this.families;
  }
}

function targetKey(t: ScrapeTarget): string {
  return `${t.url}\u0000${labelsKey(targetLabels(t))}`;
}

export function targetLabels(t: ScrapeTarget): Labels {
  const labels: Record<string, string> = { ...t.labels, job: t.job, instance: t.instance };
  if (t.pod) labels['pod'] = t.pod;
  if (t.namespace) labels['namespace'] = t.namespace;
  return labels;
}
