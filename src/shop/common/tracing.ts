/**
 * OpenTelemetry tracing for a shop process: W3C trace context in and out of every HTTP call,
 * finished spans kept in a bounded ring (served at `/spans` for the lab's collector) and,
 * when OTEL_EXPORTER_OTLP_ENDPOINT is set, exported over OTLP/HTTP as well.
 */
import { trace, type Tracer } from '@opentelemetry/api';
import { ExportResultCode, hrTimeToMicroseconds, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';

export interface SpanRecord {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: string;
  service: string;
  pod: string;
  startUs: number;
  durationUs: number;
  status: 'UNSET' | 'OK' | 'ERROR';
  attributes: Record<string, unknown>;
}

const KIND_NAMES = ['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const STATUS_NAMES = ['UNSET', 'OK', 'ERROR'] as const;

/** Keeps the most recent finished spans; the collector reads them incrementally by sequence number. */
export class SpanRing implements SpanExporter {
  private readonly records: Array<{ seq: number; span: SpanRecord }> = [];
  private seq = 0;
  constructor(
    private readonly capacity: number,
    private readonly pod: string,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    for (const span of spans) {
      this.records.push({ seq: ++this.seq, span: toRecord(span, this.pod) });
    }
    if (this.records.length > this.capacity) this.records.splice(0, this.records.length - this.capacity);
    done({ code: ExportResultCode.SUCCESS });
  }

  since(afterSeq: number, limit: number): { next: number; spans: SpanRecord[] } {
    const fresh = this.records.filter((r) => r.seq > afterSeq).slice(0, limit);
    return { next: fresh.length ? fresh[fresh.length - 1].seq : afterSeq, spans: fresh.map((r) => r.span) };
  }

  async shutdown(): Promise<void> {}
}

function toRecord(span: ReadableSpan, pod: string): SpanRecord {
  const startUs = hrTimeToMicroseconds(span.startTime);
  return {
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    name: span.name,
    kind: KIND_NAMES[span.kind] ?? 'INTERNAL',
    service: String(span.resource.attributes['service.name'] ?? ''),
    pod,
    startUs,
    durationUs: hrTimeToMicroseconds(span.endTime) - startUs,
    status: STATUS_NAMES[span.status.code] ?? 'UNSET',
    attributes: { ...span.attributes },
  };
}

/**
 * Forwards to the OTLP batch processor once its (large) module tree has loaded, so start-up does not
 * pay for it; spans that end before then are not exported over OTLP (they are still in the ring).
 */
class LazyOtlpProcessor implements SpanProcessor {
  private inner?: SpanProcessor;
  private readonly loading = import('@opentelemetry/exporter-trace-otlp-http').then(
    ({ OTLPTraceExporter }) => {
      this.inner = new BatchSpanProcessor(new OTLPTraceExporter());
    },
  );

  onStart(
    span: Parameters<SpanProcessor['onStart']>[0],
    parent: Parameters<SpanProcessor['onStart']>[1],
  ): void {
    this.inner?.onStart(span, parent);
  }

  onEnd(span: ReadableSpan): void {
    this.inner?.onEnd(span);
  }

  async forceFlush(): Promise<void> {
    await this.loading;
    await this.inner?.forceFlush();
  }

  async shutdown(): Promise<void> {
    await this.loading;
    await this.inner?.shutdown();
  }
}

export interface Tracing {
  tracer: Tracer;
  ring: SpanRing;
  shutdown(): Promise<void>;
}

let active: Tracing | undefined;

/** Registers the process-wide tracer provider once; later calls reuse it (several services may share a test process). */
export function startTracing(service: string, pod: string, env: NodeJS.ProcessEnv = process.env): Tracing {
  if (active) return active;
  const ring = new SpanRing(Number(env.TRACE_RING_SIZE ?? 5000), pod);
  const spanProcessors: SpanProcessor[] = [new SimpleSpanProcessor(ring)];
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT) spanProcessors.push(new LazyOtlpProcessor());
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'k8s.pod.name': pod }),
    spanProcessors,
  });
  provider.register();
  active = { tracer: trace.getTracer('sockshop-lab'), ring, shutdown: () => provider.shutdown() };
  return active;
}
