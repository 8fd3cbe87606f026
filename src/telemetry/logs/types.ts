/** Log records as the lab keeps and serves them. */

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LogRecord {
  /** Ingestion sequence number (unique in the store). */
  seq: number;
  /** ISO time of the line (its own `time` field when it has one, else when it was read). */
  ts: string;
  service: string;
  pod: string;
  level: LogLevel;
  msg: string;
  trace_id?: string;
  /** Every other field of a JSON line (span_id, status, path, err, ...). */
  fields: Record<string, unknown>;
}

/** Who wrote a line: the pod and, when known, its service (deployment). */
export interface PodMeta {
  pod: string;
  service?: string;
}

/** An error in a query (bad regex, level, time or cursor): the API answers 400. */
export class LogQueryError extends Error {
  override name = 'LogQueryError';
}

export function levelRank(level: LogLevel): number {
  return LOG_LEVELS.indexOf(level);
}

export function parseLevel(value: string): LogLevel {
  const level = normalizeLevel(value);
  if (!level)
    throw new LogQueryError(`unknown level ${JSON.stringify(value)}; one of ${LOG_LEVELS.join(', ')}`);
  return level;
}

/** Maps the many spellings (WARNING, err, 50, panic, ...) to one of the six levels. */
export function normalizeLevel(value: unknown): LogLevel | undefined {
  if (typeof value === 'number') return pinoNumericLevel(value);
  if (typeof value !== 'string') return undefined;
  const lower = value.trim().toLowerCase();
  if (/^\d+$/.test(lower)) return pinoNumericLevel(Number(lower));
  switch (lower) {
    case 'trace':
    case 'finest':
      return 'trace';
    case 'debug':
    case 'fine':
      return 'debug';
    case 'info':
    case 'information':
    case 'notice':
      return 'info';
    case 'warn':
    case 'warning':
      return 'warn';
    case 'error':
    case 'err':
    case 'severe':
      return 'error';
    case 'fatal':
    case 'panic':
    case 'critical':
    case 'crit':
      return 'fatal';
    default:
      return undefined;
  }
}

function pinoNumericLevel(n: number): LogLevel {
  if (n >= 60) return 'fatal';
  if (n >= 50) return 'error';
  if (n >= 40) return 'warn';
  if (n >= 30) return 'info';
  if (n >= 20) return 'debug';
  return 'trace';
}
