/**
 * The embedded broker as its own process ("pod"). Env: AMQP_PORT (5673), MGMT_PORT (15673),
 * HOST (127.0.0.1), POD_NAME, BROKER_USERS (optional JSON {"user":"password"}; default guest/guest).
 * Prints one ready line on stdout; SIGTERM/SIGINT close connections (320 CONNECTION_FORCED) and exit 0.
 */
import { ConfigError, envInt, envString } from '../../shop/common/env.js';
import { createLogger } from '../../shop/common/logger.js';
import { Broker } from './broker.js';

function usersFromEnv(): Record<string, string> | undefined {
  const raw = envString('BROKER_USERS', '');
  if (!raw) return undefined;
  try {
    const users = JSON.parse(raw) as unknown;
    if (users && typeof users === 'object' && !Array.isArray(users)) return users as Record<string, string>;
  } catch {
    // reported below
  }
  throw new ConfigError('BROKER_USERS must be a JSON object {"user":"password"}');
}

async function main(): Promise<void> {
  const pod = envString('POD_NAME', 'rabbitmq');
  const log = createLogger('rabbitmq', pod);
  let broker: Broker;
  let ports: { amqpPort: number; mgmtPort?: number };
  const host = envString('HOST', '127.0.0.1');
  try {
    broker = new Broker({ log, pod, users: usersFromEnv() });
    ports = await broker.listen({
      host,
      amqpPort: envInt('AMQP_PORT', 5673),
      mgmtPort: envInt('MGMT_PORT', 15673),
    });
  } catch (err) {
    process.stderr.write(`broker: cannot start: ${(err as Error).message}\n`);
    process.exit(1);
  }
  log.info(
    { amqp: `amqp://${host}:${ports.amqpPort}`, management: `http://${host}:${ports.mgmtPort}` },
    'broker ready',
  );
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'broker shutting down');
    setTimeout(() => process.exit(0), 5000).unref();
    broker.close().then(
      () => process.exit(0),
      () => process.exit(0),
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main();
