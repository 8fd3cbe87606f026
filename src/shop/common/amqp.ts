/**
 * One AMQP connection per service process (shipping, queue-master), kept alive across broker
 * restarts: connect with exponential back-off, re-run the service's setup (topology, channels,
 * consumers) after every reconnect, and report health. A broker that is down never crashes the
 * process; it only turns `/health` to `err` and makes publishes fail fast.
 */
import { EventEmitter } from 'node:events';
import { connect, type Channel, type ChannelModel } from 'amqplib';
import type { Logger } from 'pino';
import type { ShopMetrics } from './metrics.js';
import type { ServiceDirectory } from './upstream.js';

/** The original's broker objects (sockshop-spec §9.2). */
export const SHIPPING_QUEUE = 'shipping-task';
export const SHIPPING_EXCHANGE = 'shipping-task-exchange';
/** Spring AMQP's type header value for a Shipment; queue-master accepts it or no header at all. */
export const SHIPMENT_TYPE_ID = 'works.weave.socks.shipping.entities.Shipment';

const DEFAULT_AMQP_URL = 'amqp://guest:guest@rabbitmq:5672';

/**
 * The broker URL: env `AMQP_URL`, else the original's `rabbitmq` host. When the URL's host names a
 * directory entry (e.g. `{"rabbitmq":"amqp://127.0.0.1:5673"}`), that entry's scheme, host and port
 * replace it, and its credentials/vhost too when it has them.
 */
export function amqpUrlFromEnv(directory: ServiceDirectory, env: NodeJS.ProcessEnv = process.env): string {
  const raw = env.AMQP_URL && env.AMQP_URL !== '' ? env.AMQP_URL : DEFAULT_AMQP_URL;
  const url = new URL(raw);
  const entry = directory.get(url.hostname);
  if (!entry) return raw;
  const target = new URL(entry);
  url.protocol = target.protocol;
  url.hostname = target.hostname;
  url.port = target.port;
  if (target.username) {
    url.username = target.username;
    url.password = target.password;
  }
  if (target.pathname && target.pathname !== '/') url.pathname = target.pathname;
  return url.toString();
}

/** Declares the queue, the (unused) topic exchange and their binding, as both originals did. */
export async function declareShippingTopology(channel: Channel): Promise<void> {
  await channel.assertQueue(SHIPPING_QUEUE, { durable: false, exclusive: false, autoDelete: false });
  await channel.assertExchange(SHIPPING_EXCHANGE, 'topic', { durable: true, autoDelete: false });
  await channel.bindQueue(SHIPPING_QUEUE, SHIPPING_EXCHANGE, SHIPPING_QUEUE);
}

export interface AmqpConnectionOptions {
  url: string;
  /** Name used in logs and in the metric labels. */
  name: string;
  log: Logger;
  metrics?: ShopMetrics;
  initialDelayMs?: number;
  maxDelayMs?: number;
  connectTimeoutMs?: number;
}

/** Runs after every successful (re)connect; a failure closes the connection and retries. */
export type AmqpSetup = (model: ChannelModel) => Promise<void>;

export class AmqpConnection extends EventEmitter {
  private model: ChannelModel | undefined;
  private stopped = true;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly setups: AmqpSetup[] = [];
  private readonly gauge;
  private readonly reconnects;

  constructor(private readonly options: AmqpConnectionOptions) {
    super();
    this.gauge = options.metrics?.gauge(
      'amqp_connected',
      'Whether the AMQP connection is up (1) or not (0).',
      ['connection'],
    );
    this.reconnects = options.metrics?.counter(
      'amqp_connect_failures_total',
      'Failed AMQP connection attempts.',
      ['connection'],
    );
    this.gauge?.set({ connection: options.name }, 0);
  }

  /** Registers work to do on every connection (declare topology, open channels, start consumers). */
  onConnect(setup: AmqpSetup): void {
    this.setups.push(setup);
  }

  get connected(): boolean {
    return this.model !== undefined;
  }

  /** The broker's product/version, like Spring's health probe reads server properties; undefined when down. */
  serverProduct(): string | undefined {
    const props = this.model?.connection.serverProperties;
    return props ? `${String(props.product)} ${String(props.version)}` : undefined;
  }

  /** Starts connecting in the background; resolves at once (the broker may come later). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.connectOnce();
  }

  /** Resolves once connected, or rejects after `timeoutMs`. */
  async waitUntilConnected(timeoutMs: number): Promise<void> {
    if (this.connected) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('connected', done);
        reject(new Error(`${this.options.name}: not connected to the broker after ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.once('connected', done);
    });
  }

  /** Drops the current connection so that the next one starts clean (e.g. after a channel error). */
  recycle(reason: string): void {
    const model = this.model;
    if (!model) return;
    this.options.log.warn({ connection: this.options.name, reason }, 'AMQP connection recycled');
    void model.close().catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const model = this.model;
    this.setDown();
    if (model) await model.close().catch(() => undefined);
  }

  private async connectOnce(): Promise<void> {
    if (this.stopped) return;
    const { log, name, url } = this.options;
    let model: ChannelModel | undefined;
    try {
      model = await connect(url, { timeout: this.options.connectTimeoutMs ?? 5000 });
      // Errors arrive as 'error' then 'close'; reconnecting on 'close' handles both.
      model.on('error', (error: Error) =>
        log.warn({ err: error, connection: name }, 'AMQP connection error'),
      );
      model.on('close', () => {
        if (this.model !== model) return;
        this.setDown();
        log.error({ connection: name }, 'AMQP connection lost; reconnecting');
        this.schedule();
      });
      if (this.stopped) {
        await model.close().catch(() => undefined);
        return;
      }
      for (const setup of this.setups) await setup(model);
      this.model = model;
      this.attempt = 0;
      this.gauge?.set({ connection: name }, 1);
      log.info({ connection: name, broker: redact(url) }, 'AMQP connected');
      this.emit('connected', model);
    } catch (error) {
      this.reconnects?.inc({ connection: name });
      log.error(
        { connection: name, broker: redact(url), reason: (error as Error).message },
        'AMQP connect failed',
      );
      if (model) await model.close().catch(() => undefined);
      this.schedule();
    }
  }

  private setDown(): void {
    this.model = undefined;
    this.gauge?.set({ connection: this.options.name }, 0);
    this.emit('disconnected');
  }

  private schedule(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    const initial = this.options.initialDelayMs ?? 200;
    const max = this.options.maxDelayMs ?? 10_000;
    const delay = Math.min(max, initial * 2 ** this.attempt) * (0.8 + Math.random() * 0.4);
    this.attempt = Math.min(this.attempt + 1, 30);
    this.timer = setTimeout(() => void this.connectOnce(), delay);
    this.timer.unref();
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
