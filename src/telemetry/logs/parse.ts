/**
 * Turns one raw line a pod wrote into a LogRecord: JSON lines (pino and similar) keep their own
 * time, level, message and trace id; plain lines get a level guessed from a leading or
 * `level=` token and the time they were read.
 */
import { normalizeLevel, type LogRecord, type PodMeta } from './types.js';

const TIME_KEYS = ['time', 'ts', 'timestamp', '@timestamp'];
const MESSAGE_KEYS = ['msg', 'message'];
const TRACE_KEYS = ['trace_id', 'traceId', 'trace.id'];
/** Fields that are either promoted or pure noise (pid/hostname of a local process). */
const DROPPED = new Set([
  'level',
  'service',
  'pod',
  'pid',
  'hostname',
  'v',
  'severity',
  ...TIME_KEYS,
  ...MESSAGE_KEYS,
  ...TRACE_KEYS,
]);

const LEADING_LEVEL =
  /^\W{0,3}(trace|debug|info|notice|warn(?:ing)?|error|err|severe|fatal|panic|crit(?:ical)?)\b/i;
const KEYED_LEVEL = /\blevel=["']?(\w+)/i;
const MAX_LINE = 64 * 1024;

export function parseLogLine(meta: PodMeta, raw: string, readAtMs: number): Omit<LogRecord, 'seq'> {
  const line = raw.length > MAX_LINE ? raw.slice(0, MAX_LINE) : raw;
  const json = line.startsWith('{') ? tryParseObject(line) : undefined;
  if (json) return fromJson(meta, json, readAtMs);
  const guessed = LEADING_LEVEL.exec(line)?.[1] ?? KEYED_LEVEL.exec(line)?.[1];
  return {
    ts: new Date(readAtMs).toISOString(),
    service: meta.service ?? serviceOfPod(meta.pod),
    pod: meta.pod,
    level: normalizeLevel(guessed) ?? 'info',
    msg: line,
    fields: {},
  };
}

function fromJson(meta: PodMeta, json: Record<string, unknown>, readAtMs: number): Omit<LogRecord, 'seq'> {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) if (!DROPPED.has(key)) fields[key] = value;
  const traceId = firstString(json, TRACE_KEYS);
  const record: Omit<LogRecord, 'seq'> = {
    ts: new Date(timeOf(json) ?? readAtMs).toISOString(),
    service: meta.service ?? firstString(json, ['service']) ?? serviceOfPod(meta.pod),
    pod: meta.pod,
    level: normalizeLevel(json.level ?? json.severity) ?? 'info',
    msg: firstString(json, MESSAGE_KEYS) ?? '',
    fields,
  };
  if (traceId) record.trace_id = traceId;
  return record;
}

function timeOf(json: Record<string, unknown>): number | undefined {
  for (const key of TIME_KEYS) {
    const value = json[key];
    if (typeof value === 'number' && Number.isFinite(value)) return value < 1e11 ? value * 1000 : value;
    if (typeof value === 'string') {
      const ms = Date.parse(value);
      if (!Number.isNaN(ms)) return ms;
    }
  }
  return undefined;
}

function firstString(json: Record<string, unknown>, keys: string[]): string | undefined {
  for (const key of keys) {
    const value = json[key];
    if (typeof value === 'string') return value;
  }
  return undefined;
}

function tryParseObject(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** `carts-7f9c4-x2k8p` → `carts`: a Deployment's pod name minus its generated suffixes. */
export function serviceOfPod(pod: string): string {
  return pod.replace(/(-[a-z0-9]{5,10})?-[a-z0-9]{5}$/, '') || pod;
}
