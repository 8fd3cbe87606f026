/**
 * Entry-point helper for a service process: builds it from the environment, listens on
 * HOST:PORT, prints one ready line, and shuts down gracefully on SIGTERM/SIGINT. A bad
 * configuration ends the process with one clear line, never a stack trace.
 */
import { ConfigError, envInt, envString } from './env.js';
import type { ShopServer } from './http-server.js';

export interface RunnableService {
  server: ShopServer;
  /** Extra work after the HTTP server is closed (broker connections, stores, timers). */
  stop?: () => Promise<void>;
}

export async function runService(
  name: string,
  defaultPort: number,
  build: () => Promise<RunnableService>,
): Promise<void> {
  let service: RunnableService;
  let url: string;
  try {
    service = await build();
    url = await service.server.listen(envInt('PORT', defaultPort), envString('HOST', '127.0.0.1'));
  } catch (error) {
    const message = error instanceof ConfigError ? error.message : (error as Error).message;
    process.stderr.write(`${name}: cannot start: ${message}\n`);
    process.exit(1);
  }
  service.server.log.info({ url }, `${name} listening`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    service.server.log.info({ signal }, `${name} shutting down`);
    const force = setTimeout(() => process.exit(0), Number(process.env.SHUTDOWN_GRACE_MS ?? 5000));
    force.unref();
    try {
      await service.server.close();
      await service.stop?.();
      await service.server.tracing.shutdown();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('unhandledRejection', (reason) =>
    service.server.log.error({ err: reason }, 'unhandled rejection'),
  );
}
