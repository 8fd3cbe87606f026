import { parseDurationMs, parseGoFloat } from '../promql/literals.js';

/** A 400 `bad_data` answer. */
export class BadDataError extends Error {}

const MIN_TIME_MS = -9223372036854.775;
const MAX_TIME_MS = 9223372036854.775;

/** Prometheus parseTime: unix seconds (float, ms precision) or RFC3339. Returns ms. */
export function parseTimeParam(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const seconds = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw) ? Number(raw) : undefined;
  if (seconds !== undefined && Number.isFinite(seconds)) {
    const whole = Math.trunc(seconds);
    return whole * 1000 + Math.round((seconds - whole) * 1000);
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(raw)) {
    const ms = Date.parse(raw);
    if (!Number.isNaN(ms)) return ms;
  }
  // Prometheus' own min/max time spellings, used by clients for "unbounded".
  if (raw === '-292273086-05-16T16:47:06Z') return MIN_TIME_MS;
  if (raw === '292277025-08-17T07:12:55.807Z') return MAX_TIME_MS;
  // Prometheus words the instant query's `time` error differently from start/end.
  const prefix = name === 'time' ? `Invalid time value for 'time': ` : '';
  throw new BadDataError(`invalid parameter "${name}": ${prefix}cannot parse "${raw}" to a valid timestamp`);
}

/** Prometheus parseDuration: float seconds or a duration string. Returns ms. */
export function parseDurationParam(name: string, raw: string): number {
  const seconds = parseGoFloat(raw);
  if (seconds !== undefined && Number.isFinite(seconds) && !/^0[xX]/.test(raw))
    return Math.round(seconds * 1000);
  const ms = parseDurationMs(raw);
  if (ms !== undefined) return ms;
  throw new BadDataError(`invalid parameter "${name}": cannot parse "${raw}" to a valid duration`);
}

export const UNBOUNDED = { min: MIN_TIME_MS, max: MAX_TIME_MS };
