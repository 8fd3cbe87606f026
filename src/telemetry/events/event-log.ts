/**
 * The run's Kubernetes events, kept beyond the platform's own TTL (1 h) and cap. The platform
 * folds repeats into one event with a rising `count`; the log keeps the newest version of each
 * event (by name) and notices when one changed, so polling the whole list again costs nothing.
 */
import type { EventFilter, KubeEvent, Platform } from '../../platform/types.js';
import { Periodic, toEpochMs } from '../polling/periodic.js';

export interface EventQuery {
  kind?: KubeEvent['involvedObject']['kind'];
  /** Involved object's name. */
  name?: string;
  reason?: string | string[];
  type?: 'Normal' | 'Warning';
  /** Bounds on lastTimestamp: epoch ms, epoch seconds or ISO. */
  since?: number | string;
  until?: number | string;
  /** Case-insensitive substring of the message. */
  text?: string;
  /** Default 200, at most 5,000. */
  limit?: number;
}

export class EventQueryError extends Error {
  override name = 'EventQueryError';
}

export class EventLog {
  /** By event name, ordered by last change. */
  private readonly events = new Map<string, KubeEvent>();

  constructor(private readonly maxEvents = 20_000) {}

  /** Records new events and new versions (higher count or later lastTimestamp); returns how many changed. */
  record(events: Iterable<KubeEvent>): number {
    let changed = 0;
    for (const event of events) {
      const key = event.name || identity(event);
      const known = this.events.get(key);
      if (known && known.count === event.count && known.lastTimestamp === event.lastTimestamp) continue;
      if (known && (known.count > event.count || at(known) > at(event))) continue;
      // A copy: the platform may update its own object in place.
      const copy: KubeEvent = {
        ...event,
        involvedObject: { ...event.involvedObject },
        source: { ...event.source },
      };
      this.events.delete(key);
      this.events.set(key, copy);
      changed++;
    }
    while (this.events.size > this.maxEvents) this.events.delete(this.events.keys().next().value!);
    return changed;
  }

  get size(): number {
    return this.events.size;
  }

  /** Newest first by lastTimestamp. */
  query(query: EventQuery = {}): KubeEvent[] {
    const since = bound(query.since, -Infinity, 'since');
    const until = bound(query.until, Infinity, 'until');
    const reasons = query.reason === undefined ? undefined : new Set([query.reason].flat());
    const needle = query.text?.toLowerCase();
    const limit = query.limit && query.limit > 0 ? Math.min(Math.floor(query.limit), 5000) : 200;
    const out: KubeEvent[] = [];
    for (const e of this.events.values()) {
      const last = at(e);
      if (last < since || last > until) continue;
      if (query.kind && e.involvedObject.kind !== query.kind) continue;
      if (query.name && e.involvedObject.name !== query.name) continue;
      if (query.type && e.type !== query.type) continue;
      if (reasons && !reasons.has(e.reason)) continue;
      if (needle && !e.message.toLowerCase().includes(needle)) continue;
      out.push(e);
    }
    return out.sort((a, b) => at(b) - at(a)).slice(0, limit);
  }

  /** Occurrences (sum of counts) per type and reason among the matching events. */
  summarize(query: Omit<EventQuery, 'limit'> = {}): {
    total: number;
    byType: Record<string, number>;
    byReason: Record<string, number>;
  } {
    const byType: Record<string, number> = {};
    const byReason: Record<string, number> = {};
    let total = 0;
    for (const e of this.query({ ...query, limit: 5000 })) {
      total += e.count;
      byType[e.type] = (byType[e.type] ?? 0) + e.count;
      byReason[e.reason] = (byReason[e.reason] ?? 0) + e.count;
    }
    return { total, byType, byReason };
  }
}

export interface EventCollectorOptions {
  platform: Pick<Platform, 'listEvents'>;
  log: EventLog;
  /** Default 2 s. */
  intervalMs?: number;
  onError?: (error: unknown) => void;
}

/** Polls `platform.listEvents()`; after the first round it asks only for events changed since the last one seen (minus a margin for second-resolution clocks). */
export class EventCollector {
  private readonly periodic: Periodic;
  /** Latest lastTimestamp seen (ms). */
  private newest = -Infinity;

  constructor(private readonly options: EventCollectorOptions) {
    this.periodic = new Periodic(options.intervalMs ?? 2000, () => this.collect(), options.onError);
  }

  start(): void {
    this.periodic.start();
  }

  stop(): Promise<void> {
    return this.periodic.stop();
  }

  pollOnce(): Promise<void> {
    return this.periodic.tick();
  }

  private async collect(): Promise<void> {
    const filter: EventFilter = Number.isFinite(this.newest)
      ? { since: new Date(this.newest - 5000).toISOString() }
      : {};
    const events = await this.options.platform.listEvents(filter);
    this.options.log.record(events);
    for (const e of events) this.newest = Math.max(this.newest, at(e));
  }
}

/** Kubernetes writes whole seconds, the local platform milliseconds: compare as times, not strings. */
function at(e: KubeEvent): number {
  return Date.parse(e.lastTimestamp) || 0;
}

function identity(e: KubeEvent): string {
  return JSON.stringify([
    e.involvedObject.kind,
    e.involvedObject.name,
    e.type,
    e.reason,
    e.message,
    e.source.component,
  ]);
}

function bound(value: number | string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  try {
    return toEpochMs(value);
  } catch (error) {
    throw new EventQueryError(`${name}: ${(error as Error).message}`);
  }
}
