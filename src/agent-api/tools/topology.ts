/**
 * get_topology: the shop's call graph (who calls whom, over which protocol) joined with the
 * deployments that exist. Stores that do not run as pods (a machine's PostgreSQL, Redis) still
 * appear, without a deployment.
 */
import { z } from 'zod';
import { defineTool } from '../tool.js';

type Protocol = 'http' | 'amqp' | 'sql' | 'redis';

/** The Sock Shop's calls (sockshop-spec.md), plus our payment-gateway dependency. */
export const CALLS: Array<[from: string, to: string, protocol: Protocol]> = [
  ['front-end', 'catalogue', 'http'],
  ['front-end', 'carts', 'http'],
  ['front-end', 'orders', 'http'],
  ['front-end', 'user', 'http'],
  ['front-end', 'session-db', 'redis'],
  ['orders', 'payment', 'http'],
  ['orders', 'shipping', 'http'],
  ['orders', 'carts', 'http'],
  ['orders', 'user', 'http'],
  ['orders', 'orders-db', 'sql'],
  ['payment', 'payment-gateway', 'http'],
  ['shipping', 'rabbitmq', 'amqp'],
  ['queue-master', 'rabbitmq', 'amqp'],
  ['queue-master', 'orders', 'http'],
  ['catalogue', 'catalogue-db', 'sql'],
  ['user', 'user-db', 'sql'],
  ['carts', 'carts-db', 'sql'],
];

function kindOf(name: string): 'service' | 'store' | 'broker' | 'external' {
  if (name === 'rabbitmq') return 'broker';
  if (name.endsWith('-db')) return 'store';
  if (name === 'payment-gateway') return 'external';
  return 'service';
}

export const getTopology = defineTool({
  name: 'get_topology',
  description:
    'The call graph: services (kind service|store|broker|external, and the deployment that runs each, null when it is not a pod) and edges from caller to callee with their protocol.',
  kind: 'read',
  input: z.strictObject({}),
  async run(ctx) {
    const deployments = new Set((await ctx.platform.listDeployments()).map((d) => d.name));
    const names = new Set([...CALLS.flatMap(([from, to]) => [from, to]), ...deployments]);
    return {
      services: [...names].sort().map((name) => ({
        name,
        kind: kindOf(name),
        deployment: deployments.has(name) ? name : null,
      })),
      edges: CALLS.map(([from, to, protocol]) => ({ from, to, protocol })),
    };
  },
});
