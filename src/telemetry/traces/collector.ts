/**
 * Pulls finished spans from every pod's `/spans?after=<seq>&limit=` incrementally, like a scraper.
 * A pod that restarted starts its sequence again at 0; when a poll brings nothing, one probe
 * (`after=cursor-1`) tells whether the span at the cursor still exists, and if not the cursor is reset.
 */
import { request } from 'undici';
import { Periodic } from '../polling/periodic.js';
import type { TraceStore } from './store.js';
import type { SpanData } from './types.js';
import { toSpanData } from './validate.js';

export interface SpanTarget {
  pod: string;
  /** Base URL of the pod, e.g. http://127.0.0.1:41234 */
  url: string;
  /** Used when a span has no service of its own. */
  service?: string;
}

export interface SpanCollectorOptions {
  store: TraceStore;
  /** Called before every round: the pods to read. */
  targets: () => SpanTarget[] | Promise<SpanTarget[]>;
  /** Default 2 s. */
  intervalMs?: number;
  /** Per request; default 2 s. */
  timeoutMs?: number;
  /** Spans per request (the pods serve at most 5,000); default 1,000. */
  pageSize?: number;
  /** Pages per target per round, so one busy pod cannot hold a round (default 10). */
  maxPages?: number;
  /**
   * Server spans of these paths are dropped: the lab's own polling of `/spans` and scraping of
   * `/metrics` would otherwise fill the store with traces of itself. Default /spans, /metrics, /prometheus.
   */
  ignorePaths?: string[];
  onError?: (error: unknown, target?: SpanTarget) => void;
}

export interface SpanTargetStatus {
  target: SpanTarget;
  cursor: number;
  lastError: string;
  spansCollected: number;
}

interface SpansPage {
  next: number;
  spans: unknown[];
}

export class SpanCollector {
  private readonly periodic: Periodic;
  private readonly states = new Map<string, SpanTargetStatus>();
  private readonly ignorePaths: Set<string>;

  constructor(private readonly options: SpanCollectorOptions) {
    this.ignorePaths = new Set(options.ignorePaths ?? ['/spans', '/metrics', '/prometheus']);
    this.periodic = new Periodic(
      options.intervalMs ?? 2000,
      () => this.collect(),
      (e) => options.onError?.(e),
    );
  }

  start(): void {
    this.periodic.start();
  }

  stop(): Promise<void> {
    return this.periodic.stop();
  }

  pollOnce(): Promise<void> {
    return this.periodic.tick();
  }

  status(): SpanTargetStatus[] {
    return [...this.states.values()];
  }

  private async collect(): Promise<void> {
    const targets = await this.options.targets();
    const keys = new Set(targets.map(keyOf));
    for (const key of this.states.keys()) if (!keys.has(key)) this.states.delete(key);
    await Promise.all(targets.map((t) => this.collectTarget(t)));
  }

  private async collectTarget(target: SpanTarget): Promise<void> {
    const key = keyOf(target);
    let state = this.states.get(key);
    if (!state) this.states.set(key, (state = { target, cursor: 0, lastError: '', spansCollected: 0 }));
    const pageSize = this.options.pageSize ?? 1000;
    try {
      for (let page = 0; page < (this.options.maxPages ?? 10); page++) {
        const result = await this.fetchPage(target, state.cursor, pageSize);
        if (result.spans.length === 0) {
          if (state.cursor > 0 && (await this.fetchPage(target, state.cursor - 1, 1)).next < state.cursor) {
            state.cursor = 0; // the pod restarted: its sequence began again
            continue;
          }
          break;
        }
        const spans = result.spans
          .flatMap((raw) => toSpanData(raw, target) ?? [])
          .filter((s) => !this.isLabTraffic(s));
        state.spansCollected += this.options.store.add(spans);
        state.cursor = result.next;
        if (result.spans.length < pageSize) break;
      }
      state.lastError = '';
    } catch (error) {
      state.lastError = (error as Error).message;
      this.options.onError?.(error, target);
    }
  }

  private isLabTraffic(span: SpanData): boolean {
    return (
      span.kind === 'SERVER' &&
      !span.parentSpanId &&
      this.ignorePaths.has(String(span.attributes['url.path']))
    );
  }

  private async fetchPage(target: SpanTarget, after: number, limit: number): Promise<SpansPage> {
    const timeoutMs = this.options.timeoutMs ?? 2000;
    const res = await request(`${target.url.replace(/\/$/, '')}/spans?after=${after}&limit=${limit}`, {
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`${target.pod}: /spans answered ${res.statusCode}`);
    const body = JSON.parse(text) as Partial<SpansPage>;
    if (typeof body.next !== 'number' || !Array.isArray(body.spans)) {
      throw new Error(`${target.pod}: /spans answered an unexpected shape`);
    }
    return { next: body.next, spans: body.spans };
  }
}

function keyOf(target: SpanTarget): string {
  return `${target.pod}\u0000${target.url}`;
}
