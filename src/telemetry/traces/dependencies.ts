/**
 * Caller → callee edges from CLIENT/SERVER (and PRODUCER/CONSUMER) span pairs: the callee is the
 * service of the server span whose parent is the client span. A client span with no server child
 * (connection refused, timeout, partition, or an uninstrumented callee) still counts, attributed to
 * the host it addressed (`server.address`, which is the bare service name inside the shop).
 */
import type { DependencyEdge, SpanData } from './types.js';

interface EdgeAccumulator {
  caller: string;
  callee: string;
  kind: DependencyEdge['kind'];
  durationsUs: number[];
  errors: number;
  unanswered: number;
}

export function dependencyEdges(traces: Iterable<{ spans: Map<string, SpanData> }>): DependencyEdge[] {
  const edges = new Map<string, EdgeAccumulator>();
  for (const trace of traces) {
    const childrenOf = new Map<string, SpanData[]>();
    for (const span of trace.spans.values()) {
      if (!span.parentSpanId) continue;
      const list = childrenOf.get(span.parentSpanId);
      if (list) list.push(span);
      else childrenOf.set(span.parentSpanId, [span]);
    }
    for (const span of trace.spans.values()) {
      const kind = span.kind === 'CLIENT' ? 'http' : span.kind === 'PRODUCER' ? 'messaging' : undefined;
      if (!kind) continue;
      const receiverKind = kind === 'http' ? 'SERVER' : 'CONSUMER';
      const receiver = childrenOf.get(span.spanId)?.find((c) => c.kind === receiverKind);
      const callee = receiver?.service ?? addressedService(span);
      const key = `${span.service}\u0000${callee}\u0000${kind}`;
      let edge = edges.get(key);
      if (!edge) {
        edge = { caller: span.service, callee, kind, durationsUs: [], errors: 0, unanswered: 0 };
        edges.set(key, edge);
      }
      edge.durationsUs.push(span.durationUs);
      if (span.status === 'ERROR' || receiver?.status === 'ERROR') edge.errors++;
      if (!receiver) edge.unanswered++;
    }
  }
  return [...edges.values()]
    .map((e) => {
      const sorted = e.durationsUs.sort((a, b) => a - b);
      return {
        caller: e.caller,
        callee: e.callee,
        calls: sorted.length,
        errors: e.errors,
        errorRate: e.errors / sorted.length,
        p50Ms: percentile(sorted, 0.5) / 1000,
        p95Ms: percentile(sorted, 0.95) / 1000,
        maxMs: sorted[sorted.length - 1] / 1000,
        unanswered: e.unanswered,
        kind: e.kind,
      };
    })
    .sort((a, b) => a.caller.localeCompare(b.caller) || a.callee.localeCompare(b.callee));
}

function addressedService(span: SpanData): string {
  const a = span.attributes;
  for (const key of ['peer.service', 'server.address', 'messaging.destination.name', 'net.peer.name']) {
    if (typeof a[key] === 'string' && a[key]) return a[key];
  }
  return 'unknown';
}

/** Nearest-rank percentile of an ascending list. */
function percentile(sorted: number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}
