/**
 * A virtual host: exchanges (direct, fanout, topic, headers; the default exchange ""), bindings,
 * queues, policies, routing and dead-lettering (x-death headers as RabbitMQ writes them).
 */
import type { FieldTable, FieldValue } from './codec.js';
import { accessRefused, AmqpError, notFound, preconditionFailed, ReplyCode } from './errors.js';
import { makePolicy, policyForQueue, type Policy } from './policies.js';
import { encodeProperties } from './properties.js';
import {
  messageProperties,
  Queue,
  type DeadLetterReason,
  type Message,
  type QueueEntry,
  type QueueOptions,
} from './queue.js';

export type ExchangeType = 'direct' | 'fanout' | 'topic' | 'headers';
export const EXCHANGE_TYPES: readonly string[] = ['direct', 'fanout', 'topic', 'headers'];

export interface Binding {
  queue: Queue;
  routingKey: string;
  arguments: FieldTable;
}

export interface Exchange {
  name: string;
  type: ExchangeType;
  durable: boolean;
  autoDelete: boolean;
  internal: boolean;
  arguments: FieldTable;
  bindings: Binding[];
}

/** AMQP topic match: words split on '.', '*' = exactly one word, '#' = zero or more. */
export function topicMatches(pattern: string, key: string): boolean {
  const p = pattern.split('.');
  const k = key.split('.');
  const memo = new Map<number, boolean>();
  const match = (i: number, j: number): boolean => {
    const id = i * (k.length + 1) + j;
    const cached = memo.get(id);
    if (cached !== undefined) return cached;
    let result: boolean;
    if (i === p.length) result = j === k.length;
    else if (p[i] === '#') result = match(i + 1, j) || (j < k.length && match(i, j + 1));
    else result = j < k.length && (p[i] === '*' || p[i] === k[j]) && match(i + 1, j + 1);
    memo.set(id, result);
    return result;
  };
  return match(0, 0);
}

function headersMatch(bindingArgs: FieldTable, headers: FieldTable): boolean {
  const mode = bindingArgs['x-match'] === 'any' || bindingArgs['x-match'] === 'any-with-x' ? 'any' : 'all';
  const keys = Object.keys(bindingArgs).filter((k) => !k.startsWith('x-'));
  if (keys.length === 0) return mode === 'all';
  const hit = (k: string) =>
    k in headers && (bindingArgs[k] === null || sameValue(bindingArgs[k], headers[k]));
  return mode === 'all' ? keys.every(hit) : keys.some(hit);
}

const sameValue = (a: FieldValue, b: FieldValue) => JSON.stringify(a) === JSON.stringify(b);

export class Vhost {
  readonly exchanges = new Map<string, Exchange>();
  readonly queues = new Map<string, Queue>();
  readonly policies = new Map<string, Policy>();

  constructor(
    readonly name: string,
    private readonly rateWindowMs: number,
  ) {
    const builtin: Array<[string, ExchangeType]> = [
      ['', 'direct'],
      ['amq.direct', 'direct'],
      ['amq.fanout', 'fanout'],
      ['amq.topic', 'topic'],
      ['amq.headers', 'headers'],
      ['amq.match', 'headers'],
    ];
    for (const [name, type] of builtin) {
      this.exchanges.set(name, {
        name,
        type,
        durable: true,
        autoDelete: false,
        internal: false,
        arguments: {},
        bindings: [],
      });
    }
  }

  private label(): string {
    return `vhost '${this.name}'`;
  }

  exchange(name: string): Exchange {
    const ex = this.exchanges.get(name);
    if (!ex) throw notFound(`no exchange '${name}' in ${this.label()}`);
    return ex;
  }

  queue(name: string): Queue {
    const q = this.queues.get(name);
    if (!q) throw notFound(`no queue '${name}' in ${this.label()}`);
    return q;
  }

  declareExchange(name: string, type: string, opts: Omit<Exchange, 'name' | 'type' | 'bindings'>): Exchange {
    if (!EXCHANGE_TYPES.includes(type)) {
      throw new AmqpError(ReplyCode.COMMAND_INVALID, `invalid exchange type '${type}'`, true);
    }
    const existing = this.exchanges.get(name);
    if (existing) {
      const diff =
        existing.type !== type
          ? ['type', type, existing.type]
          : existing.durable !== opts.durable
            ? ['durable', opts.durable, existing.durable]
            : existing.autoDelete !== opts.autoDelete
              ? ['auto_delete', opts.autoDelete, existing.autoDelete]
              : undefined;
      if (diff) {
        throw preconditionFailed(
          `inequivalent arg '${diff[0]}' for exchange '${name}' in ${this.label()}: received '${diff[1]}' but current is '${diff[2]}'`,
        );
      }
      return existing;
    }
    if (name.startsWith('amq.'))
      throw accessRefused(`exchange name '${name}' contains reserved prefix 'amq.*'`);
    const ex: Exchange = { name, type: type as ExchangeType, ...opts, bindings: [] };
    this.exchanges.set(name, ex);
    return ex;
  }

  deleteExchange(name: string, ifUnused: boolean): void {
    if (name === '' || name.startsWith('amq.'))
      throw accessRefused(`operation not permitted on the default exchange`);
    const ex = this.exchanges.get(name);
    if (!ex) return; // RabbitMQ ≥3.x: deleting a missing exchange succeeds
    if (ifUnused && ex.bindings.length)
      throw preconditionFailed(`exchange '${name}' in ${this.label()} in use`);
    this.exchanges.delete(name);
  }

