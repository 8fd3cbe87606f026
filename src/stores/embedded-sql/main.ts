/**
 * The embedded SQL engine as its own process ("pod"): PGlite (PostgreSQL 18 in WASM) served
 * over the PostgreSQL wire protocol by pglite-socket, so the shop's stores talk to it with the
 * same pg code as to a real PostgreSQL. pg_trgm is loaded for the catalogue's search index.
 *
 * Env: PORT (default 5432), HOST (127.0.0.1), DATA_DIR (absent = in memory, lost on exit, started
 * from the saved database in TEMPLATE_DIR: the pristine one by default, a store image's seeded one
 * when the lab sets it — see template.ts), POD_NAME, MAX_CONNECTIONS (default 16; pglite-socket's own default of 1 breaks any pool).
 * Prints one JSON ready line `{"msg":"embedded-sql ready","url":…}`; SIGTERM/SIGINT stop it
 * gracefully (connections closed, data dir flushed).
 */
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { setFlagsFromString } from 'node:v8';
import { pino } from 'pino';
import { ConfigError, envInt, envString } from '../../shop/common/env.js';
import { defaultTemplateDir } from './layout.js';
import { createFromTemplate, removeScratch, START_PARAMS } from './template.js';

/**
 * V8 compiles hot WASM functions again with its optimising compiler once they have run for a budget;
 * at the default budget PostgreSQL's one-off start-up code (initialising shared memory, loading the
 * catalogs) is compiled again in the background as it finishes, about 0.6 CPU-seconds while every pod
 * is starting. A hundred times the budget leaves that code alone, while the query paths of a loaded
 * store still tier up within seconds (measured: the same queries per CPU-second after 20 s of load).
 */
const WASM_TIERING_BUDGET = 180_000_000;

async function main(): Promise<void> {
  setFlagsFromString(`--wasm-tiering-budget=${WASM_TIERING_BUDGET}`);
  const pod = process.env.POD_NAME ?? 'embedded-sql';
  const log = pino({ base: { pod, service: 'embedded-sql' } });
  let port: number;
  let maxConnections: number;
  try {
    port = envInt('PORT', 5432);
    maxConnections = envInt('MAX_CONNECTIONS', 16);
    if (maxConnections < 8) throw new ConfigError(`MAX_CONNECTIONS must be 8 or more, got ${maxConnections}`);
  } catch (error) {
    process.stderr.write(`embedded-sql: cannot start: ${(error as Error).message}\n`);
    process.exit(1);
  }
  const host = envString('HOST', '127.0.0.1');
  const dataDir = process.env.DATA_DIR || undefined;
  const started = performance.now();

  let db: PGlite;
  let fromTemplate = false;
  let scratchDir: string | undefined;
  let server: PGLiteSocketServer;
  try {
    if (dataDir) db = await PGlite.create({ dataDir, extensions: { pg_trgm }, startParams: START_PARAMS });
    else
      ({ db, fromTemplate, scratchDir } = await createFromTemplate(
        envString('TEMPLATE_DIR', defaultTemplateDir()),
        { pg_trgm },
      ));
    // Every way out (a stop, a forced exit after the grace period, a failed start) removes the copy.
    if (scratchDir) process.once('exit', () => removeScratch(scratchDir!));
    server = new PGLiteSocketServer({ db, port, host, maxConnections });
    await server.start();
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    const why = err.code === 'EADDRINUSE' ? `port ${host}:${port} is in use — set PORT` : err.message;
    process.stderr.write(`embedded-sql: cannot start: ${why}\n`);
    process.exit(1);
  }
  const address = server.getServerConn();
  log.info(
    {
      url: `postgres://postgres@${address}/postgres`,
      startMs: Math.round(performance.now() - started),
      rssBytes: process.memoryUsage().rss,
      dataDir: dataDir ?? null,
      fromTemplate,
      scratchDir: scratchDir ?? null,
      maxConnections,
    },
    'embedded-sql ready',
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'embedded-sql shutting down');
    const force = setTimeout(() => process.exit(0), Number(process.env.SHUTDOWN_GRACE_MS ?? 5000));
    force.unref();
    try {
      await server.stop();
      await db.close();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

void main();
