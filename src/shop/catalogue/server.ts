/**
 * The catalogue service over HTTP (sockshop-spec §4): the original GET routes with their exact
 * bodies and quirks (every failure is a 500 with go-kit's `Do: ` prefix), the product images,
 * and the extensions: `?q=` search, admin `PATCH /catalogue/{id}`, `POST /catalogue/cache/flush`.
 */
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { HttpError } from '../common/errors.js';
import { formatFloat32 } from '../common/float32.js';
import { sendGoJson, sendGoJsonError } from '../common/go-json.js';
import { goHealth } from '../common/health.js';
import { createShopServer, type ShopServer } from '../common/http-server.js';
import type { RunnableService } from '../common/run-service.js';
import { ServiceDirectory } from '../common/upstream.js';
import { WorkerPool } from '../common/worker-pool.js';
import { MemoryCatalogueStore } from '../../stores/catalogue/memory.js';
import { openBeside, openCatalogueStore } from '../../stores/open.js';
import { catalogueSeed, IMAGE_FILES } from '../../stores/catalogue/seed.js';
import type { CatalogueStore, Sock, SockFilter } from '../../stores/catalogue/types.js';
import { CircuitBreaker, type BreakerState } from './breaker.js';
import type { CatalogueConfig } from './config.js';
import { ReadCache } from './read-cache.js';
import { CatalogueService, type BreakerName } from './service.js';
import { contentTypeFor, SockImages } from './sock-images.js';

export interface CatalogueDeps {
  /** A store to use instead of the one the config names (another backend, or a test's). */
  store?: CatalogueStore;
  /** The HTTP server to build on (openCatalogueService makes it first, for the pool gauges). */
  server?: ShopServer;
  /** Resolves `catalogue-db` in the store URL; default SOCKSHOP_SERVICES. */
  directory?: ServiceDirectory;
}

const BREAKER_NAMES: BreakerName[] = ['List', 'Count', 'Get', 'Tags', 'Health'];
const BREAKER_STATE_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };
const IMAGE_PREFIX = '/catalogue/images/';
/** Images carry a fixed modification time so caches and conditional requests behave as with files. */
const IMAGES_MODIFIED = new Date('2016-12-14T12:00:00Z').toUTCString();

const updateBody = z
  .object({
    price: z.number().finite().positive().max(1_000_000).optional(),
    count: z.number().int().min(0).max(2_147_483_647).optional(),
  })
  .strict()
  .refine((b) => b.price !== undefined || b.count !== undefined, 'give price and/or count');

const catalogueServer = (config: CatalogueConfig) =>
  createShopServer({ service: 'catalogue', flavour: 'go', pod: config.pod, bodyLimit: config.bodyLimit });

const seedOf = (config: CatalogueConfig) =>
  catalogueSeed({ includeWeaveSpecial: config.includeWeaveSpecial, extraSocks: config.extraSocks });

/** The catalogue on the store its configuration selects (opened first; a failure is one line). */
export async function openCatalogueService(
  config: CatalogueConfig,
  deps: CatalogueDeps = {},
): Promise<RunnableService> {
  const server = deps.server ?? catalogueServer(config);
  const store =
    deps.store ??
    (await openBeside(server, () =>
      openCatalogueStore(config.store, seedOf(config), {
        directory: deps.directory ?? ServiceDirectory.fromEnv(),
        registry: server.metrics.registry,
        startWaitMs: config.storeStartWaitMs,
      }),
    ));
  return createCatalogueService(config, { ...deps, server, store });
}

