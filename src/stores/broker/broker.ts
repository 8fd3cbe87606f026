/**
 * The embedded broker: vhosts, users, the AMQP listener and its connections, broker-wide message
 * counters with rates, plus the management HTTP listener (see management.ts). Several brokers can
 * run in one process (tests); there is no module-level state.
 */
import { createServer, type AddressInfo, type Server } from 'node:net';
import type { Logger } from 'pino';
import { createLogger } from '../../shop/common/logger.js';
import { Connection } from './connection.js';
import { createManagementServer, type ManagementServer } from './management.js';
import type { Queue } from './queue.js';
import { RatedCounters, type CounterName } from './rates.js';
import { Vhost } from './vhost.js';

export interface BrokerOptions {
  /** user → password; default guest/guest. */
  users?: Record<string, string>;
  vhosts?: string[];
  frameMax?: number;
  channelMax?: number;
  /** Heartbeat the server proposes in connection.tune, seconds (RabbitMQ: 60). */
  heartbeat?: number;
  /** Sliding window for `*_details.rate`, ms. */
  rateWindowMs?: number;
  /** How often counters are sampled for rates, ms. */
  rateSampleMs?: number;
  log?: Logger;
  pod?: string;
}

export interface ListenAddresses {
  host: string;
  amqpPort: number;
  mgmtPort?: number;
}

export class Broker {
  readonly log: Logger;
  readonly users: Map<string, string>;
  readonly vhosts = new Map<string, Vhost>();
  readonly connections = new Set<Connection>();
  readonly stats: RatedCounters;
  readonly rateWindowMs: number;
  private readonly frameMax: number;
  private readonly channelMax: number;
  private readonly heartbeat: number;
  private amqp?: Server;
  private mgmt?: ManagementServer;
  private sampler?: NodeJS.Timeout;
  private readonly sampleMs: number;
  readonly startedAt = Date.now();

  constructor(opts: BrokerOptions = {}) {
    this.log = opts.log ?? createLogger('rabbitmq', opts.pod ?? 'rabbitmq');
    this.users = new Map(Object.entries(opts.users ?? { guest: 'guest' }));
    this.frameMax = opts.frameMax ?? 131072;
    this.channelMax = opts.channelMax ?? 2047;
    this.heartbeat = opts.heartbeat ?? 60;
    this.rateWindowMs = opts.rateWindowMs ?? 5000;
    this.sampleMs = opts.rateSampleMs ?? 1000;
    this.stats = new RatedCounters(this.rateWindowMs);
    for (const name of opts.vhosts ?? ['/']) this.addVhost(name);
  }

  addVhost(name: string): Vhost {
    let v = this.vhosts.get(name);
    if (!v) {
      v = new Vhost(name, this.rateWindowMs);
      this.vhosts.set(name, v);
    }
    return v;
  }

  deleteVhost(name: string): boolean {
    const v = this.vhosts.get(name);
    if (!v) return false;
    for (const c of this.connections) if (c.vhostName === name) c.forceClose(`vhost '${name}' is deleted`);
    for (const q of [...v.queues.values()]) v.deleteQueue(q);
    this.vhosts.delete(name);
    return true;
  }

  vhost(name: string): Vhost | undefined {
    return this.vhosts.get(name);
  }

  /** Counts on the queue (if any) and broker-wide. */
  count(queue: Queue | undefined, name: CounterName, n = 1): void {
    queue?.stats.add(name, n);
    this.stats.add(name, n);
  }

  allQueues(): Queue[] {
    return [...this.vhosts.values()].flatMap((v) => [...v.queues.values()]);
  }

  private sample(): void {
    const now = Date.now();
    this.stats.sample(now);
    for (const q of this.allQueues()) {
      q.stats.set('messages', q.messageCount);
      q.stats.set('messages_ready', q.readyCount);
      q.stats.set('messages_unacknowledged', q.unacked);
      q.stats.sample(now);
    }
  }

  async listen(addr: ListenAddresses): Promise<{ amqpPort: number; mgmtPort?: number }> {
    const server = createServer((socket) => {
      const conn = new Connection(socket, {
        log: this.log,
        users: this.users,
        frameMax: this.frameMax,
        channelMax: this.channelMax,
        heartbeat: this.heartbeat,
        findVhost: (name) => this.vhost(name),
        count: (q, name, n) => this.count(q, name, n),
        closed: (c) => this.connections.delete(c),
      });
      this.connections.add(conn);
    });
    server.on('error', (err) => this.log.error({ err }, 'amqp listener error'));
    this.amqp = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(addr.amqpPort, addr.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const amqpPort = (server.address() as AddressInfo).port;
    let mgmtPort: number | undefined;
    if (addr.mgmtPort !== undefined) {
      this.mgmt = createManagementServer(this);
      mgmtPort = await this.mgmt.listen(addr.mgmtPort, addr.host);
    }
    this.sample();
    this.sampler = setInterval(() => this.sample(), this.sampleMs);
    this.sampler.unref();
    return { amqpPort, mgmtPort };
  }

  async close(): Promise<void> {
    if (this.sampler) clearInterval(this.sampler);
    for (const c of [...this.connections])
      c.forceClose("broker forced connection closure with reason 'shutdown'");
    const amqp = this.amqp;
    this.amqp = undefined;
    await Promise.all([
      amqp ? new Promise<void>((resolve) => amqp.close(() => resolve())) : undefined,
      this.mgmt?.close(),
    ]);
    for (const v of this.vhosts.values()) for (const q of [...v.queues.values()]) q.destroy();
  }
}
