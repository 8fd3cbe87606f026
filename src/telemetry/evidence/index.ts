/** Evidence snapshots: metrics, logs, events and traces over a window, saved as JSON with SVG/PNG charts. */
export {
  captureSnapshot,
  saveSnapshot,
  fileSafe,
  type CaptureOptions,
  type SavedSnapshot,
} from './snapshot.js';
export { renderMetricChartSvg, niceTicks, formatValue, type ChartOptions } from './svg-chart.js';
export { renderPngs, DEFAULT_CHROMIUM, type PngResult } from './png.js';
export type { Annotations, EvidenceSnapshot, MetricSeries, RangeQueryFn, SnapshotMetric } from './types.js';