  declareQueue(name: string, opts: QueueOptions): Queue {
    const q = new Queue(this.name, name, opts, this, this.rateWindowMs);
    q.applyPolicy(policyForQueue(this.policies.values(), name));
    this.queues.set(name, q);
    return q;
  }

  deleteQueue(q: Queue): number {
    const count = q.messageCount;
    this.queues.delete(q.name);
    for (const ex of this.exchanges.values()) {
      const before = ex.bindings.length;
      ex.bindings = ex.bindings.filter((b) => b.queue !== q);
      if (ex.autoDelete && before > 0 && ex.bindings.length === 0) this.exchanges.delete(ex.name);
    }
    for (const c of q.destroy()) c.sink.cancelledByBroker(c);
    return count;
  }

  bind(q: Queue, exchangeName: string, routingKey: string, args: FieldTable): void {
    if (exchangeName === '') throw accessRefused(`operation not permitted on the default exchange`);
    const ex = this.exchange(exchangeName);
    const exists = ex.bindings.some(
      (b) => b.queue === q && b.routingKey === routingKey && sameValue(b.arguments, args),
    );
    if (!exists) ex.bindings.push({ queue: q, routingKey, arguments: args });
  }

  unbind(q: Queue, exchangeName: string, routingKey: string, args: FieldTable): void {
    if (exchangeName === '') throw accessRefused(`operation not permitted on the default exchange`);
    const ex = this.exchange(exchangeName);
    ex.bindings = ex.bindings.filter(
      (b) => !(b.queue === q && b.routingKey === routingKey && sameValue(b.arguments, args)),
    );
    if (ex.autoDelete && ex.bindings.length === 0) this.exchanges.delete(ex.name);
  }

  /** The queues a message published to `ex` with `routingKey` reaches (deduplicated). */
  route(ex: Exchange, routingKey: string, msg: Message): Queue[] {
    if (ex.name === '') {
      const q = this.queues.get(routingKey);
      return q ? [q] : [];
    }
    const out = new Set<Queue>();
    for (const b of ex.bindings) {
      let hit: boolean;
      switch (ex.type) {
        case 'direct':
          hit = b.routingKey === routingKey;
          break;
        case 'fanout':
          hit = true;
          break;
        case 'topic':
          hit = topicMatches(b.routingKey, routingKey);
          break;
        case 'headers':
          hit = headersMatch(b.arguments, messageProperties(msg).headers ?? {});
          break;
      }
      if (hit) out.add(b.queue);
    }
    return [...out];
  }

  setPolicy(
    name: string,
    pattern: string,
    definition: unknown,
    opts: { priority?: number; applyTo?: string },
  ): Policy {
    const policy = makePolicy(this.name, name, pattern, definition, opts);
    this.policies.set(name, policy);
    this.reapplyPolicies();
    return policy;
  }

  clearPolicy(name: string): boolean {
    const existed = this.policies.delete(name);
    if (existed) this.reapplyPolicies();
    return existed;
  }

  private reapplyPolicies(): void {
    for (const q of this.queues.values()) {
      q.applyPolicy(policyForQueue(this.policies.values(), q.name));
      q.dispatch();
    }
  }

  queueEmptiedOfConsumers(q: Queue): void {
    if (q.autoDelete && !q.deleted) this.deleteQueue(q);
  }

  /**
   * Republishes to the queue's dead-letter exchange with an x-death entry (count per queue+reason),
   * x-first-death-* headers, and the per-message expiration moved to original-expiration.
   */
  deadLetter(q: Queue, entries: QueueEntry[], reason: DeadLetterReason): void {
    const dlxName = q.limits.deadLetterExchange;
    const dlx = dlxName === undefined ? undefined : this.exchanges.get(dlxName);
    if (!dlx) return;
    for (const { msg } of entries) {
      q.stats.add('dead_lettered');
      const props = { ...messageProperties(msg) };
      const headers: FieldTable = { ...(props.headers ?? {}) };
      const deaths = Array.isArray(headers['x-death']) ? [...(headers['x-death'] as FieldTable[])] : [];
      const i = deaths.findIndex((d) => d.queue === q.name && d.reason === reason);
      const entry: FieldTable = {
        count: i >= 0 ? Number(deaths[i].count ?? 0) + 1 : 1,
        reason,
        queue: q.name,
        time: new Date(),
        exchange: msg.exchange,
        'routing-keys': [msg.routingKey],
      };
      if (props.expiration !== undefined) entry['original-expiration'] = props.expiration;
      if (i >= 0) deaths.splice(i, 1);
      deaths.unshift(entry);
      headers['x-death'] = deaths;
      headers['x-first-death-reason'] ??= reason;
      headers['x-first-death-queue'] ??= q.name;
      headers['x-first-death-exchange'] ??= msg.exchange;
      delete props.expiration;
      props.headers = headers;
      const routingKey = q.limits.deadLetterRoutingKey ?? msg.routingKey;
      const dead: Message = {
        exchange: dlx.name,
        routingKey,
        rawProperties: encodeProperties(props),
        body: msg.body,
        properties: props,
      };
      // an expired message routed straight back into its own queue would loop: dropped, as RabbitMQ does
      for (const target of this.route(dlx, routingKey, dead)) {
        if (!(reason === 'expired' && target === q)) target.publish(dead);
      }
    }
  }
}
