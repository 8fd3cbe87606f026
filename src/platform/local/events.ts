/**
 * Kubernetes-style event recorder: repeats of the same (object, type, reason, message, source) are
 * folded into one event with a count and first/last timestamps; events older than the TTL (1 h, as
 * the apiserver's --event-ttl) are dropped.
 */
import { randomBytes } from 'node:crypto';
import type { EventFilter, KubeEvent, KubeEventInput } from '../types.js';

export class EventRecorder {
  private readonly events = new Map<string, KubeEvent>();
  private readonly listeners = new Set<(event: KubeEvent) => void>();

  constructor(
    private readonly namespace: string,
    private readonly now: () => number = Date.now,
    private readonly ttlMs = 3_600_000,
    private readonly maxEvents = 5000,
  ) {}

  record(input: KubeEventInput): KubeEvent {
    const key = JSON.stringify([
      input.involvedObject.kind,
      input.involvedObject.name,
      input.involvedObject.fieldPath ?? '',
      input.type,
      input.reason,
      input.message,
      input.source.component,
    ]);
    const at = new Date(this.now()).toISOString();
    let event = this.events.get(key);
    if (event) {
      event.count += 1;
      event.lastTimestamp = at;
      this.events.delete(key); // re-insert so that iteration order follows lastTimestamp
    } else {
      event = {
        ...input,
        involvedObject: { namespace: this.namespace, ...input.involvedObject },
        name: `${input.involvedObject.name}.${randomBytes(8).toString('hex')}`,
        count: 1,
        firstTimestamp: at,
        lastTimestamp: at,
      };
    }
    this.events.set(key, event);
    this.prune();
    for (const listener of this.listeners) listener(event);
    return event;
  }

  /** Oldest first (by last occurrence), like `kubectl get events --sort-by=.lastTimestamp`. */
  list(filter: EventFilter = {}): KubeEvent[] {
    this.prune();
    return [...this.events.values()]
      .filter(
        (e) =>
          (!filter.kind || e.involvedObject.kind === filter.kind) &&
          (!filter.name || e.involvedObject.name === filter.name) &&
          (!filter.type || e.type === filter.type) &&
          (!filter.since || e.lastTimestamp >= filter.since),
      )
      .map((e) => ({ ...e, involvedObject: { ...e.involvedObject }, source: { ...e.source } }));
  }

  onEvent(listener: (event: KubeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private prune(): void {
    const cutoff = new Date(this.now() - this.ttlMs).toISOString();
    for (const [key, event] of this.events) {
      if (event.lastTimestamp >= cutoff && this.events.size <= this.maxEvents) break;
      this.events.delete(key);
    }
  }
}
