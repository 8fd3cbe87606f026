/**
 * The run's log store: every pod's lines, bounded twice (a ring per pod, so one chatty pod cannot
 * push out the others, and a global cap that drops the oldest lines overall), searchable by
 * service, pod, minimum level, time range, text or regex and trace id, newest first, with cursors.
 */
import { toEpochMs } from '../polling/periodic.js';
import { parseLogLine } from './parse.js';
import {
  levelRank,
  LogQueryError,
  parseLevel,
  LOG_LEVELS,
  type LogLevel,
  type LogRecord,
  type PodMeta,
} from './types.js';

export interface LogStoreOptions {
  /** Lines kept per pod (default 20,000). */
  perPodLines?: number;
  /** Lines kept overall (default 200,000). */
  maxLines?: number;
  /** Clock (ms) for lines without their own time. */
  now?: () => number;
}

export interface LogQuery {
  service?: string | string[];
  pod?: string | string[];
  /** Minimum level: `warn` returns warn, error and fatal. */
  level?: string;
  /** Inclusive bounds: epoch ms, epoch seconds or ISO. */
  from?: number | string;
  to?: number | string;
  /** Case-insensitive substring of the message or of any field value. */
  text?: string;
  /** Case-insensitive regular expression, same scope as `text`; `^` and `$` anchor at the message's ends. */
  regex?: string;
  traceId?: string;
  /** Default 100, at most 5,000. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

export interface LogPage {
  entries: LogRecord[];
  /** Present when older matching lines remain. */
  nextCursor?: string;
}

export interface LogSummary {
  from: string;
  to: string;
  total: number;
  byLevel: Record<LogLevel, number>;
  byService: Record<string, { total: number; byLevel: Record<LogLevel, number> }>;
  /** The most frequent warn-or-worse messages, per service. */
  topProblems: Array<{ service: string; level: LogLevel; msg: string; count: number; lastTs: string }>;
}

interface Stored extends LogRecord {
  t: number;
  /** Lower-cased search text, made on the first text search that reaches this line. */
  hay?: string;
}

/** A FIFO with O(1) push and shift (arrays would shift in O(n)); knows whether it is in time order. */
class Ring<T extends { t: number }> {
  private items: T[] = [];
  private head = 0;
  /** True while every line came no earlier than the one before (one process's own timestamps do). */
  ordered = true;
  get size(): number {
    return this.items.length - this.head;
  }
  push(item: T): void {
    const last = this.items[this.items.length - 1];
    if (last && item.t < last.t) this.ordered = false;
    this.items.push(item);
  }
  first(): T | undefined {
    return this.items[this.head];
  }
  shift(): T | undefined {
    const item = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
  *newestFirst(): Generator<T> {
    for (let i = this.items.length - 1; i >= this.head; i--) yield this.items[i];
  }
}

export class LogStore {
  private readonly perPod: number;
  private readonly maxLines: number;
  private readonly now: () => number;
  private readonly pods = new Map<string, Ring<Stored>>();
  private total = 0;
  private seq = 0;
  private evicted = 0;

  constructor(options: LogStoreOptions = {}) {
    this.perPod = options.perPodLines ?? 20_000;
    this.maxLines = options.maxLines ?? 200_000;
    this.now = options.now ?? Date.now;
  }

  /** Adds one raw line (JSON or plain) written by a pod. Empty lines are ignored. */
  ingest(meta: PodMeta, line: string, readAtMs = this.now()): LogRecord | undefined {
    if (!line.trim()) return undefined;
    const parsed = parseLogLine(meta, line, readAtMs);
    const record: Stored = { seq: ++this.seq, ...parsed, t: Date.parse(parsed.ts) };
    let ring = this.pods.get(meta.pod);
    if (!ring) this.pods.set(meta.pod, (ring = new Ring()));
    ring.push(record);
    this.total++;
    if (ring.size > this.perPod) this.drop(ring);
    while (this.total > this.maxLines) this.drop(this.oldestRing());
    return publicRecord(record);
  }

  stats(): { lines: number; pods: number; evicted: number } {
    return { lines: this.total, pods: this.pods.size, evicted: this.evicted };
  }

  /** Matching lines, newest first (by line time, then ingestion order). */
  search(query: LogQuery = {}): LogPage {
    const limit = clampLimit(query.limit, 100, 5000);
    const match = compileQuery(query);
    const after = query.cursor === undefined ? undefined : parseCursor(query.cursor);
    const hits: Stored[] = [];
    for (const [pod, ring] of this.pods) {
      if (match.pods && !match.pods.has(pod)) continue;
      // A ring in time order holds its newest matches first: stop after one more than a page.
      let found = 0;
      for (const record of ring.newestFirst()) {
        if (ring.ordered && found > limit) break;
        if (after && !isOlder(record, after)) continue;
        if (ring.ordered && record.t < match.from) break;
        if (match.test(record)) {
          hits.push(record);
          found++;
        }
      }
    }
    hits.sort(newestFirst);
    const page = hits.slice(0, limit);
    const last = page[page.length - 1];
    return {
      entries: page.map(publicRecord),
      ...(hits.length > limit && last ? { nextCursor: `${last.t}:${last.seq}` } : {}),
    };
  }

