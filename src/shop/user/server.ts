/** Builds the user service (flavour go): original routes, profile extension, store behind a bounded pool. */
import { createShopServer, type ShopServer } from '../common/http-server.js';
import type { RunnableService } from '../common/run-service.js';
import { ServiceDirectory } from '../common/upstream.js';
import { WorkerPool } from '../common/worker-pool.js';
import { openBeside, openUserStore } from '../../stores/open.js';
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
  /** The HTTP server to build on (openUserService makes it first, for the pool gauges). */
  server?: ShopServer;
  /** Resolves `user-db` in the store URL; default SOCKSHOP_SERVICES. */
  directory?: ServiceDirectory;
}

export interface UserService extends RunnableService {
  pool: WorkerPool;
  store: UserStore;
}

const userServer = (config: UserConfig) =>
  createShopServer({ service: 'user', flavour: 'go', pod: config.pod, bodyLimit: config.bodyLimit });

/** The user service on the store its configuration selects (opened first; a failure is one line). */
export async function openUserService(config: UserConfig, deps: UserDeps = {}): Promise<UserService> {
  const server = deps.server ?? userServer(config);
  const store =
    deps.store ??
    (await openBeside(server, () =>
      openUserStore(config.store ?? { kind: 'user-db', mode: 'memory' }, userSeed(), {
        directory: deps.directory ?? ServiceDirectory.fromEnv(),
        registry: server.metrics.registry,
        startWaitMs: config.storeStartWaitMs,
      }),
    ));
  return createUserService(config, { ...deps, server, store });
}

/** The user service on `deps.store`, or on a fresh in-memory store (openUserService opens the configured one). */
export function createUserService(config: UserConfig, deps: UserDeps = {}): UserService {
  const server = deps.server ?? userServer(config);
  // The original decoded every body itself, whatever its content type; our decoders see raw bytes.
  server.app.removeContentTypeParser('application/json');
  if (!deps.store && config.store && config.store.mode !== 'memory')
    throw new Error(`${config.store.kind} is ${config.store.mode}: open the service with openUserService`);
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
