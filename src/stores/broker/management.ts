/**
 * Management HTTP API in the shape of RabbitMQ's management plugin (the subset the lab uses), basic
 * auth against the broker's users, JSON errors like RabbitMQ's ({error, reason}). GET /metrics is
 * the Prometheus endpoint and, like rabbitmq_prometheus, needs no auth.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Broker } from './broker.js';
import { PolicyError, type Policy } from './policies.js';
import { prometheusText } from './prometheus.js';
import type { Queue } from './queue.js';
import type { Vhost } from './vhost.js';

export interface ManagementServer {
  listen(port: number, host: string): Promise<number>;
  close(): Promise<void>;
}

class HttpStatus extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const notFound = () => new HttpStatus(404, 'Object Not Found', 'Not Found');
const NODE = 'rabbit@localhost';

export function queueJson(q: Queue, now = Date.now()): Record<string, unknown> {
  const s = q.stats;
  return {
    name: q.name,
    vhost: q.vhost,
    type: 'classic',
    node: NODE,
    durable: q.durable,
    exclusive: q.exclusiveOwner !== undefined,
    auto_delete: q.autoDelete,
    arguments: q.arguments,
    policy: q.policy?.name ?? null,
    effective_policy_definition: q.policy ? { ...q.policy.definition } : {},
    messages: q.messageCount,
    messages_details: s.details('messages', now),
    messages_ready: q.readyCount,
    messages_ready_details: s.details('messages_ready', now),
    messages_unacknowledged: q.unacked,
    messages_unacknowledged_details: s.details('messages_unacknowledged', now),
    message_bytes: q.readyBytes + q.unackedBytes,
    message_bytes_ready: q.readyBytes,
    message_bytes_unacknowledged: q.unackedBytes,
    consumers: q.consumers.length,
    consumer_utilisation: q.consumers.length ? 1 : null,
    exclusive_consumer_tag: q.consumers.find((c) => c.exclusive)?.tag ?? null,
    state: 'running',
    idle_since: q.consumers.length ? undefined : q.idleSince.toISOString().replace('T', ' ').slice(0, 19),
    memory: q.readyBytes + q.unackedBytes + 1024,
    message_stats: {
      ...s.messageStats(now),
      rejected_publish: s.values.rejected_publish,
      dead_lettered: s.values.dead_lettered,
    },
  };
}

const policyJson = (p: Policy) => ({
  vhost: p.vhost,
  name: p.name,
  pattern: p.pattern,
  'apply-to': p.applyTo,
  definition: p.definition,
  priority: p.priority,
});

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1_000_000) throw new HttpStatus(413, 'bad_request', 'body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpStatus(400, 'bad_request', 'payload not valid JSON');
  }
}

export function createManagementServer(broker: Broker): ManagementServer {
  const vhostOf = (name: string): Vhost =>
    broker.vhost(name) ??
    (() => {
      throw notFound();
    })();
  const queuesIn = (vhost?: string) =>
    vhost === undefined ? broker.allQueues() : [...vhostOf(vhost).queues.values()];
  const vhostsIn = (vhost?: string) => (vhost === undefined ? [...broker.vhosts.values()] : [vhostOf(vhost)]);

  function overview(): unknown {
    const now = Date.now();
    const queues = broker.allQueues();
    const sum = (f: (q: Queue) => number) => queues.reduce((n, q) => n + f(q), 0);
    const sumRate = (name: string) =>
      Math.round(queues.reduce((n, q) => n + q.stats.rate(name, now), 0) * 10) / 10;
    const running = [...broker.connections].filter((c) => c.isRunning);
    return {
      management_version: '3.10-compatible',
      rabbitmq_version: '3.10-compatible',
      product_name: 'sockshop-lab broker',
      product_version: '3.10-compatible',
      cluster_name: NODE,
      node: NODE,
      message_stats: broker.stats.messageStats(now),
      queue_totals: {
        messages: sum((q) => q.messageCount),
        messages_details: { rate: sumRate('messages') },
        messages_ready: sum((q) => q.readyCount),
        messages_ready_details: { rate: sumRate('messages_ready') },
        messages_unacknowledged: sum((q) => q.unacked),
        messages_unacknowledged_details: { rate: sumRate('messages_unacknowledged') },
      },
      object_totals: {
        connections: running.length,
        channels: running.reduce((n, c) => n + c.channels.size, 0),
        exchanges: [...broker.vhosts.values()].reduce((n, v) => n + v.exchanges.size, 0),
        queues: queues.length,
        consumers: sum((q) => q.consumers.length),
      },
      statistics_db_event_queue: 0,
      listeners: [],
    };
  }

  function bindings(vhost?: string): unknown[] {
    return vhostsIn(vhost).flatMap((v) => [
      ...[...v.queues.values()].map((q) => ({
        source: '',
        vhost: v.name,
        destination: q.name,
        destination_type: 'queue',
        routing_key: q.name,
        arguments: {},
        properties_key: q.name,
      })),
      ...[...v.exchanges.values()].flatMap((ex) =>
        ex.bindings.map((b) => ({
          source: ex.name,
          vhost: v.name,
          destination: b.queue.name,
          destination_type: 'queue',
          routing_key: b.routingKey,
          arguments: b.arguments,
          properties_key: b.routingKey || '~',
        })),
      ),
    ]);
  }

  function consumers(vhost?: string): unknown[] {
    return queuesIn(vhost).flatMap((q) =>
      q.consumers.map((c) => ({
        consumer_tag: c.tag,
        queue: { name: q.name, vhost: q.vhost },
        channel_details: {
          name: `${c.connectionName} (${c.channel})`,
          number: c.channel,
          connection_name: c.connectionName,
        },
        ack_required: !c.noAck,
        exclusive: c.exclusive,
        prefetch_count: c.prefetch,
        active: true,
        activity_status: 'up',
        arguments: {},
      })),
    );
  }

  async function route(req: IncomingMessage, res: ServerResponse, parts: string[]): Promise<unknown> {
    const method = req.method ?? 'GET';
    const [, api, kind, a, b, c] = parts;
    if (api !== 'api') throw notFound();
    const get = method === 'GET';
    switch (kind) {
      case 'overview':
        if (get && a === undefined) return overview();
        break;
      case 'vhosts':
        if (get && a === undefined) return [...broker.vhosts.keys()].map((name) => ({ name }));
        if (a !== undefined && method === 'PUT') {
          const existed = broker.vhost(a) !== undefined;
          broker.addVhost(a);
          res.statusCode = existed ? 204 : 201;
          return undefined;
        }
        if (a !== undefined && method === 'DELETE') {
          if (!broker.deleteVhost(a)) throw notFound();
          res.statusCode = 204;
          return undefined;
        }
        break;
      case 'queues':
        if (get && b === undefined) return queuesIn(a).map((q) => queueJson(q));
        if (b !== undefined && get && c === undefined) {
          const q = vhostOf(a).queues.get(b);
          if (!q) throw notFound();
          return queueJson(q);
        }
        if (b !== undefined && c === 'contents' && method === 'DELETE') {
          const q = vhostOf(a).queues.get(b);
          if (!q) throw notFound();
          q.purge();
          res.statusCode = 204;
          return undefined;
        }
        break;
      case 'exchanges':
        if (get && b === undefined) {
          return vhostsIn(a).flatMap((v) =>
            [...v.exchanges.values()].map((ex) => ({
              name: ex.name,
              vhost: v.name,
              type: ex.type,
              durable: ex.durable,
              auto_delete: ex.autoDelete,
              internal: ex.internal,
              arguments: ex.arguments,
            })),
          );
        }
        break;
      case 'bindings':
        if (get && b === undefined) return bindings(a);
        break;
      case 'consumers':
        if (get && b === undefined) return consumers(a);
        break;
      case 'connections':
        if (get && a === undefined) {
          return [...broker.connections]
            .filter((conn) => conn.isRunning)
            .map((conn) => ({
              name: conn.name,
              vhost: conn.vhostName,
              user: conn.user,
              channels: conn.channels.size,
              frame_max: conn.frameMax,
              timeout: conn.heartbeat,
              connected_at: conn.connectedAt,
              client_properties: conn.clientProperties,
              state: 'running',
            }));
        }
        break;
      case 'policies': {
        if (get && b === undefined)
          return vhostsIn(a).flatMap((v) => [...v.policies.values()].map(policyJson));
        if (b === undefined) break;
        const v = vhostOf(a);
        if (get) {
          const p = v.policies.get(b);
          if (!p) throw notFound();
          return policyJson(p);
        }
        if (method === 'PUT') {
          const body = (await readJson(req)) as Record<string, unknown>;
          if (typeof body.pattern !== 'string')
            throw new HttpStatus(400, 'bad_request', 'pattern is required');
          const existed = v.policies.has(b);
          try {
            v.setPolicy(b, body.pattern, body.definition, {
              priority: body.priority === undefined ? undefined : Number(body.priority),
              applyTo: body['apply-to'] as string | undefined,
            });
          } catch (err) {
            if (err instanceof PolicyError) throw new HttpStatus(400, 'bad_request', err.message);
            throw err;
          }
          res.statusCode = existed ? 204 : 201;
          return undefined;
        }
        if (method === 'DELETE') {
          if (!v.clearPolicy(b)) throw notFound();
          res.statusCode = 204;
          return undefined;
        }
        break;
      }
    }
    throw new HttpStatus(405, 'Method Not Allowed', `${method} not allowed here`);
  }

  function authorised(req: IncomingMessage): boolean {
    const header = req.headers.authorization ?? '';
    const match = /^Basic\s+(.+)$/i.exec(header);
    if (!match) return false;
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon > 0 && broker.users.get(decoded.slice(0, colon)) === decoded.slice(colon + 1);
  }

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      try {
        if (url.pathname === '/metrics' && req.method === 'GET') {
          res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
          res.end(prometheusText(broker));
          return;
        }
        if (!authorised(req)) {
          res.setHeader('www-authenticate', 'Basic realm="RabbitMQ Management"');
          throw new HttpStatus(401, 'not_authorised', 'Login failed');
        }
        let parts: string[];
        try {
          parts = url.pathname.split('/').map(decodeURIComponent);
        } catch {
          throw new HttpStatus(400, 'bad_request', 'malformed path');
        }
        if (parts.length > 2 && parts[parts.length - 1] === '') parts.pop();
        const body = await route(req, res, parts);
        if (body === undefined) {
          res.end();
          return;
        }
        res.writeHead(res.statusCode || 200, {
          'content-type': 'application/json',
          'cache-control': 'no-cache',
        });
        res.end(JSON.stringify(body, jsonReplacer));
      } catch (err) {
        const e = err instanceof HttpStatus ? err : new HttpStatus(500, 'internal_error', 'internal error');
        if (!(err instanceof HttpStatus)) broker.log.error({ err }, 'management API error');
        if (!res.headersSent) res.writeHead(e.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: e.error, reason: e.reason }));
      }
    })();
  });

  return {
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Field-table values that JSON cannot carry natively. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer') return '<binary>';
  return value;
}
