/**
 * What HTTP and TCP edges share: the listener, round-robin over the callee's ready endpoints, the
 * current fault policy, per-edge counters and the pacing of bytes.
 */
import type { Server, Socket } from 'node:net';
import type { MeshEdge } from '../types.js';
import { PacedStream } from './pacing.js';
import { EdgePolicy, type Way } from './rules.js';

export interface Endpoint {
  host: string;
  port: number;
}

/** The callee's ready endpoints right now (the core answers from its Service's endpoint list). */
export type EndpointSource = () => readonly Endpoint[];

export type FaultKind = 'delay' | 'abort' | 'loss' | 'partition' | 'bandwidth';

export interface EdgeStats {
  source: string;
  destination: string;
  protocol: 'http' | 'tcp';
  port: number;
  /** HTTP requests, or TCP connections. */
  requests: number;
  faults: Record<FaultKind, number>;
  /** Requests/connections answered 503 or refused because no endpoint was ready. */
  noHealthyUpstream: number;
  upstreamErrors: number;
  /** Bytes the caller sent (requests) and received (responses), headers included. */
  bytesToCallee: number;
  bytesFromCallee: number;
  openConnections: number;
}

export interface EdgeOptions {
  source: string;
  destination: string;
  endpoints: EndpointSource;
}

export abstract class EdgeBase implements MeshEdge {
  abstract readonly protocol: 'http' | 'tcp';
  readonly source: string;
  readonly destination: string;
  protected policy: EdgePolicy = EdgePolicy.none;
  protected readonly sockets = new Set<Socket>();
  private readonly endpoints: EndpointSource;
  private rr = 0;
  private closedBytesIn = 0;
  private closedBytesOut = 0;
  private listenPort = 0;
  protected readonly counters = {
    requests: 0,
    noHealthyUpstream: 0,
    upstreamErrors: 0,
    faults: { delay: 0, abort: 0, loss: 0, partition: 0, bandwidth: 0 } as Record<FaultKind, number>,
  };

  protected abstract readonly server: Server;

  constructor(options: EdgeOptions) {
    this.source = options.source;
    this.destination = options.destination;
    this.endpoints = options.endpoints;
  }

  /** Called once the edge has closed (the mesh forgets it). */
  onClosed: (() => void) | undefined;

  get currentPolicy(): EdgePolicy {
    return this.policy;
  }

  get port(): number {
    return this.listenPort;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<number> {
    this.server.on('connection', (socket: Socket) => this.track(socket));
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    const address = this.server.address();
    this.listenPort = typeof address === 'object' && address ? address.port : port;
    return this.listenPort;
  }

  /** Installs the faults for this edge; a full partition also cuts the connections already open. */
  setPolicy(policy: EdgePolicy): void {
    this.policy = policy;
    if (policy.refuses) {
      for (const socket of this.sockets) this.reset(socket);
    }
  }

  stats(): EdgeStats {
    let bytesIn = this.closedBytesIn;
    let bytesOut = this.closedBytesOut;
    for (const s of this.sockets) {
      bytesIn += s.bytesRead;
      bytesOut += s.bytesWritten;
    }
    return {
      source: this.source,
      destination: this.destination,
      protocol: this.protocol,
      port: this.listenPort,
      requests: this.counters.requests,
      faults: { ...this.counters.faults },
      noHealthyUpstream: this.counters.noHealthyUpstream,
      upstreamErrors: this.counters.upstreamErrors,
      bytesToCallee: bytesIn,
      bytesFromCallee: bytesOut,
      openConnections: this.sockets.size,
    };
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
    this.onClosed?.();
  }

  protected nextEndpoint(): Endpoint | undefined {
    const list = this.endpoints();
    if (list.length === 0) return undefined;
    this.rr = (this.rr + 1) % list.length;
    return list[this.rr];
  }

  protected countFault(kind: FaultKind): void {
    this.counters.faults[kind]++;
  }

  /** Closes with RST, as a dropped/refused connection looks to the peer. */
  protected reset(socket: Socket): void {
    if (socket.destroyed) return;
    if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
    else socket.destroy();
  }

  /**
   * A stage that paces one direction's bytes by the bandwidth rules (and, for TCP, delays each chunk
   * like netem and discards it under a partition). It reads the policy per chunk, so rule changes act
   * on open connections too.
   */
  protected pacer(way: Way, perChunkFaults: boolean): PacedStream {
    return new PacedStream((bytes, now) => {
      const policy = this.policy;
      if (!policy.active) return now;
      if (perChunkFaults && policy.partitioned(way)) {
        this.countFault('partition');
        return undefined;
      }
      let at = now;
      if (perChunkFaults) {
        const delay = policy.delayMs(way);
        if (delay > 0) {
          this.countFault('delay');
          at += delay;
        }
      }
      for (const bucket of policy.bucketsFor(way)) {
        const free = bucket.reserve(bytes, now);
        if (free > now) this.countFault('bandwidth');
        at = Math.max(at, free);
      }
      return at;
    });
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.closedBytesIn += socket.bytesRead;
      this.closedBytesOut += socket.bytesWritten;
    });
    if (this.policy.refuses) {
      this.countFault('partition');
      this.reset(socket);
    }
  }
}
