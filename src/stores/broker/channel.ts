/**
 * One AMQP channel: declares, bindings, consumers with prefetch, publishing (mandatory returns and
 * publisher confirms), deliveries and their settlement (ack / nack / reject / recover).
 */
import { randomBytes } from 'node:crypto';
import type { FieldTable } from './codec.js';
import { AmqpError, accessRefused, preconditionFailed, ReplyCode } from './errors.js';
import type { MethodArgs } from './methods.js';
import { validateQueueArgs } from './policies.js';
import type { Consumer, ConsumerSink, Message, Queue, QueueEntry } from './queue.js';
import type { CounterName } from './rates.js';
import type { Vhost } from './vhost.js';

/** What a channel needs from its connection. */
export interface ChannelHost {
  readonly id: string;
  readonly name: string;
  readonly vhost: Vhost;
  /** Over the socket's high-water mark: consumers pause until it drains. */
  readonly congested: boolean;
  sendMethod(channel: number, name: string, args?: Partial<MethodArgs>): void;
  sendContent(channel: number, name: string, args: Partial<MethodArgs>, msg: Message): void;
  count(queue: Queue | undefined, name: CounterName, n?: number): void;
}

interface Unacked {
  queue: Queue;
  entry: QueueEntry;
  consumer?: Consumer;
}

interface PendingPublish {
  exchange: string;
  routingKey: string;
  mandatory: boolean;
  bodySize: number;
  rawProperties?: Buffer;
  chunks: Buffer[];
  received: number;
}

const serverName = (prefix: string) => `${prefix}-${randomBytes(16).toString('base64url')}`;
const str = (args: MethodArgs, k: string) => args[k] as string;
const bool = (args: MethodArgs, k: string) => args[k] as boolean;
const table = (args: MethodArgs, k: string) => args[k] as FieldTable;

export class Channel implements ConsumerSink {
  closing = false;
  private flow = true;
  private consumerPrefetch = 0;
  private channelPrefetch = 0;
  readonly consumers = new Map<string, Consumer>();
  private readonly unacked = new Map<number, Unacked>();
  private nextDeliveryTag = 0;
  private confirming = false;
  private publishSeq = 0;
  pending?: PendingPublish;

  constructor(
    readonly number: number,
    private readonly host: ChannelHost,
  ) {}

  get unackedCount(): number {
    return this.unacked.size;
  }
  get prefetchCount(): number {
    return this.channelPrefetch || this.consumerPrefetch;
  }
  get confirmMode(): boolean {
    return this.confirming;
  }

  private reply(name: string, args?: Partial<MethodArgs>): void {
    this.host.sendMethod(this.number, name, args);
  }

  private ownQueue(name: string): Queue {
    const q = this.host.vhost.queue(name);
    if (q.exclusiveOwner !== undefined && q.exclusiveOwner !== this.host.id) {
      throw new AmqpError(
        ReplyCode.RESOURCE_LOCKED,
        `cannot obtain exclusive access to locked queue '${name}' in vhost '${this.host.vhost.name}'. It could be originally declared on another connection or the exclusive property value does not match that of the original declaration.`,
      );
    }
    return q;
  }

