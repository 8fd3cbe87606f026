/**
 * Spans as the lab keeps them. The shape is the one shop pods serve at `/spans` (see
 * src/shop/common/tracing.ts `SpanRecord`); OTLP spans are converted to it.
 */
export const SPAN_KINDS = ['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'] as const;
export type SpanKindName = (typeof SPAN_KINDS)[number];
export type SpanStatusName = 'UNSET' | 'OK' | 'ERROR';

export interface SpanData {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  /** HTTP server spans: "{method} {route}". */
  name: string;
  kind: SpanKindName;
  service: string;
  pod: string;
  startUs: number;
  durationUs: number;
  status: SpanStatusName;
  statusMessage?: string;
  attributes: Record<string, unknown>;
}

export interface TraceQuery {
  service?: string;
  /** Span name, exact (e.g. "GET /catalogue"). */
  operation?: string;
  minDurationMs?: number;
  maxDurationMs?: number;
  /** Only spans with status ERROR. */
  error?: boolean;
  /** Bounds on the matching span's start: epoch ms, epoch seconds or ISO. */
  from?: number | string;
  to?: number | string;
  /** Default 20, at most 1,000. */
  limit?: number;
}

export interface TraceSummary {
  traceId: string;
  start: string;
  durationMs: number;
  spanCount: number;
  errorCount: number;
  services: string[];
  /** The span without a parent in the trace (the entry point), if it arrived. */
  root?: { service: string; name: string; status: SpanStatusName };
  /** Spans that satisfied the query. */
  matchedSpans: number;
}

export interface SpanNode extends SpanData {
  /** Start relative to the trace's first span. */
  offsetMs: number;
  durationMs: number;
  children: SpanNode[];
}

export interface TraceTree {
  traceId: string;
  start: string;
  durationMs: number;
  spanCount: number;
  /** Usually one; spans whose parent never arrived are roots too. */
  roots: SpanNode[];
}

/** One caller → callee edge, from CLIENT (or PRODUCER) spans and the SERVER (CONSUMER) spans they caused. */
export interface DependencyEdge {
  caller: string;
  callee: string;
  calls: number;
  errors: number;
  errorRate: number;
  /** Durations the caller saw (client spans), in ms. */
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** Client spans without a server span in the store (callee unreachable, timed out or not instrumented). */
  unanswered: number;
  kind: 'http' | 'messaging';
}

/** A malformed query or payload: the API answers 400. */
export class TraceQueryError extends Error {
  override name = 'TraceQueryError';
}