/** The catalogue on `deps.store`, or on the in-memory store (openCatalogueService opens the configured one). */
export function createCatalogueService(config: CatalogueConfig, deps: CatalogueDeps = {}): RunnableService {
  const server = deps.server ?? catalogueServer(config);
  const { app, metrics, log } = server;
  if (!deps.store && config.store && config.store.mode !== 'memory')
    throw new Error(
      `${config.store.kind} is ${config.store.mode}: open the service with openCatalogueService`,
    );
  const store = deps.store ?? new MemoryCatalogueStore(seedOf(config));
  const breakerState = metrics.gauge(
    'catalogue_circuit_breaker_state',
    'Breaker state: 0 closed, 1 half-open, 2 open.',
    ['name'],
  );
  const breakers = Object.fromEntries(
    BREAKER_NAMES.map((name) => {
      breakerState.set({ name }, 0);
      const breaker = new CircuitBreaker(name, config.breaker, (_n, from, to) => {
        breakerState.set({ name }, BREAKER_STATE_VALUE[to]);
        log.warn({ breaker: name, from, to }, `circuit breaker '${name}' ${to}`);
      });
      return [name, breaker];
    }),
  ) as Record<BreakerName, CircuitBreaker>;
  const pool = new WorkerPool({ name: 'catalogue-db', ...config.pool }, metrics);
  const cache = new ReadCache(config.cache, metrics);
  const catalogue = new CatalogueService(store, cache, pool, breakers, log);
  const images = new SockImages(IMAGE_FILES);

  /** go-kit of the deployed catalogue wraps every endpoint error as `Do: …` with status 500. */
  const doError = (error: unknown) => new HttpError(500, `Do: ${(error as Error).message}`);
  const run = async <T>(task: Promise<T>): Promise<T> => {
    try {
      return await task;
    } catch (error) {
      throw doError(error);
    }
  };

  app.get('/catalogue', async (req, reply) => {
    const query = req.query as Record<string, unknown>;
    const page = goAtoi(formValue(query, 'page'), 1);
    const size = goAtoi(formValue(query, 'size'), 10);
    const socks = await run(catalogue.list(filterOf(query), page, size));
    return sendGoJson(reply, socks && socks.map(renderSock));
  });

  app.get('/catalogue/size', async (req, reply) => {
    const size = await run(catalogue.count(filterOf(req.query as Record<string, unknown>)));
    return sendGoJson(reply, { size, err: null });
  });

  app.get('/catalogue/:id', async (req, reply) => {
    const id = (req.params as { id: string }).id;
    // gorilla/mux needs a non-empty `{id}`: `/catalogue/` is an unknown route there.
    if (id === '') return reply.callNotFound();
    const sock = await run(catalogue.get(id));
    return sendGoJson(reply, renderSock(sock));
  });

  app.get('/tags', async (_req, reply) =>
    sendGoJson(reply, { tags: await run(catalogue.tags()), err: null }),
  );

  // The original matches `/health` as a path prefix.
  app.get('/health*', async (_req, reply) => {
    const dbOk = await run(catalogue.health());
    return sendGoJson(
      reply,
      goHealth([
        { service: 'catalogue', ok: true },
        { service: 'catalogue-db', ok: dbOk },
      ]),
    );
  });

  app.get(`${IMAGE_PREFIX}*`, { config: { metricsRoute: 'catalogue_images' } }, async (req, reply) => {
    const file = (req.params as { '*': string })['*'];
    if (file === '') return sendImageListing(reply, images.names());
    const image = images.get(file);
    if (!image) return reply.code(404).type('text/plain; charset=utf-8').send('404 page not found\n');
    reply.header('last-modified', IMAGES_MODIFIED).header('accept-ranges', 'bytes');
    const since = req.headers['if-modified-since'];
    if (since && Date.parse(since) >= Date.parse(IMAGES_MODIFIED)) return reply.code(304).send();
    return reply.type(contentTypeFor(file)).send(image);
  });

  // Extensions below: JSON errors with an honest content type, never the 500 quirk.
  app.patch(
    '/catalogue/:id',
    {
      errorHandler: (error, _req, reply) => {
        jsonClientError(error, reply);
      },
    },
    async (req, reply) => {
      if (!isPlainObject(req.body))
        return sendGoJsonError(reply, 400, 'body must be a JSON object with price and/or count');
      const parsed = updateBody.safeParse(req.body);
      if (!parsed.success) return sendGoJsonError(reply, 400, describeIssues(parsed.error));
      const id = (req.params as { id: string }).id;
      const sock = await catalogue.update(id, parsed.data);
      if (!sock) return sendGoJsonError(reply, 404, `no sock with id ${id}`);
      log.info({ id, change: parsed.data }, 'sock updated');
      return sendGoJson(reply, renderSock(sock));
    },
  );

  app.post('/catalogue/cache/flush', async (_req, reply) => {
    const flushed = catalogue.flushCache();
    log.info({ flushed }, 'catalogue cache flushed');
    return sendGoJson(reply, { flushed });
  });

  return { server, stop: () => store.close() };
}

/** Go's `r.FormValue`: the first value of a query parameter, or ''. */
function formValue(query: Record<string, unknown>, name: string): string {
  const value = query[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : '';
}

/** `strconv.Atoi` as the original uses it: empty → default, anything unparsable → 0. */
function goAtoi(text: string, fallback: number): number {
  if (text === '') return fallback;
  return /^[+-]?\d+$/.test(text) ? Number(text) : 0;
}

function filterOf(query: Record<string, unknown>): SockFilter {
  const tags = formValue(query, 'tags');
  const q = formValue(query, 'q');
  return { tags: tags === '' ? [] : tags.split(','), q: q === '' ? undefined : q };
}

/** Field order as the original emits it; price as its float32 shortest form. */
function renderSock(sock: Sock) {
  return {
    id: sock.id,
    name: sock.name,
    description: sock.description,
    imageUrl: sock.imageUrl,
    price: formatFloat32(sock.price),
    count: sock.count,
    tag: sock.tag,
  };
}

/** Go's file server lists a directory as a bare `<pre>` of links. */
function sendImageListing(reply: FastifyReply, files: string[]) {
  const links = [...files].sort().map((f) => `<a href="${encodeURIComponent(f)}">${f}</a>\n`);
  return reply.type('text/html; charset=utf-8').send(`<pre>\n${links.join('')}</pre>\n`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

/** Failures of extension routes (malformed JSON, too large, pool saturated) as JSON errors. */
function jsonClientError(error: Error & { statusCode?: number }, reply: FastifyReply) {
  if (error instanceof HttpError) return sendGoJsonError(reply, error.status, error.message);
  const status =
    error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
  return sendGoJsonError(reply, status, status < 500 ? error.message : 'Internal Server Error');
}
