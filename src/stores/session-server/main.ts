/**
 * The embedded session-db as its own process: a Redis-protocol server (RESP2) over the lab's
 * session keyspace (TTL, maxmemory, eviction policies), so the front-end's ioredis store talks
 * to it exactly as to a real Redis. Env: PORT (6379), METRICS_PORT (9121, redis_exporter's),
 * HOST (127.0.0.1), POD_NAME, MAXMEMORY (`0`, `64mb` …), MAXMEMORY_POLICY (noeviction).
 * Prints one JSON ready line; SIGTERM/SIGINT stop it gracefully.
 */
import { pino } from 'pino';
import { ConfigError, envInt, envString } from '../../shop/common/env.js';
import { EVICTION_POLICIES, type EvictionPolicy } from '../sessions/types.js';
import { parseMemory } from './commands.js';
import { startSessionServer, type RunningSessionServer } from './server.js';

async function main(): Promise<void> {
  const log = pino({ base: { pod: process.env.POD_NAME ?? 'session-db', service: 'session-server' } });
  const started = performance.now();
  let running: RunningSessionServer;
  try {
    const maxmemory = parseMemory(envString('MAXMEMORY', '0'));
    if (maxmemory === undefined)
      throw new ConfigError(`MAXMEMORY must be bytes or like 64mb, got "${process.env.MAXMEMORY}"`);
    const policy = envString('MAXMEMORY_POLICY', 'noeviction');
    if (!(EVICTION_POLICIES as readonly string[]).includes(policy)) {
      throw new ConfigError(
        `MAXMEMORY_POLICY must be one of ${EVICTION_POLICIES.join(', ')}, got "${policy}"`,
      );
    }
    running = await startSessionServer({
      port: envInt('PORT', 6379),
      metricsPort: envInt('METRICS_PORT', 9121),
      host: envString('HOST', '127.0.0.1'),
      maxmemoryBytes: maxmemory,
      policy: policy as EvictionPolicy,
    });
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    const why =
      err.code === 'EADDRINUSE'
        ? `address in use (${err.message.replace(/^.*EADDRINUSE:? ?/, '')}) — set PORT / METRICS_PORT`
        : err.message;
    process.stderr.write(`session-server: cannot start: ${why}\n`);
    process.exit(1);
  }
  log.info(
    {
      url: running.url,
      metricsUrl: running.metricsUrl,
      startMs: Math.round(performance.now() - started),
      rssBytes: process.memoryUsage().rss,
    },
    'session-server ready',
  );
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'session-server shutting down');
    try {
      await running.close();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

void main();
