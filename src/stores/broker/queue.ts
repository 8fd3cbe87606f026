/**
 * A classic queue with RabbitMQ ≥3.7 semantics: ready/unacked accounting, max-length and
 * max-length-bytes over READY messages only, overflow drop-head / reject-publish /
 * reject-publish-dlx, per-queue and per-message TTL (expired from the head, like RabbitMQ),
 * dead-lettering, round-robin dispatch to consumers that have prefetch capacity, and requeue to
 * the original position.
 */
import type { FieldTable } from './codec.js';
import { decodeProperties, type BasicProperties } from './properties.js';
import { effectiveLimits, type Policy, type QueueLimits } from './policies.js';
import { RatedCounters } from './rates.js';

export interface Message {
  exchange: string;
  routingKey: string;
  rawProperties: Buffer;
  body: Buffer;
  /** Decoded on demand (expiration, headers exchange, dead-lettering). */
  properties?: BasicProperties;
}

export function messageProperties(msg: Message): BasicProperties {
  msg.properties ??= decodeProperties(msg.rawProperties);
  return msg.properties;
}

export interface QueueEntry {
  msg: Message;
  /** Enqueue order; requeued messages go back to their original place. */
  seq: number;
  redelivered: boolean;
  expiresAt: number;
}

export type DeadLetterReason = 'rejected' | 'expired' | 'maxlen';

/** What a queue needs from a consumer's channel. */
export interface ConsumerSink {
  canAccept(consumer: Consumer): boolean;
  deliver(consumer: Consumer, queue: Queue, entry: QueueEntry): void;
  /** The queue went away under the consumer: send basic.cancel. */
  cancelledByBroker(consumer: Consumer): void;
}

export interface Consumer {
  tag: string;
  queue: Queue;
  sink: ConsumerSink;
  noAck: boolean;
  exclusive: boolean;
  /** Per-consumer prefetch (basic.qos global=false at consume time); 0 = unlimited. */
  prefetch: number;
  unacked: number;
  connectionName: string;
  channel: number;
}

export interface QueueHost {
  deadLetter(queue: Queue, entries: QueueEntry[], reason: DeadLetterReason): void;
  queueEmptiedOfConsumers(queue: Queue): void;
}

export interface QueueOptions {
  durable: boolean;
  autoDelete: boolean;
  exclusiveOwner?: string;
  arguments: FieldTable;
}

export class Queue {
  readonly durable: boolean;
  readonly autoDelete: boolean;
  readonly exclusiveOwner?: string;
  readonly arguments: FieldTable;
  policy?: Policy;
  limits: QueueLimits;
  readonly stats: RatedCounters;
  readonly consumers: Consumer[] = [];
  private ready: QueueEntry[] = [];
  private head = 0;
  private readyBytesCount = 0;
  unacked = 0;
  unackedBytes = 0;
  private seq = 0;
  private rr = 0;
  private dispatching = false;
  private redispatch = false;
  private expiryTimer?: NodeJS.Timeout;
  private expiryAt = Infinity;
  deleted = false;
  idleSince = new Date();

  constructor(
    readonly vhost: string,
    readonly name: string,
    opts: QueueOptions,
    private readonly host: QueueHost,
    rateWindowMs: number,
  ) {
    this.durable = opts.durable;
    this.autoDelete = opts.autoDelete;
    this.exclusiveOwner = opts.exclusiveOwner;
    this.arguments = opts.arguments;
    this.limits = effectiveLimits(opts.arguments);
    this.stats = new RatedCounters(rateWindowMs);
  }

  get readyCount(): number {
    return this.ready.length - this.head;
  }
  get readyBytes(): number {
    return this.readyBytesCount;
  }
  get messageCount(): number {
    return this.readyCount + this.unacked;
  }

  applyPolicy(policy: Policy | undefined): void {
    this.policy = policy;
    this.limits = effectiveLimits(this.arguments, policy);
    // a tighter limit takes effect at once for drop-head, as in RabbitMQ
    if (this.limits.overflow === 'drop-head') this.dropHeadWhileOver();
    this.scheduleExpiry();
  }

  /** Returns false when the queue refused the message (reject-publish overflow). */
  publish(msg: Message, now = Date.now()): boolean {
    const { maxLength, maxLengthBytes, overflow } = this.limits;
    if (overflow !== 'drop-head') {
      const overLen = maxLength !== undefined && this.readyCount + 1 > maxLength;
      const overBytes =
        maxLengthBytes !== undefined && this.readyBytesCount + msg.body.length > maxLengthBytes;
      if (overLen || overBytes) {
        this.stats.add('rejected_publish');
        if (overflow === 'reject-publish-dlx') {
          this.host.deadLetter(this, [{ msg, seq: 0, redelivered: false, expiresAt: Infinity }], 'maxlen');
        }
        return false;
      }
    }
    this.stats.add('publish');
    const entry: QueueEntry = {
      msg,
      seq: this.seq++,
      redelivered: false,
      expiresAt: this.expiryFor(msg, now),
    };
    if (entry.expiresAt <= now) {
      // TTL 0: only delivered if a consumer can take it right now, otherwise it expires at once
      const consumer = this.nextConsumer();
      if (consumer) consumer.sink.deliver(consumer, this, entry);
      else this.host.deadLetter(this, [entry], 'expired');
      return true;
    }
    this.pushReady(entry);
    this.dispatch();
    if (overflow === 'drop-head') this.dropHeadWhileOver();
    this.scheduleExpiry();
    return true;
  }

