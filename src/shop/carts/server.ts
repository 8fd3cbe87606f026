/** Builds the carts service (flavour java): original routes plus the Spring Data REST item side door. */
import { createShopServer, type ShopServer } from '../common/http-server.js';
import type { RunnableService } from '../common/run-service.js';
import { ServiceDirectory } from '../common/upstream.js';
import { MemoryCartStore } from '../../stores/carts/memory.js';
import { openBeside, openCartStore } from '../../stores/open.js';
import type { CartStore } from '../../stores/carts/types.js';
import type { CartsConfig } from './config.js';
import { registerItemRepository } from './data-rest.js';
import { registerCartRoutes } from './routes.js';

export interface CartsDeps {
  /** Defaults to a fresh embedded store. */
  store?: CartStore;
  /** The HTTP server to build on (openCartsService makes it first, for the pool gauges). */
  server?: ShopServer;
  /** Resolves `carts-db` in the store URL; default SOCKSHOP_SERVICES. */
  directory?: ServiceDirectory;
}

export interface CartsService extends RunnableService {
  store: CartStore;
}

const cartsServer = (config: CartsConfig) =>
  createShopServer({ service: 'carts', flavour: 'java', pod: config.pod, bodyLimit: config.bodyLimit });

/** The carts service on the store its configuration selects (opened first; a failure is one line). */
export async function openCartsService(config: CartsConfig, deps: CartsDeps = {}): Promise<CartsService> {
  const server = deps.server ?? cartsServer(config);
  const store =
    deps.store ??
    (await openBeside(server, () =>
      openCartStore(config.store ?? { kind: 'carts-db', mode: 'memory' }, {
        directory: deps.directory ?? ServiceDirectory.fromEnv(),
        registry: server.metrics.registry,
        startWaitMs: config.storeStartWaitMs,
      }),
    ));
  return createCartsService(config, { ...deps, server, store });
}

/** The carts service on `deps.store`, or on a fresh in-memory store (openCartsService opens the configured one). */
export function createCartsService(config: CartsConfig, deps: CartsDeps = {}): CartsService {
  const server = deps.server ?? cartsServer(config);
  // Bodies reach the handlers raw so Jackson's decoding rules and Spring's errors can be reproduced.
  server.app.removeContentTypeParser('application/json');
  // Spring Boot stamps every response with the application context id.
  server.app.addHook('onSend', async (_req, reply) => {
    reply.header('x-application-context', 'carts:80');
  });
  if (!deps.store && config.store && config.store.mode !== 'memory')
    throw new Error(`${config.store.kind} is ${config.store.mode}: open the service with openCartsService`);
  const store = deps.store ?? new MemoryCartStore();
  registerCartRoutes(server.app, store);
  registerItemRepository(server.app, store, config.linkHost);
  return { server, store, stop: () => store.close() };
}
