/**
 * A plain TCP edge (AMQP, SQL, Redis): faults act on bytes, like netem on a pod's egress. Delay and
 * bandwidth pace every chunk, a partition in one direction discards that direction's bytes, a full
 * partition refuses connections, and loss resets a share of new connections.
 */
import net, { type Socket } from 'node:net';
import { pipeline } from 'node:stream';
import { EdgeBase, type EdgeOptions } from './edge.js';

export class TcpEdge extends EdgeBase {
  readonly protocol = 'tcp' as const;
  protected readonly server: net.Server;

  constructor(options: EdgeOptions) {
    super(options);
    this.server = net.createServer((socket) => this.handle(socket));
  }

  private handle(client: Socket): void {
    this.counters.requests++;
    if (client.destroyed) return;
    if (this.policy.active && (this.policy.lost('to') || this.policy.lost('from'))) {
      this.countFault('loss');
      return this.reset(client);
    }
    const endpoint = this.nextEndpoint();
    if (!endpoint) {
      this.counters.noHealthyUpstream++;
      return this.reset(client);
    }
    const upstream = net.connect(endpoint.port, endpoint.host);
    upstream.setNoDelay(true);
    client.setNoDelay(true);
    const fail = () => {
      this.reset(client);
      upstream.destroy();
    };
    upstream.once('error', () => {
      this.counters.upstreamErrors++;
      fail();
    });
    client.once('error', fail);
    client.once('close', () => upstream.destroy());
    pipeline(client, this.pacer('to', true), upstream, () => {});
    pipeline(upstream, this.pacer('from', true), client, () => {});
  }
}