  /** Dispatches one method (content-bearing basic.publish waits for its content first). */
  handle(name: string, args: MethodArgs): void {
    const vhost = this.host.vhost;
    switch (name) {
      case 'channel.flow':
        this.flow = bool(args, 'active');
        this.reply('channel.flow-ok', { active: this.flow });
        if (this.flow) this.redispatch();
        return;
      case 'exchange.declare': {
        const exchange = str(args, 'exchange');
        if (bool(args, 'passive')) vhost.exchange(exchange);
        else
          vhost.declareExchange(exchange, str(args, 'type'), {
            durable: bool(args, 'durable'),
            autoDelete: bool(args, 'autoDelete'),
            internal: bool(args, 'internal'),
            arguments: table(args, 'arguments'),
          });
        if (!bool(args, 'noWait')) this.reply('exchange.declare-ok');
        return;
      }
      case 'exchange.delete':
        vhost.deleteExchange(str(args, 'exchange'), bool(args, 'ifUnused'));
        if (!bool(args, 'noWait')) this.reply('exchange.delete-ok');
        return;
      case 'queue.declare':
        return this.declareQueue(args);
      case 'queue.bind':
      case 'queue.unbind': {
        const q = this.ownQueue(str(args, 'queue'));
        const binding = [
          q,
          str(args, 'exchange'),
          str(args, 'routingKey'),
          table(args, 'arguments'),
        ] as const;
        if (name === 'queue.bind') vhost.bind(...binding);
        else vhost.unbind(...binding);
        if (name === 'queue.unbind' || !bool(args, 'noWait')) this.reply(`${name}-ok`);
        return;
      }
      case 'queue.purge': {
        const count = this.ownQueue(str(args, 'queue')).purge();
        if (!bool(args, 'noWait')) this.reply('queue.purge-ok', { messageCount: count });
        return;
      }
      case 'queue.delete': {
        const q = vhost.queues.get(str(args, 'queue'));
        let count = 0;
        if (q) {
          this.ownQueue(q.name);
          if (bool(args, 'ifUnused') && q.consumers.length)
            throw preconditionFailed(`queue '${q.name}' in vhost '${vhost.name}' in use`);
          if (bool(args, 'ifEmpty') && q.messageCount)
            throw preconditionFailed(`queue '${q.name}' in vhost '${vhost.name}' is not empty`);
          count = vhost.deleteQueue(q);
        }
        if (!bool(args, 'noWait')) this.reply('queue.delete-ok', { messageCount: count });
        return;
      }
      case 'basic.qos':
        if (bool(args, 'global')) this.channelPrefetch = args.prefetchCount as number;
        else this.consumerPrefetch = args.prefetchCount as number;
        this.reply('basic.qos-ok');
        this.redispatch();
        return;
      case 'basic.consume':
        return this.consume(args);
      case 'basic.cancel': {
        const tag = str(args, 'consumerTag');
        this.cancel(tag);
        if (!bool(args, 'noWait')) this.reply('basic.cancel-ok', { consumerTag: tag });
        return;
      }
      case 'basic.publish': {
        const exchange = str(args, 'exchange');
        this.pending = {
          exchange,
          routingKey: str(args, 'routingKey'),
          mandatory: bool(args, 'mandatory'),
          bodySize: -1,
          chunks: [],
          received: 0,
        };
        return;
      }
      case 'basic.get':
        return this.get(this.ownQueue(str(args, 'queue')), bool(args, 'noAck'));
      case 'basic.ack':
        return this.settle(args.deliveryTag as number, bool(args, 'multiple'), 'ack');
      case 'basic.nack':
        return this.settle(
          args.deliveryTag as number,
          bool(args, 'multiple'),
          bool(args, 'requeue') ? 'requeue' : 'dead',
        );
      case 'basic.reject':
        return this.settle(args.deliveryTag as number, false, bool(args, 'requeue') ? 'requeue' : 'dead');
      case 'basic.recover':
      case 'basic.recover-async':
        this.requeueAll();
        if (name === 'basic.recover') this.reply('basic.recover-ok');
        return;
      case 'confirm.select':
        this.confirming = true;
        if (!bool(args, 'noWait')) this.reply('confirm.select-ok');
        return;
      default:
        throw new AmqpError(
          ReplyCode.NOT_IMPLEMENTED,
          `method ${name} is not implemented by this broker`,
          true,
        );
    }
  }

  private declareQueue(args: MethodArgs): void {
    const vhost = this.host.vhost;
    let name = str(args, 'queue');
    const qargs = table(args, 'arguments');
    const existing = name === '' ? undefined : vhost.queues.get(name);
    const label = () => `queue '${name}' in vhost '${vhost.name}'`;
    if (bool(args, 'passive')) {
      const q = this.ownQueue(name);
      this.replyDeclareOk(args, q);
      return;
    }
    if (existing) {
      this.ownQueue(name);
      const checks: Array<[string, unknown, unknown]> = [
        ['durable', bool(args, 'durable'), existing.durable],
        ['exclusive', bool(args, 'exclusive'), existing.exclusiveOwner !== undefined],
        ['auto_delete', bool(args, 'autoDelete'), existing.autoDelete],
      ];
      for (const [key, got, cur] of checks) {
        if (got !== cur)
          throw preconditionFailed(
            `inequivalent arg '${key}' for ${label()}: received '${got}' but current is '${cur}'`,
          );
      }
      const keys = new Set(
        [...Object.keys(qargs), ...Object.keys(existing.arguments)].filter((k) => k.startsWith('x-')),
      );
      for (const key of keys) {
        const got = qargs[key];
        const cur = existing.arguments[key];
        if (JSON.stringify(got) !== JSON.stringify(cur)) {
          const fmt = (v: unknown) =>
            v === undefined ? 'none' : `the value '${JSON.stringify(v)}' of type '${typeName(v)}'`;
          throw preconditionFailed(
            `inequivalent arg '${key}' for ${label()}: received ${fmt(got)} but current is ${fmt(cur)}`,
          );
        }
      }
      this.replyDeclareOk(args, existing);
      return;
    }
    if (name === '') name = serverName('amq.gen');
    else if (name.startsWith('amq.'))
      throw accessRefused(`queue name '${name}' contains reserved prefix 'amq.*'`);
    const invalid = validateQueueArgs(qargs);
    if (invalid) throw preconditionFailed(`${invalid} for ${label()}`);
    const q = vhost.declareQueue(name, {
      durable: bool(args, 'durable'),
      autoDelete: bool(args, 'autoDelete'),
      exclusiveOwner: bool(args, 'exclusive') ? this.host.id : undefined,
      arguments: qargs,
    });
    this.replyDeclareOk(args, q);
  }