  private expiryFor(msg: Message, now: number): number {
    let ttl = this.limits.messageTtl;
    if (msg.rawProperties.length > 2) {
      const exp = messageProperties(msg).expiration;
      if (exp !== undefined && /^\d+$/.test(exp))
        ttl = ttl === undefined ? Number(exp) : Math.min(ttl, Number(exp));
    }
    return ttl === undefined ? Infinity : now + ttl;
  }

  private pushReady(entry: QueueEntry): void {
    this.ready.push(entry);
    this.readyBytesCount += entry.msg.body.length;
  }

  private shiftReady(): QueueEntry | undefined {
    if (this.head >= this.ready.length) return undefined;
    const entry = this.ready[this.head];
    this.ready[this.head++] = undefined as unknown as QueueEntry;
    this.readyBytesCount -= entry.msg.body.length;
    if (this.head > 1024 && this.head * 2 > this.ready.length) {
      this.ready = this.ready.slice(this.head);
      this.head = 0;
    }
    return entry;
  }

  private peekReady(): QueueEntry | undefined {
    return this.head < this.ready.length ? this.ready[this.head] : undefined;
  }

  private dropHeadWhileOver(): void {
    const { maxLength, maxLengthBytes } = this.limits;
    const dropped: QueueEntry[] = [];
    while (
      this.readyCount > 0 &&
      ((maxLength !== undefined && this.readyCount > maxLength) ||
        (maxLengthBytes !== undefined && this.readyBytesCount > maxLengthBytes))
    ) {
      dropped.push(this.shiftReady()!);
    }
    if (dropped.length) this.host.deadLetter(this, dropped, 'maxlen');
  }

  /** Head-of-queue expiry, as RabbitMQ does it: a live head shields expired messages behind it. */
  private expireHead(now = Date.now()): void {
    const expired: QueueEntry[] = [];
    for (let e = this.peekReady(); e && e.expiresAt <= now; e = this.peekReady())
      expired.push(this.shiftReady()!);
    if (expired.length) this.host.deadLetter(this, expired, 'expired');
  }

  private scheduleExpiry(): void {
    const next = this.peekReady()?.expiresAt ?? Infinity;
    if (next === this.expiryAt) return;
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    this.expiryAt = next;
    if (next === Infinity || this.deleted) return;
    this.expiryTimer = setTimeout(
      () => {
        this.expiryTimer = undefined;
        this.expiryAt = Infinity;
        this.expireHead();
        this.scheduleExpiry();
      },
      Math.max(0, next - Date.now()),
    );
    this.expiryTimer.unref();
  }

  private nextConsumer(): Consumer | undefined {
    const n = this.consumers.length;
    for (let i = 0; i < n; i++) {
      const c = this.consumers[(this.rr + i) % n];
      if (c.sink.canAccept(c)) {
        this.rr = (this.rr + i + 1) % n;
        return c;
      }
    }
    return undefined;
  }

  /** Hands ready messages to consumers with capacity, round-robin. Re-entrant calls coalesce. */
  dispatch(): void {
    if (this.dispatching) {
      this.redispatch = true;
      return;
    }
    this.dispatching = true;
    try {
      do {
        this.redispatch = false;
        this.expireHead();
        while (this.readyCount > 0 && this.consumers.length > 0) {
          const consumer = this.nextConsumer();
          if (!consumer) break;
          consumer.sink.deliver(consumer, this, this.shiftReady()!);
          this.expireHead();
        }
      } while (this.redispatch);
    } finally {
      this.dispatching = false;
    }
    this.scheduleExpiry();
  }

  /** For basic.get: the next live ready message, if any. */
  take(): QueueEntry | undefined {
    this.expireHead();
    const entry = this.shiftReady();
    this.scheduleExpiry();
    return entry;
  }

  trackUnacked(entry: QueueEntry): void {
    this.unacked++;
    this.unackedBytes += entry.msg.body.length;
  }

  settle(entry: QueueEntry): void {
    this.unacked--;
    this.unackedBytes -= entry.msg.body.length;
  }

  /** Puts settled-but-not-consumed messages back, each at its original position. */
  requeue(entries: QueueEntry[]): void {
    if (this.deleted || entries.length === 0) return;
    for (const entry of entries) {
      entry.redelivered = true;
      let lo = this.head;
      let hi = this.ready.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.ready[mid].seq < entry.seq) lo = mid + 1;
        else hi = mid;
      }
      this.ready.splice(lo, 0, entry);
      this.readyBytesCount += entry.msg.body.length;
    }
    if (this.limits.overflow === 'drop-head') this.dropHeadWhileOver();
    this.dispatch();
  }

  purge(): number {
    const count = this.readyCount;
    this.ready = [];
    this.head = 0;
    this.readyBytesCount = 0;
    this.scheduleExpiry();
    return count;
  }

  addConsumer(consumer: Consumer): void {
    this.consumers.push(consumer);
    this.dispatch();
  }

  removeConsumer(consumer: Consumer): void {
    const i = this.consumers.indexOf(consumer);
    if (i < 0) return;
    this.consumers.splice(i, 1);
    if (this.rr > i) this.rr--;
    if (this.consumers.length === 0) {
      this.idleSince = new Date();
      this.host.queueEmptiedOfConsumers(this);
    }
  }

  destroy(): Consumer[] {
    this.deleted = true;
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.purge();
    return this.consumers.splice(0);
  }
}
