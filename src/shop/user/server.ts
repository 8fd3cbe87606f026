/** Builds the user service (flavour go): original routes, profile extension, store behind a bounded pool. */
import { createShopServer } from '../common/http-server.js';
import type { RunnableService } from '../common/run-service.js';
import { WorkerPool } from '../common/worker-pool.js';
import { MemoryUserStore } from '../../stores/users/memory.js';
import { userSeed } from '../../stores/users/seed.js';
import type { UserStore } from '../../stores/users/types.js';
import type { UserConfig } from './config.js';
import type { UserContext } from './context.js';
import { HalRenderer } from './hal.js';
import { UserInstrumentation } from './instrumentation.js';
import { registerProfileRoutes } from './profile.js';
import { registerUserRoutes } from './routes.js';

export interface UserDeps {
  /** Defaults to a fresh embedded store holding the original seed. */
  store?: UserStore;
}

export interface UserService extends RunnableService {
  pool: WorkerPool;
  store: UserStore;
}

export function createUserService(config: UserConfig, deps: UserDeps = {}): UserService {
  const server = createShopServer({
    service: 'user',
    flavour: 'go',
    pod: config.pod,
    bodyLimit: config.bodyLimit,
  });
  // The original decoded every body itself, whatever its content type; our decoders see raw bytes.
  server.app.removeContentTypeParser('application/json');
  const store = deps.store ?? new MemoryUserStore(userSeed());
  const pool = new WorkerPool({ name: 'user-db', ...config.pool }, server.metrics);
  const ctx: UserContext = {
    hal: new HalRenderer(config.linkHost),
    instrumentation: new UserInstrumentation(server.metrics),
    pool,
    store,
  };
  registerUserRoutes(server.app, ctx);
  registerProfileRoutes(server.app, ctx, server.metrics);
  return { server, pool, store, stop: () => store.close() };
}
