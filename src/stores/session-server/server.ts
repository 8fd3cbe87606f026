/**
 * The session server: the Redis protocol on one port over a Keyspace, and on a second port a
 * `/metrics` page in redis_exporter's names (redis_db_keys, redis_evicted_keys_total,
 * redis_expired_keys_total, redis_memory_used_bytes, redis_config_maxmemory …) so dashboards
 * and alerts written for a real Redis work unchanged.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Gauge, Registry } from 'prom-client';
import type { EvictionPolicy } from '../sessions/types.js';
import { execute } from './commands.js';
import { Keyspace } from './keyspace.js';
import { RespParser, encode } from './resp.js';

export interface SessionServerOptions {
  port: number;
  metricsPort: number;
  host?: string;
  maxmemoryBytes?: number;
  policy?: EvictionPolicy;
}

export interface RunningSessionServer {
  url: string;
  metricsUrl: string;
  keyspace: Keyspace;
  close(): Promise<void>;
}

export async function startSessionServer(options: SessionServerOptions): Promise<RunningSessionServer> {
  const host = options.host ?? '127.0.0.1';
  const keyspace = new Keyspace({ maxmemoryBytes: options.maxmemoryBytes, policy: options.policy });
  const sockets = new Set<Socket>();
  let commands = 0;
  const startedAt = Date.now();
  const info = {
    startedAt,
    port: 0,
    connectedClients: () => sockets.size,
    commandsProcessed: () => commands,
  };

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    const parser = new RespParser();
    const client: { name?: string } = {};
    socket.on('data', (chunk: Buffer) => {
      const { commands: batch, error } = parser.push(chunk);
      let out = '';
      for (const args of batch) {
        commands++;
        try {
          out += encode(execute(keyspace, info, args, client));
        } catch (failure) {
          out += encode({ error: `ERR ${(failure as Error).message}` });
        }
        if (args[0].toLowerCase() === 'quit') {
          socket.end(out);
          return;
        }
      }
      if (error) {
        socket.end(out + encode({ error: `ERR ${error}` }));
        return;
      }
      if (out) socket.write(out);
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  });
  await listen(server, options.port, host);
  info.port = (server.address() as AddressInfo).port;

  const registry = metricsRegistry(keyspace, () => sockets.size, startedAt);
  const metrics: HttpServer = createHttpServer((req, res) => {
    if (req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  await listen(metrics, options.metricsPort, host);

  return {
    url: `redis://${host}:${info.port}`,
    metricsUrl: `http://${host}:${(metrics.address() as AddressInfo).port}/metrics`,
    keyspace,
    close: async () => {
      keyspace.close();
      for (const socket of sockets) socket.destroy();
      await Promise.all([new Promise((r) => server.close(r)), new Promise((r) => metrics.close(r))]);
    },
  };
}

function listen(server: Server | HttpServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function metricsRegistry(ks: Keyspace, clients: () => number, startedAt: number): Registry {
  const registry = new Registry();
  const gauge = (name: string, help: string, value: () => number, labels: Record<string, string> = {}) =>
    new Gauge({
      name,
      help,
      labelNames: Object.keys(labels),
      registers: [registry],
      collect() {
        this.set(labels, value());
      },
    });
  gauge('redis_up', 'Whether the server answers.', () => 1);
  gauge('redis_db_keys', 'Keys in the database.', () => ks.size, { db: 'db0' });
  gauge('redis_db_keys_expiring', 'Keys with a TTL.', () => ks.expiringKeys, { db: 'db0' });
  gauge('redis_evicted_keys_total', 'Keys evicted to stay under maxmemory.', () => ks.evictions);
  gauge('redis_expired_keys_total', 'Keys removed because their TTL passed.', () => ks.expirations);
  gauge('redis_keyspace_hits_total', 'Successful key lookups.', () => ks.hits);
  gauge('redis_keyspace_misses_total', 'Failed key lookups.', () => ks.misses);
  gauge('redis_memory_used_bytes', 'Bytes used by the data set.', () => ks.memoryBytes);
  gauge('redis_config_maxmemory', 'The maxmemory setting in bytes (0 = none).', () => ks.maxmemoryBytes);
  gauge('redis_connected_clients', 'Open client connections.', clients);
  gauge('redis_uptime_in_seconds', 'Seconds since start.', () => Math.floor((Date.now() - startedAt) / 1000));
  return registry;
}
