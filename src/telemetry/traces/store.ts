/**
 * The run's traces: spans from every pod and from OTLP senders, assembled by trace id, bounded
 * (oldest traces go first), queryable like Jaeger's search (a trace matches when one of its spans
 * satisfies service, operation, duration, error and time together) and readable as a tree.
 */
import { toEpochMs } from '../polling/periodic.js';
import { dependencyEdges } from './dependencies.js';
import {
  TraceQueryError,
  type DependencyEdge,
  type SpanData,
  type SpanNode,
  type TraceQuery,
  type TraceSummary,
  type TraceTree,
} from './types.js';

export interface TraceStoreOptions {
  /** Default 20,000 traces. */
  maxTraces?: number;
  /** Default 200,000 spans overall. */
  maxSpans?: number;
  /** Further spans of a huge trace are dropped (default 5,000). */
  maxSpansPerTrace?: number;
}

export interface StoredTrace {
  traceId: string;
  spans: Map<string, SpanData>;
  startUs: number;
  endUs: number;
}

export class TraceStore {
  private readonly traces = new Map<string, StoredTrace>();
  private readonly maxTraces: number;
  private readonly maxSpans: number;
  private readonly maxSpansPerTrace: number;
  private spanCount = 0;
  private dropped = 0;

  constructor(options: TraceStoreOptions = {}) {
    this.maxTraces = options.maxTraces ?? 20_000;
    this.maxSpans = options.maxSpans ?? 200_000;
    this.maxSpansPerTrace = options.maxSpansPerTrace ?? 5_000;
  }

  /** Adds spans; a span already stored (same trace and span id) is replaced, not counted twice. */
  add(spans: Iterable<SpanData>): number {
    let added = 0;
    for (const span of spans) {
      let trace = this.traces.get(span.traceId);
      if (!trace) {
        trace = {
          traceId: span.traceId,
          spans: new Map(),
          startUs: span.startUs,
          endUs: span.startUs + span.durationUs,
        };
        this.traces.set(span.traceId, trace);
      }
      const isNew = !trace.spans.has(span.spanId);
      if (isNew && trace.spans.size >= this.maxSpansPerTrace) {
        this.dropped++;
        continue;
      }
      trace.spans.set(span.spanId, span);
      trace.startUs = Math.min(trace.startUs, span.startUs);
      trace.endUs = Math.max(trace.endUs, span.startUs + span.durationUs);
      if (isNew) {
        this.spanCount++;
        added++;
      }
    }
    this.evict();
    return added;
  }

  stats(): { traces: number; spans: number; dropped: number } {
    return { traces: this.traces.size, spans: this.spanCount, dropped: this.dropped };
  }

  /** Traces with at least one span matching every condition, newest first. */
  query(query: TraceQuery = {}): TraceSummary[] {
    const limit = clamp(query.limit, 20, 1000);
    const test = spanMatcher(query);
    const found: TraceSummary[] = [];
    for (const trace of this.traces.values()) {
      let matched = 0;
      for (const span of trace.spans.values()) if (test(span)) matched++;
      if (matched) found.push(summarize(trace, matched));
    }
    return found.sort((a, b) => (a.start < b.start ? 1 : a.start > b.start ? -1 : 0)).slice(0, limit);
  }

  /** Spans matching the query (newest first), for callers that want spans rather than traces. */
  spans(query: TraceQuery = {}): SpanData[] {
    const limit = clamp(query.limit, 100, 10_000);
    const test = spanMatcher(query);
    const found: SpanData[] = [];
    for (const trace of this.traces.values())
      for (const span of trace.spans.values()) if (test(span)) found.push(span);
    return found.sort((a, b) => b.startUs - a.startUs).slice(0, limit);
  }

  getTrace(traceId: string): TraceTree | undefined {
    const trace = this.traces.get(traceId.toLowerCase());
    return trace ? buildTree(trace) : undefined;
  }

