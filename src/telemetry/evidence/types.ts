/** The evidence snapshot: what a run folder keeps of one moment (before / during / after a fault). */
import type { KubeEvent } from '../../platform/types.js';
import type { LogRecord, LogSummary } from '../logs/index.js';
import type { DependencyEdge, TraceSummary } from '../traces/index.js';

/** One series of a range query, as the PromQL engine's `rangeQuery` returns it (times in ms). */
export interface MetricSeries {
  labels: Record<string, string>;
  ts: number[];
  vs: number[];
}

/** A range query: the metrics engine's `rangeQuery` (bound), or a client of a Prometheus server. */
export type RangeQueryFn = (
  expr: string,
  startMs: number,
  endMs: number,
  stepMs: number,
) => MetricSeries[] | Promise<MetricSeries[]>;

export interface SnapshotMetric {
  name: string;
  expr: string;
  unit?: string;
  /** Points as [epoch ms, value]; NaN and infinities become null. */
  series: Array<{ labels: Record<string, string>; points: Array<[number, number | null]> }>;
  /** Set when the query failed; the rest of the snapshot is still captured. */
  error?: string;
}

export interface Annotations {
  /** Shaded on charts: when the fault was active. */
  faultWindow?: { start: string; end: string; label?: string };
  /** Vertical lines on charts: actions (inject, scale, revert...). */
  markers: Array<{ at: string; label: string }>;
}

export interface EvidenceSnapshot {
  kind: 'sockshop-lab/evidence';
  version: 1;
  label: string;
  capturedAt: string;
  window: { start: string; end: string; stepMs: number };
  metrics: SnapshotMetric[];
  logs?: { summary: LogSummary; entries: LogRecord[] };
  events?: {
    summary: { total: number; byType: Record<string, number>; byReason: Record<string, number> };
    items: KubeEvent[];
  };
  traces?: { matching: TraceSummary[]; dependencies: DependencyEdge[] };
  annotations: Annotations;
}
