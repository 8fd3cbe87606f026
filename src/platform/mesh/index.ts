/**
 * The local service mesh: one proxy listener per caller→service edge, forwarding to the callee's ready
 * endpoints (round-robin), with fault rules added and removed at run time.
 *
 * How it compares with the real tools:
 * - HTTP edges act per request, like Istio: a delay is added once per request (not per packet), an
 *   abort answers `fault filter abort` with the given status, a missing endpoint answers 503
 *   `no healthy upstream`. Unlike Istio, a rule without `percent` acts on every request.
 * - Chaos Mesh's netem acts per packet on egress: with `direction: to` it also delays the SYN, the
 *   ACKs and every segment, so a new connection pays the delay more than once, and a large body pays
 *   it per segment. Here an HTTP request pays it once (a `from` delay once more for the response);
 *   TCP edges delay each chunk, which is closer to netem but still ignores the handshake.
 * - Chaos Mesh's partition drops packets (the peer hangs until a timeout); a `both` partition here
 *   refuses/resets instead, so callers fail fast. One-way partitions hang, as iptables DROP does.
 * - Loss on HTTP resets the connection for that request (netem loss would cause retransmits and
 *   latency instead); on TCP it resets a share of new connections.
 * - Bandwidth is a token bucket per rule and direction (tbf-like), shared by the edge's connections.
 */
import type { Mesh, MeshRule, MeshRuleInput } from '../types.js';
import { EdgeBase, type EdgeStats, type EndpointSource } from './edge.js';
import { HttpEdge } from './http-edge.js';
import { EdgePolicy, RuleStore } from './rules.js';
import { TcpEdge } from './tcp-edge.js';

export type { EdgeStats, Endpoint, EndpointSource } from './edge.js';
export { MeshRuleError, parseRule } from './rules.js';

export interface OpenEdgeOptions {
  source: string;
  destination: string;
  protocol: 'http' | 'tcp';
  /** A fixed upstream (e.g. the Service's own listener) … */
  upstream?: { host: string; port: number };
  /** … or the callee's ready endpoints, asked for on every request/connection. */
  endpoints?: EndpointSource;
  listenPort?: number;
}

export class MeshProxy implements Mesh {
  private readonly rules = new RuleStore();
  private readonly edges = new Set<EdgeBase>();

  async openEdge(options: OpenEdgeOptions): Promise<EdgeBase> {
    const fixed = options.upstream;
    const endpoints = options.endpoints ?? (fixed ? () => [fixed] : undefined);
    if (!endpoints) throw new Error('openEdge needs an upstream or an endpoint source');
    const args = { source: options.source, destination: options.destination, endpoints };
    const edge = options.protocol === 'http' ? new HttpEdge(args) : new TcpEdge(args);
    edge.setPolicy(new EdgePolicy(this.rules.matching(edge.source, edge.destination)));
    await edge.listen(options.listenPort ?? 0);
    this.edges.add(edge);
    edge.onClosed = () => this.edges.delete(edge);
    return edge;
  }

  addRule(rule: MeshRuleInput): MeshRule {
    const added = this.rules.add(rule);
    this.refresh();
    return added;
  }

  removeRule(id: string): boolean {
    const removed = this.rules.remove(id);
    if (removed) this.refresh();
    return removed;
  }

  listRules(): MeshRule[] {
    return this.rules.list();
  }

  clearRules(): void {
    this.rules.clear();
    this.refresh();
  }

  stats(): EdgeStats[] {
    return [...this.edges].map((e) => e.stats());
  }

  async close(): Promise<void> {
    await Promise.all([...this.edges].map((e) => e.close()));
  }

  private refresh(): void {
    for (const edge of this.edges) {
      edge.setPolicy(new EdgePolicy(this.rules.matching(edge.source, edge.destination), edge.currentPolicy));
    }
  }
}
