/** Traces for the run: a span store with queries, trees and dependencies; a /spans collector; an OTLP/JSON receiver. */
export { TraceStore, type TraceStoreOptions } from './store.js';
export {
  SpanCollector,
  type SpanCollectorOptions,
  type SpanTarget,
  type SpanTargetStatus,
} from './collector.js';
export {
  otlpTraceRoutes,
  startOtlpReceiver,
  type OtlpReceiver,
  type OtlpReceiverOptions,
} from './receiver.js';
export { otlpToSpans } from './otlp.js';
export { dependencyEdges } from './dependencies.js';
export {
  SPAN_KINDS,
  TraceQueryError,
  type DependencyEdge,
  type SpanData,
  type SpanKindName,
  type SpanNode,
  type SpanStatusName,
  type TraceQuery,
  type TraceSummary,
  type TraceTree,
} from './types.js';