  /** Counts per level and service over a window (default: everything kept) — the agent's first look. */
  summarize(query: Pick<LogQuery, 'from' | 'to' | 'service' | 'pod'> & { top?: number } = {}): LogSummary {
    const match = compileQuery(query);
    const byLevel = zeroLevels();
    const byService: LogSummary['byService'] = {};
    const problems = new Map<string, LogSummary['topProblems'][number]>();
    let total = 0;
    let minT = Infinity;
    let maxT = -Infinity;
    for (const [pod, ring] of this.pods) {
      if (match.pods && !match.pods.has(pod)) continue;
      for (const r of ring.newestFirst()) {
        if (!match.test(r)) continue;
        total++;
        minT = Math.min(minT, r.t);
        maxT = Math.max(maxT, r.t);
        byLevel[r.level]++;
        const svc = (byService[r.service] ??= { total: 0, byLevel: zeroLevels() });
        svc.total++;
        svc.byLevel[r.level]++;
        if (levelRank(r.level) < levelRank('warn')) continue;
        const key = `${r.service}\u0000${r.level}\u0000${r.msg}`;
        const seen = problems.get(key);
        if (seen) {
          seen.count++;
          if (r.ts > seen.lastTs) seen.lastTs = r.ts;
        } else problems.set(key, { service: r.service, level: r.level, msg: r.msg, count: 1, lastTs: r.ts });
      }
    }
    const from = query.from !== undefined ? match.from : minT;
    const to = query.to !== undefined ? match.to : maxT;
    return {
      from: Number.isFinite(from) ? new Date(from).toISOString() : '',
      to: Number.isFinite(to) ? new Date(to).toISOString() : '',
      total,
      byLevel,
      byService,
      topProblems: [...problems.values()].sort((a, b) => b.count - a.count).slice(0, query.top ?? 10),
    };
  }

  /** Drops the oldest line of a ring. */
  private drop(ring: Ring<Stored>): void {
    ring.shift();
    this.total--;
    this.evicted++;
  }

  private oldestRing(): Ring<Stored> {
    let oldest: Ring<Stored> | undefined;
    for (const ring of this.pods.values()) {
      const head = ring.first();
      if (head && (!oldest || head.seq < oldest.first()!.seq)) oldest = ring;
    }
    return oldest!;
  }
}

interface CompiledQuery {
  pods?: Set<string>;
  from: number;
  to: number;
  test(record: Stored): boolean;
}

function compileQuery(query: LogQuery): CompiledQuery {
  const services = asSet(query.service);
  const pods = asSet(query.pod);
  const minRank = query.level === undefined || query.level === '' ? 0 : levelRank(parseLevel(query.level));
  const from = query.from === undefined ? -Infinity : time(query.from, 'from');
  const to = query.to === undefined ? Infinity : time(query.to, 'to');
  const needle = query.text ? query.text.toLowerCase() : undefined;
  const pattern = query.regex ? compileRegex(query.regex) : undefined;
  const traceId = query.traceId?.toLowerCase();
  return {
    pods,
    from,
    to,
    test(r) {
      if (r.t < from || r.t > to) return false;
      if (services && !services.has(r.service)) return false;
      if (minRank && levelRank(r.level) < minRank) return false;
      if (traceId && r.trace_id?.toLowerCase() !== traceId) return false;
      if (needle && !haystack(r).includes(needle)) return false;
      if (pattern && !pattern.test(haystack(r))) return false;
      return true;
    },
  };
}

/**
 * What text and regex search look at: the message, then on its own line the fields as JSON
 * (lower-cased; regexes are case-insensitive and multi-line, so `^`/`$` anchor at the message's ends).
 */
function haystack(r: Stored): string {
  r.hay ??= (
    Object.keys(r.fields).length === 0 ? r.msg : `${r.msg}\n${JSON.stringify(r.fields)}`
  ).toLowerCase();
  return r.hay;
}

function compileRegex(source: string): RegExp {
  if (source.length > 1000) throw new LogQueryError('regex longer than 1000 characters');
  try {
    return new RegExp(source, 'im');
  } catch (error) {
    throw new LogQueryError(`invalid regex: ${(error as Error).message}`);
  }
}

function time(value: number | string, name: string): number {
  try {
    return toEpochMs(value);
  } catch (error) {
    throw new LogQueryError(`${name}: ${(error as Error).message}`);
  }
}

function asSet(value: string | string[] | undefined): Set<string> | undefined {
  if (value === undefined) return undefined;
  const list = (Array.isArray(value) ? value : [value]).filter((v) => v !== '');
  return list.length ? new Set(list) : undefined;
}

function parseCursor(cursor: string): { t: number; seq: number } {
  const match = /^(-?\d+):(\d+)$/.exec(cursor);
  if (!match) throw new LogQueryError(`invalid cursor ${JSON.stringify(cursor)}`);
  return { t: Number(match[1]), seq: Number(match[2]) };
}

function isOlder(r: Stored, than: { t: number; seq: number }): boolean {
  return r.t < than.t || (r.t === than.t && r.seq < than.seq);
}

function newestFirst(a: Stored, b: Stored): number {
  return b.t - a.t || b.seq - a.seq;
}

export function clampLimit(value: number | undefined, fallback: number, max: number): number {
  if (value === undefined || !Number.isFinite(value) || value <= 0) return fallback;
  return Math.min(Math.floor(value), max);
}

function zeroLevels(): Record<LogLevel, number> {
  return Object.fromEntries(LOG_LEVELS.map((l) => [l, 0])) as Record<LogLevel, number>;
}

function publicRecord(r: Stored): LogRecord {
  const record: LogRecord = {
    seq: r.seq,
    ts: r.ts,
    service: r.service,
    pod: r.pod,
    level: r.level,
    msg: r.msg,
    fields: r.fields,
  };
  if (r.trace_id) record.trace_id = r.trace_id;
  return record;
}