  /** Service dependency edges over traces that started in [from, to] (default: all kept). */
  dependencies(window: Pick<TraceQuery, 'from' | 'to'> = {}): DependencyEdge[] {
    const from = bound(window.from, -Infinity, 'from') * 1000;
    const to = bound(window.to, Infinity, 'to') * 1000;
    const inWindow = [...this.traces.values()].filter((t) => t.startUs >= from && t.startUs <= to);
    return dependencyEdges(inWindow);
  }

  private evict(): void {
    for (const [id, trace] of this.traces) {
      if (this.traces.size <= this.maxTraces && this.spanCount <= this.maxSpans) return;
      this.traces.delete(id);
      this.spanCount -= trace.spans.size;
    }
  }
}

function spanMatcher(query: TraceQuery): (span: SpanData) => boolean {
  const fromUs = bound(query.from, -Infinity, 'from') * 1000;
  const toUs = bound(query.to, Infinity, 'to') * 1000;
  const minUs = durationBound(query.minDurationMs, 'minDurationMs', 0);
  const maxUs = durationBound(query.maxDurationMs, 'maxDurationMs', Infinity);
  return (s) =>
    (!query.service || s.service === query.service) &&
    (!query.operation || s.name === query.operation) &&
    (!query.error || s.status === 'ERROR') &&
    s.durationUs >= minUs &&
    s.durationUs <= maxUs &&
    s.startUs >= fromUs &&
    s.startUs <= toUs;
}

function summarize(trace: StoredTrace, matchedSpans: number): TraceSummary {
  const services = new Set<string>();
  let errorCount = 0;
  let root: SpanData | undefined;
  for (const span of trace.spans.values()) {
    services.add(span.service);
    if (span.status === 'ERROR') errorCount++;
    const isRoot = !span.parentSpanId || !trace.spans.has(span.parentSpanId);
    if (isRoot && (!root || span.startUs < root.startUs)) root = span;
  }
  return {
    traceId: trace.traceId,
    start: new Date(trace.startUs / 1000).toISOString(),
    durationMs: (trace.endUs - trace.startUs) / 1000,
    spanCount: trace.spans.size,
    errorCount,
    services: [...services].sort(),
    ...(root ? { root: { service: root.service, name: root.name, status: root.status } } : {}),
    matchedSpans,
  };
}

function buildTree(trace: StoredTrace): TraceTree {
  const nodes = new Map<string, SpanNode>();
  for (const span of trace.spans.values()) {
    nodes.set(span.spanId, {
      ...span,
      offsetMs: (span.startUs - trace.startUs) / 1000,
      durationMs: span.durationUs / 1000,
      children: [],
    });
  }
  const roots: SpanNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.parentSpanId ? nodes.get(node.parentSpanId) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  const byStart = (a: SpanNode, b: SpanNode) => a.startUs - b.startUs;
  for (const node of nodes.values()) node.children.sort(byStart);
  return {
    traceId: trace.traceId,
    start: new Date(trace.startUs / 1000).toISOString(),
    durationMs: (trace.endUs - trace.startUs) / 1000,
    spanCount: trace.spans.size,
    roots: roots.sort(byStart),
  };
}

/** A time bound in ms (undefined → fallback). */
function bound(value: number | string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  try {
    return toEpochMs(value);
  } catch (error) {
    throw new TraceQueryError(`${name}: ${(error as Error).message}`);
  }
}

function durationBound(ms: number | undefined, name: string, fallback: number): number {
  if (ms === undefined) return fallback;
  if (!Number.isFinite(ms) || ms < 0)
    throw new TraceQueryError(`${name} must be a non-negative number of ms`);
  return ms * 1000;
}

function clamp(value: number | undefined, fallback: number, max: number): number {
  if (value === undefined || !Number.isFinite(value) || value <= 0) return fallback;
  return Math.min(Math.floor(value), max);
}