  private replyDeclareOk(args: MethodArgs, q: Queue): void {
    if (bool(args, 'noWait')) return;
    this.reply('queue.declare-ok', {
      queue: q.name,
      messageCount: q.readyCount,
      consumerCount: q.consumers.length,
    });
  }

  private consume(args: MethodArgs): void {
    const q = this.ownQueue(str(args, 'queue'));
    let tag = str(args, 'consumerTag');
    if (tag === '') tag = serverName('amq.ctag');
    else if (this.consumers.has(tag)) {
      throw new AmqpError(ReplyCode.NOT_ALLOWED, `attempt to reuse consumer tag '${tag}'`, true);
    }
    if (q.consumers.some((c) => c.exclusive) || (bool(args, 'exclusive') && q.consumers.length)) {
      throw accessRefused(`queue '${q.name}' in vhost '${this.host.vhost.name}' in exclusive use`);
    }
    const consumer: Consumer = {
      tag,
      queue: q,
      sink: this,
      noAck: bool(args, 'noAck'),
      exclusive: bool(args, 'exclusive'),
      prefetch: this.consumerPrefetch,
      unacked: 0,
      connectionName: this.host.name,
      channel: this.number,
    };
    this.consumers.set(tag, consumer);
    // consume-ok must precede the first delivery
    if (!bool(args, 'noWait')) this.reply('basic.consume-ok', { consumerTag: tag });
    q.addConsumer(consumer);
  }

  private cancel(tag: string): void {
    const consumer = this.consumers.get(tag);
    if (!consumer) return;
    this.consumers.delete(tag);
    consumer.queue.removeConsumer(consumer);
  }

  canAccept(c: Consumer): boolean {
    if (this.closing || !this.flow || this.host.congested) return false;
    if (c.noAck) return true;
    if (c.prefetch > 0 && c.unacked >= c.prefetch) return false;
    return this.channelPrefetch === 0 || this.unacked.size < this.channelPrefetch;
  }

  deliver(c: Consumer, queue: Queue, entry: QueueEntry): void {
    const tag = ++this.nextDeliveryTag;
    if (!c.noAck) {
      this.unacked.set(tag, { queue, entry, consumer: c });
      c.unacked++;
      queue.trackUnacked(entry);
    }
    this.host.count(queue, c.noAck ? 'deliver_no_ack' : 'deliver');
    if (entry.redelivered) this.host.count(queue, 'redeliver');
    this.host.sendContent(
      this.number,
      'basic.deliver',
      {
        consumerTag: c.tag,
        deliveryTag: tag,
        redelivered: entry.redelivered,
        exchange: entry.msg.exchange,
        routingKey: entry.msg.routingKey,
      },
      entry.msg,
    );
  }

  cancelledByBroker(c: Consumer): void {
    if (this.consumers.get(c.tag) !== c) return;
    this.consumers.delete(c.tag);
    if (!this.closing) this.reply('basic.cancel', { consumerTag: c.tag, noWait: true });
  }

