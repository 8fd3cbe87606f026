/**
 * Publishes shipments the way the original shipping service did (default exchange, routing key
 * `shipping-task`, Spring's JSON message properties), but on a confirm channel: a broker that
 * refuses a message (e.g. a full queue with `overflow: reject-publish`) answers `basic.nack`,
 * which the original never saw. The HTTP answer stays 201 either way (sockshop-spec §9.1);
 * failures are logged and counted so the blockage shows in telemetry.
 */
import type { ConfirmChannel } from 'amqplib';
import type { Logger } from 'pino';
import {
  declareShippingTopology,
  SHIPMENT_TYPE_ID,
  SHIPPING_QUEUE,
  type AmqpConnection,
} from '../common/amqp.js';
import type { ShopMetrics } from '../common/metrics.js';

/** Spring leaves absent fields null, and so do we. */
export interface Shipment {
  id: string | null;
  name: string | null;
}

export type PublishOutcome = 'published' | 'nack' | 'error' | 'unavailable';

export class ShipmentPublisher {
  private channel: ConfirmChannel | undefined;
  private readonly published;
  private readonly failures;

  constructor(
    amqp: AmqpConnection,
    private readonly log: Logger,
    metrics: ShopMetrics,
    private readonly confirmTimeoutMs: number,
  ) {
    this.published = metrics.counter('shipping_published_total', 'Shipments confirmed by the broker.');
    this.failures = metrics.counter('shipping_publish_failures_total', 'Shipments the broker did not take.', [
      'reason',
    ]);
    for (const reason of ['nack', 'error', 'unavailable']) this.failures.inc({ reason }, 0);
    amqp.onConnect(async (model) => {
      const channel = await model.createConfirmChannel();
      channel.on('error', (error: Error) => log.error({ err: error }, 'shipping channel error'));
      channel.on('close', () => {
        if (this.channel !== channel) return;
        this.channel = undefined;
        // A channel closed by the broker leaves the connection open: start over cleanly.
        amqp.recycle('shipping channel closed');
      });
      await declareShippingTopology(channel);
      this.channel = channel;
    });
    amqp.on('disconnected', () => {
      this.channel = undefined;
    });
  }

  async publish(shipment: Shipment): Promise<PublishOutcome> {
    const outcome = await this.send(shipment);
    if (outcome === 'published') this.published.inc();
    else this.failures.inc({ reason: outcome });
    return outcome;
  }

  private send(shipment: Shipment): Promise<PublishOutcome> {
    const channel = this.channel;
    if (!channel) {
      this.log.error({ shipment: shipment.id }, 'shipment not published: broker unavailable');
      return Promise.resolve('unavailable');
    }
    const body = Buffer.from(JSON.stringify({ id: shipment.id, name: shipment.name }), 'utf8');
    return new Promise<PublishOutcome>((resolve) => {
      let settled = false;
      const finish = (outcome: PublishOutcome, error?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (outcome === 'nack')
          this.log.error({ shipment: shipment.id }, 'shipment rejected by the broker (nack)');
        else if (error)
          this.log.error({ shipment: shipment.id, reason: error.message }, 'shipment publish failed');
        resolve(outcome);
      };
      const timer = setTimeout(
        () => finish('error', new Error(`not confirmed within ${this.confirmTimeoutMs} ms`)),
        this.confirmTimeoutMs,
      );
      try {
        channel.publish(
          '',
          SHIPPING_QUEUE,
          body,
          {
            contentType: 'application/json',
            contentEncoding: 'UTF-8',
            headers: { __TypeId__: SHIPMENT_TYPE_ID },
            persistent: true,
          },
          (error: Error | null) => {
            if (!error) finish('published');
            else finish(error.message === 'message nacked' ? 'nack' : 'error', error);
          },
        );
      } catch (error) {
        finish('error', error as Error);
      }
    });
  }
}
