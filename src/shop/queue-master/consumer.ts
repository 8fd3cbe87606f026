/**
 * The `shipping-task` consumer: one consumer, a bounded prefetch, acknowledgement only after the
 * work is done. The work is the original's log line plus our report to orders, which marks the
 * order shipped. A report that fails (orders down or slow) puts the message back after a delay,
 * so a broken orders service shows up as a growing queue rather than a hot redelivery loop.
 * A message that cannot be read is rejected without requeue (see `handle`).
 */
import type { Channel, ConsumeMessage } from 'amqplib';
import type { Logger } from 'pino';
import { declareShippingTopology, SHIPPING_QUEUE, type AmqpConnection } from '../common/amqp.js';
import type { ShopMetrics } from '../common/metrics.js';
import type { Upstream } from '../common/upstream.js';
import { parseShipmentMessage, type ShipmentTask } from './shipment-message.js';

export interface ConsumerOptions {
  prefetch: number;
  retryDelayMs: number;
  httpTimeoutMs: number;
}

/** What happened to one delivery (the `result` label). */
type Result = 'shipped' | 'retry' | 'rejected' | 'unknown_order' | 'conflict';

export class ShippingTaskConsumer {
  private channel: Channel | undefined;
  private readonly processed;
  private readonly inProgress;
  private readonly pendingRetries = new Set<NodeJS.Timeout>();

  constructor(
    amqp: AmqpConnection,
    private readonly upstream: Upstream,
    private readonly log: Logger,
    metrics: ShopMetrics,
    private readonly options: ConsumerOptions,
  ) {
    this.processed = metrics.counter(
      'queue_master_messages_processed_total',
      'Shipping tasks handled, by result.',
      ['result'],
    );
    for (const result of ['shipped', 'retry', 'rejected', 'unknown_order', 'conflict'])
      this.processed.inc({ result }, 0);
    this.inProgress = metrics.gauge(
      'queue_master_messages_in_progress',
      'Shipping tasks received and not yet acknowledged.',
    );
    amqp.onConnect(async (model) => {
      const channel = await model.createChannel();
      channel.on('error', (error: Error) => log.error({ err: error }, 'queue-master channel error'));
      channel.on('close', () => {
        if (this.channel !== channel) return;
        this.channel = undefined;
        amqp.recycle('queue-master channel closed');
      });
      await declareShippingTopology(channel);
      await channel.prefetch(options.prefetch);
      // Set before consuming: the first delivery may arrive before consume() resolves.
      this.channel = channel;
      await channel.consume(SHIPPING_QUEUE, (message) => void this.handle(channel, message), {
        noAck: false,
      });
    });
    amqp.on('disconnected', () => {
      this.channel = undefined;
      this.inProgress.set(0);
    });
  }

  /** Whether a consumer is registered on the queue right now. */
  get consuming(): boolean {
    return this.channel !== undefined;
  }

  /** Stops waiting retries; their messages return to the queue when the channel closes. */
  stop(): void {
    for (const timer of this.pendingRetries) clearTimeout(timer);
    this.pendingRetries.clear();
  }

  private async handle(channel: Channel, message: ConsumeMessage | null): Promise<void> {
    if (!message) {
      // The broker cancelled the consumer (queue deleted): start over on a fresh connection.
      this.log.warn('shipping-task consumer cancelled by the broker');
      await channel.close().catch(() => undefined);
      return;
    }
    this.inProgress.inc();
    const parsed = parseShipmentMessage(message);
    if (!parsed.ok) {
      // The original requeued such a message forever (Spring's default); we drop it (or dead-letter
      // it, if a policy gives the queue a DLX) so one bad message cannot occupy the consumer.
      this.log.error(
        { reason: parsed.reason, deliveryTag: message.fields.deliveryTag },
        'unreadable shipping task rejected',
      );
      this.settle(channel, message, 'rejected', () => channel.reject(message, false));
      return;
    }
    const task = parsed.task;
    this.log.info({ shipment: task.id }, `Received shipment task: ${task.name}`);
    const result = await this.report(task);
    if (result !== 'retry') {
      this.settle(channel, message, result, () => channel.ack(message));
      return;
    }
    const timer = setTimeout(() => {
      this.pendingRetries.delete(timer);
      this.settle(channel, message, 'retry', () => channel.nack(message, false, true));
    }, this.options.retryDelayMs);
    this.pendingRetries.add(timer);
  }

  private async report(task: ShipmentTask): Promise<Result> {
    const url = `http://orders/orders/shipments/${encodeURIComponent(task.id)}/shipped`;
    try {
      const res = await this.upstream.request(url, { method: 'POST', timeoutMs: this.options.httpTimeoutMs });
      if (res.status >= 200 && res.status < 300) return 'shipped';
      if (res.status === 404) {
        this.log.warn({ shipment: task.id }, 'orders knows no order for this shipment; dropping the task');
        return 'unknown_order';
      }
      if (res.status === 409) {
        this.log.warn({ shipment: task.id }, 'orders refused to mark this order shipped; dropping the task');
        return 'conflict';
      }
      this.log.error({ shipment: task.id, status: res.status }, 'shipment report failed; will retry');
    } catch (error) {
      this.log.error(
        { shipment: task.id, reason: (error as Error).message },
        'shipment report failed; will retry',
      );
    }
    return 'retry';
  }

  /** Acknowledges on the channel the message came from; if it has closed meanwhile the broker already requeued it. */
  private settle(channel: Channel, message: ConsumeMessage, result: Result, action: () => void): void {
    this.processed.inc({ result });
    if (this.channel !== channel) return;
    this.inProgress.dec();
    try {
      action();
    } catch (error) {
      this.log.warn(
        { reason: (error as Error).message, deliveryTag: message.fields.deliveryTag },
        'could not settle delivery',
      );
    }
  }
}
