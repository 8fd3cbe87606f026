/** Checks spans that arrive from pods over HTTP: untrusted JSON becomes SpanData or is dropped. */
import { SPAN_KINDS, type SpanData, type SpanKindName, type SpanStatusName } from './types.js';

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const STATUSES = new Set(['UNSET', 'OK', 'ERROR']);

export function toSpanData(
  value: unknown,
  defaults: { service?: string; pod?: string } = {},
): SpanData | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  const traceId = typeof v.traceId === 'string' ? v.traceId.toLowerCase() : '';
  const spanId = typeof v.spanId === 'string' ? v.spanId.toLowerCase() : '';
  if (!TRACE_ID.test(traceId) || !SPAN_ID.test(spanId) || /^0+$/.test(traceId)) return undefined;
  const startUs = Number(v.startUs);
  const durationUs = Number(v.durationUs);
  if (!Number.isFinite(startUs) || !Number.isFinite(durationUs) || durationUs < 0) return undefined;
  const parent = typeof v.parentSpanId === 'string' ? v.parentSpanId.toLowerCase() : '';
  const span: SpanData = {
    traceId,
    spanId,
    name: typeof v.name === 'string' ? v.name : '',
    kind: SPAN_KINDS.includes(v.kind as SpanKindName) ? (v.kind as SpanKindName) : 'INTERNAL',
    service: nonEmpty(v.service) ?? defaults.service ?? 'unknown',
    pod: nonEmpty(v.pod) ?? defaults.pod ?? '',
    startUs,
    durationUs,
    status: STATUSES.has(v.status as string) ? (v.status as SpanStatusName) : 'UNSET',
    attributes: v.attributes && typeof v.attributes === 'object' ? { ...v.attributes } : {},
  };
  if (SPAN_ID.test(parent) && !/^0+$/.test(parent)) span.parentSpanId = parent;
  if (typeof v.statusMessage === 'string' && v.statusMessage) span.statusMessage = v.statusMessage;
  return span;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}
