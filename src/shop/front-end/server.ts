/**
 * The front-end service (flavour 'node'): the browser-facing API of the original Node/Express
 * front-end (sockshop-spec §3) plus the storefront pages from web/storefront.
 */
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { goHealth } from '../common/health.js';
import { createShopServer, type ShopServer } from '../common/http-server.js';
import type { RunnableService } from '../common/run-service.js';
import { ServiceDirectory, Upstream } from '../common/upstream.js';
import { MemorySessionStore } from '../../stores/sessions/memory.js';
import { openBeside, openRedisSessionStore } from '../../stores/open.js';
import { RedisSessionStore } from '../../stores/sessions/redis.js';
import type { SessionStore } from '../../stores/sessions/types.js';
import { Backends, installBareBodies, installJsonBodyQuirk, type RouteContext } from './backend.js';
import type { FrontEndConfig } from './config.js';
import { catalogueRoutes } from './routes/catalogue.js';
import { cartRoutes } from './routes/cart.js';
import { orderRoutes } from './routes/orders.js';
import { userRoutes } from './routes/user.js';
import { installSessions } from './session.js';
import { registerSessionMetrics } from './session-metrics.js';

export interface FrontEndDeps {
  directory: ServiceDirectory;
  /** Defaults to the embedded store configured from `config`. */
  sessions?: SessionStore;
  /** The HTTP server to build on (openFrontEndService makes it first, for the pool gauges). */
  server?: ShopServer;
}

export interface FrontEndService extends RunnableService {
  sessions: SessionStore;
}

const frontEndServer = (config: FrontEndConfig) =>
  createShopServer({
    service: 'front-end',
    flavour: 'node',
    pod: config.pod,
    bodyLimit: config.bodyLimitBytes,
  });

/** The front-end on the session store its configuration selects; a Redis must answer first (else one line). */
export async function openFrontEndService(
  config: FrontEndConfig,
  deps: FrontEndDeps,
): Promise<FrontEndService> {
  const server = deps.server ?? frontEndServer(config);
  const sessions =
    deps.sessions ??
    (config.sessionStore === 'redis'
      ? await openBeside(server, () =>
          openRedisSessionStore({
            url: resolveRedisUrl(config.sessionRedisUrl, deps.directory),
            ttlSeconds: config.sessionTtlSeconds,
            envName: config.sessionRedisSetting,
            startWaitMs: config.storeStartWaitMs,
            registry: server.metrics.registry,
          }),
        )
      : undefined);
  return createFrontEndService(config, { ...deps, server, sessions });
}

export function createFrontEndService(config: FrontEndConfig, deps: FrontEndDeps): FrontEndService {
  const server = deps.server ?? frontEndServer(config);
  const { app } = server;
  const sessions = deps.sessions ?? sessionStoreFor(config, deps.directory);
  const backends = new Backends(new Upstream(deps.directory, config.upstreamTimeoutMs));
  registerSessionMetrics(server.metrics, sessions);

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-powered-by', 'Express');
    // The original's first middleware: any URL (query included) ending in '/' is redirected without it.
    if (req.url.length > 1 && req.url.endsWith('/')) {
      const target = req.url.slice(0, -1);
      return reply
        .code(301)
        .header('location', target)
        .type('text/plain; charset=utf-8')
        .send(`Moved Permanently. Redirecting to ${target}`);
    }
  });

  // Additive: the original front-end had no health endpoint.
  app.get('/health', async () => {
    let storeOk = true;
    await sessions.stats().catch(() => (storeOk = false));
    return goHealth([
      { service: 'front-end', ok: true },
      { service: 'session-db', ok: storeOk },
    ]);
  });

  // Static files come before the session middleware, as in the original: pages get no session cookie.
  void app.register(fastifyStatic, { root: config.storefrontDir, prefix: '/', index: ['index.html'] });

  void app.register(async (api: FastifyInstance) => {
    installBareBodies(api);
    installJsonBodyQuirk(api);
    installSessions(api, sessions, config.sessionSecret, server.log);
    const context: RouteContext = { backends };
    cartRoutes(api, context);
    catalogueRoutes(api, context);
    orderRoutes(api, context);
    userRoutes(api, context);
  });

  return {
    server,
    sessions,
    async stop() {
      await backends.close();
      await sessions.close();
    },
  };
}

function sessionStoreFor(config: FrontEndConfig, directory: ServiceDirectory): SessionStore {
  if (config.sessionStore === 'redis') {
    return new RedisSessionStore({
      url: resolveRedisUrl(config.sessionRedisUrl, directory),
      ttlSeconds: config.sessionTtlSeconds,
    });
  }
  return new MemorySessionStore({
    ttlSeconds: config.sessionTtlSeconds,
    maxmemoryBytes: config.sessionMaxmemoryBytes,
    policy: config.sessionEvictionPolicy,
    samples: config.sessionMaxmemorySamples,
  });
}

/** `redis://session-db:6379` → the host and port the directory has for `session-db`, if any. */
export function resolveRedisUrl(raw: string, directory: ServiceDirectory): string {
  const url = new URL(raw);
  const entry = directory.get(url.hostname);
  if (!entry) return raw;
  const target = new URL(entry);
  url.hostname = target.hostname;
  url.port = target.port;
  return url.toString();
}