  private get(q: Queue, noAck: boolean): void {
    const entry = q.take();
    if (!entry) {
      this.reply('basic.get-empty');
      return;
    }
    const tag = ++this.nextDeliveryTag;
    if (!noAck) {
      this.unacked.set(tag, { queue: q, entry });
      q.trackUnacked(entry);
    }
    this.host.count(q, noAck ? 'get_no_ack' : 'get');
    if (entry.redelivered) this.host.count(q, 'redeliver');
    this.host.sendContent(
      this.number,
      'basic.get-ok',
      {
        deliveryTag: tag,
        redelivered: entry.redelivered,
        exchange: entry.msg.exchange,
        routingKey: entry.msg.routingKey,
        messageCount: q.readyCount,
      },
      entry.msg,
    );
  }

  private settle(deliveryTag: number, multiple: boolean, action: 'ack' | 'requeue' | 'dead'): void {
    const picked: Unacked[] = [];
    if (multiple) {
      for (const [tag, u] of this.unacked) {
        if (deliveryTag !== 0 && tag > deliveryTag) break;
        picked.push(u);
        this.unacked.delete(tag);
      }
    } else {
      const u = this.unacked.get(deliveryTag);
      if (!u) throw preconditionFailed(`unknown delivery tag ${deliveryTag}`);
      picked.push(u);
      this.unacked.delete(deliveryTag);
    }
    this.release(picked, action);
  }

  private release(picked: Unacked[], action: 'ack' | 'requeue' | 'dead'): void {
    const byQueue = new Map<Queue, QueueEntry[]>();
    for (const u of picked) {
      u.queue.settle(u.entry);
      if (u.consumer) u.consumer.unacked--;
      const list = byQueue.get(u.queue) ?? [];
      list.push(u.entry);
      byQueue.set(u.queue, list);
    }
    for (const [queue, entries] of byQueue) {
      if (action === 'ack') this.host.count(queue, 'ack', entries.length);
      else if (action === 'requeue') queue.requeue(entries);
      else {
        this.host.count(queue, 'reject', entries.length);
        if (!queue.deleted) this.host.vhost.deadLetter(queue, entries, 'rejected');
      }
    }
    this.redispatch(byQueue.keys());
  }

  /** Capacity freed: let every queue this channel consumes from try again. */
  redispatch(extra: Iterable<Queue> = []): void {
    const queues = new Set<Queue>(extra);
    for (const c of this.consumers.values()) queues.add(c.queue);
    for (const q of queues) if (!q.deleted) q.dispatch();
  }

  private requeueAll(): void {
    const all = [...this.unacked.values()];
    this.unacked.clear();
    this.release(all, 'requeue');
  }

  /** Content (header + body) for the pending basic.publish is complete: route it. */
  publish(p: PendingPublish, body: Buffer): void {
    const vhost = this.host.vhost;
    const seq = this.confirming ? ++this.publishSeq : 0;
    this.host.count(undefined, 'publish');
    const ex = vhost.exchange(p.exchange);
    if (ex.internal)
      throw accessRefused(`cannot publish to internal exchange '${p.exchange}' in vhost '${vhost.name}'`);
    const msg: Message = {
      exchange: p.exchange,
      routingKey: p.routingKey,
      rawProperties: p.rawProperties!,
      body,
    };
    const queues = vhost.route(ex, p.routingKey, msg);
    let refused = false;
    for (const q of queues) if (!q.publish(msg)) refused = true;
    if (queues.length === 0) {
      if (p.mandatory) {
        this.host.count(undefined, 'return_unroutable');
        this.host.sendContent(
          this.number,
          'basic.return',
          {
            replyCode: ReplyCode.NO_ROUTE,
            replyText: 'NO_ROUTE',
            exchange: p.exchange,
            routingKey: p.routingKey,
          },
          msg,
        );
      } else this.host.count(undefined, 'drop_unroutable');
    }
    if (seq) {
      if (!refused) this.host.count(undefined, 'confirm');
      this.reply(refused ? 'basic.nack' : 'basic.ack', { deliveryTag: seq, multiple: false });
    }
  }

  /** Channel or connection going away: consumers cancelled, unacked messages back to their queues. */
  teardown(): void {
    this.closing = true;
    this.pending = undefined;
    for (const c of [...this.consumers.values()]) {
      this.consumers.delete(c.tag);
      c.queue.removeConsumer(c);
    }
    this.requeueAll();
  }
}

function typeName(v: unknown): string {
  if (typeof v === 'string') return 'longstr';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'signedint' : 'double';
  if (typeof v === 'bigint') return 'long';
  return 'table';
}
