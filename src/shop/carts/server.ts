/** Builds the carts service (flavour java): original routes plus the Spring Data REST item side door. */
import { createShopServer } from '../common/http-server.js';
import type { RunnableService } from '../common/run-service.js';
import { MemoryCartStore } from '../../stores/carts/memory.js';
import type { CartStore } from '../../stores/carts/types.js';
import type { CartsConfig } from './config.js';
import { registerItemRepository } from './data-rest.js';
import { registerCartRoutes } from './routes.js';

export interface CartsDeps {
  /** Defaults to a fresh embedded store. */
  store?: CartStore;
}

export interface CartsService extends RunnableService {
  store: CartStore;
}

export function createCartsService(config: CartsConfig, deps: CartsDeps = {}): CartsService {
  const server = createShopServer({
    service: 'carts',
    flavour: 'java',
    pod: config.pod,
    bodyLimit: config.bodyLimit,
  });
  // Bodies reach the handlers raw so Jackson's decoding rules and Spring's errors can be reproduced.
  server.app.removeContentTypeParser('application/json');
  // Spring Boot stamps every response with the application context id.
  server.app.addHook('onSend', async (_req, reply) => {
    reply.header('x-application-context', 'carts:80');
  });
  const store = deps.store ?? new MemoryCartStore();
  registerCartRoutes(server.app, store);
  registerItemRepository(server.app, store, config.linkHost);
  return { server, store, stop: () => store.close() };
}
