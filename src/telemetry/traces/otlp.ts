/**
 * OTLP/JSON (ExportTraceServiceRequest) → SpanData. Follows the OTLP JSON encoding: ids as hex
 * (base64 from protobuf-JSON mappers is accepted too), times as decimal strings of nanoseconds,
 * enums as integers or their names, attribute values as AnyValue objects.
 */
import {
  SPAN_KINDS,
  TraceQueryError,
  type SpanData,
  type SpanKindName,
  type SpanStatusName,
} from './types.js';
import { toSpanData } from './validate.js';

export interface OtlpConversion {
  spans: SpanData[];
  rejected: number;
}

type Json = Record<string, unknown>;

export function otlpToSpans(body: unknown): OtlpConversion {
  if (!isObject(body)) throw new TraceQueryError('body must be an ExportTraceServiceRequest object');
  const resourceSpans = body.resourceSpans ?? [];
  if (!Array.isArray(resourceSpans)) throw new TraceQueryError('resourceSpans must be an array');
  const spans: SpanData[] = [];
  let rejected = 0;
  for (const rs of resourceSpans) {
    if (!isObject(rs)) continue;
    const resource = isObject(rs.resource) ? attributesOf(rs.resource.attributes) : {};
    const defaults = {
      service: typeof resource['service.name'] === 'string' ? resource['service.name'] : 'unknown',
      pod: typeof resource['k8s.pod.name'] === 'string' ? resource['k8s.pod.name'] : '',
    };
    for (const ss of arrayOf(rs.scopeSpans ?? rs.instrumentationLibrarySpans)) {
      for (const raw of arrayOf(isObject(ss) ? ss.spans : undefined)) {
        const span = isObject(raw) ? convertSpan(raw, defaults) : undefined;
        if (span) spans.push(span);
        else rejected++;
      }
    }
  }
  return { spans, rejected };
}

function convertSpan(s: Json, defaults: { service: string; pod: string }): SpanData | undefined {
  const start = nanos(s.startTimeUnixNano);
  const end = nanos(s.endTimeUnixNano);
  if (start === undefined || end === undefined) return undefined;
  const status = isObject(s.status) ? s.status : {};
  const converted = toSpanData(
    {
      traceId: id(s.traceId, 16),
      spanId: id(s.spanId, 8),
      parentSpanId: id(s.parentSpanId, 8),
      name: s.name,
      kind: kindOf(s.kind),
      startUs: Number(start / 1000n),
      durationUs: Math.max(0, Number((end - start) / 1000n)),
      status: statusOf(status.code),
      statusMessage: status.message,
      attributes: attributesOf(s.attributes),
    },
    defaults,
  );
  return converted;
}

function id(value: unknown, bytes: number): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  if (new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(value)) return value.toLowerCase();
  const decoded = Buffer.from(value, 'base64');
  return decoded.length === bytes ? decoded.toString('hex') : undefined;
}

function nanos(value: unknown): bigint | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return BigInt(Math.round(value));
  if (typeof value === 'string' && /^\d+$/.test(value)) return BigInt(value);
  return undefined;
}

function kindOf(value: unknown): SpanKindName {
  // OTLP: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer.
  if (typeof value === 'number') return SPAN_KINDS[value - 1] ?? 'INTERNAL';
  if (typeof value === 'string') {
    const name = value.replace(/^SPAN_KIND_/, '') as SpanKindName;
    return SPAN_KINDS.includes(name) ? name : 'INTERNAL';
  }
  return 'INTERNAL';
}

function statusOf(value: unknown): SpanStatusName {
  if (value === 1 || value === 'STATUS_CODE_OK') return 'OK';
  if (value === 2 || value === 'STATUS_CODE_ERROR') return 'ERROR';
  return 'UNSET';
}

function attributesOf(list: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of arrayOf(list)) {
    if (isObject(kv) && typeof kv.key === 'string') out[kv.key] = anyValue(kv.value);
  }
  return out;
}

function anyValue(value: unknown): unknown {
  if (!isObject(value)) return undefined;
  if ('stringValue' in value) return value.stringValue;
  if ('boolValue' in value) return value.boolValue;
  if ('intValue' in value) return Number(value.intValue);
  if ('doubleValue' in value) return Number(value.doubleValue);
  if ('bytesValue' in value) return value.bytesValue;
  if (isObject(value.arrayValue)) return arrayOf(value.arrayValue.values).map(anyValue);
  if (isObject(value.kvlistValue)) return attributesOf(value.kvlistValue.values);
  return undefined;
}

function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
