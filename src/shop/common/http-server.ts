/**
 * The HTTP server every shop service is built on: fastify with JSON logs, W3C trace context,
 * request metrics in both namings, `/metrics`, `/spans`, body limits and error rendering in the
 * original service's style. No request can crash the process or reveal a stack trace.
 */
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
} from '@opentelemetry/api';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from 'pino';
import { HttpError, renderError, renderNotFound } from './errors.js';
import { createLogger } from './logger.js';
import { goRouteLabel, ShopMetrics, type Flavour } from './metrics.js';
import { startTracing, type Tracing } from './tracing.js';

export interface ShopServerOptions {
  service: string;
  flavour: Flavour;
  pod?: string;
  /** Largest request body accepted, in bytes (default 1 MiB). */
  bodyLimit?: number;
  /** Path of the Prometheus endpoint (queue-master's original is `/prometheus`; `/metrics` is always served too). */
  metricsPath?: string;
}

export interface ShopServer {
  app: FastifyInstance;
  metrics: ShopMetrics;
  log: Logger;
  tracing: Tracing;
  service: string;
  pod: string;
  flavour: Flavour;
  /** Starts listening; resolves to the base URL. Port 0 picks a free port. */
  listen(port: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The original's route label for this route, when it differs from the default derivation. */
    metricsRoute?: string;
  }
  interface FastifyRequest {
    shopSpan?: Span;
    shopStart?: bigint;
    /** Leave this request out of the latency histograms (the Java originals skipped requests whose handler threw). */
    shopUnobserved?: boolean;
  }
}

export function createShopServer(options: ShopServerOptions): ShopServer {
  const { service, flavour } = options;
  const pod = options.pod ?? process.env.POD_NAME ?? `${service}-local`;
  const log = createLogger(service, pod);
  const metrics = new ShopMetrics(service, flavour);
  const tracing = startTracing(service, pod);
  const app: FastifyInstance = Fastify({
    // The cast keeps the instance typed with fastify's base logger, as ShopServer.app declares it.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    loggerInstance: log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    return503OnClosing: true,
    // A malformed URL or header gets the flavour's own 400, not fastify's JSON.
    frameworkErrors: (error, req, reply) => {
      void send(reply, renderError(flavour, 400, error.message, req.url.split('?')[0]));
    },
    // Sock Shop ids appear in paths; keep them case-sensitive and exact.
    routerOptions: { caseSensitive: true, ignoreTrailingSlash: false },
  });

  // Bodies of any other type arrive as raw buffers; handlers decide, as the originals did.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.addHook('onRequest', (req, _reply, done) => {
    req.shopStart = process.hrtime.bigint();
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = tracing.tracer.startSpan(
      `${req.method} ${req.routeOptions.url ?? req.url.split('?')[0]}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': pathOf(req) } },
      parent,
    );
    req.shopSpan = span;
    context.with(trace.setSpan(parent, span), done);
  });

  app.addHook('onResponse', (req, reply, done) => {
    const seconds = Number(process.hrtime.bigint() - (req.shopStart ?? process.hrtime.bigint())) / 1e9;
    const path = pathOf(req);
    const status = reply.statusCode;
    const span = req.shopSpan;
    if (span) {
      span.setAttribute('http.response.status_code', status);
      if (req.routeOptions.url) span.setAttribute('http.route', req.routeOptions.url);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
    const isMetricsPath = path === '/metrics' || path === options.metricsPath;
    if (!(isMetricsPath && flavour !== 'go') && !req.shopUnobserved) {
      metrics.observe(req.method, routeLabel(flavour, req), path, status, seconds);
    }
    if (status >= 500) log.error({ method: req.method, path, status, ms: seconds * 1000 }, 'request failed');
    else log.debug({ method: req.method, path, status, ms: seconds * 1000 }, 'request');
    done();
  });

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, req, reply) => {
    if (error instanceof HttpError) {
      return send(reply, renderError(flavour, error.status, error.message, pathOf(req), error.exception));
    }
    const status =
      error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (status >= 500) log.error({ err: error, path: pathOf(req) }, 'unhandled error');
    else log.warn({ code: error.code, path: pathOf(req), msg: error.message }, 'bad request');
    return send(reply, renderError(flavour, status, publicMessage(error, status), pathOf(req)));
  });

  app.setNotFoundHandler((req, reply) => send(reply, renderNotFound(flavour, req.method, pathOf(req))));

  const serveMetrics = async (_req: FastifyRequest, reply: FastifyReply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  };
  app.get('/metrics', serveMetrics);
  if (options.metricsPath && options.metricsPath !== '/metrics') app.get(options.metricsPath, serveMetrics);

  app.get('/spans', async (req) => {
    const query = req.query as { after?: string; limit?: string };
    return tracing.ring.since(
      Number(query.after ?? 0) || 0,
      Math.min(Number(query.limit ?? 1000) || 1000, 5000),
    );
  });

  return {
    app,
    metrics,
    log,
    tracing,
    service,
    pod,
    flavour,
    async listen(port, host = '127.0.0.1') {
      await app.listen({ port, host });
      const address = app.server.address();
      const actualPort = typeof address === 'object' && address ? address.port : port;
      return `http://${host}:${actualPort}`;
    },
    async close() {
      await app.close();
    },
  };
}

function send(reply: FastifyReply, rendered: { status: number; contentType: string; body: string }) {
  return reply.code(rendered.status).header('content-type', rendered.contentType).send(rendered.body);
}

function pathOf(req: FastifyRequest): string {
  const q = req.url.indexOf('?');
  return q === -1 ? req.url : req.url.slice(0, q);
}

function routeLabel(flavour: Flavour, req: FastifyRequest): string {
  const configured = req.routeOptions.config?.metricsRoute;
  if (configured) return configured;
  const template = req.routeOptions.url;
  switch (flavour) {
    case 'node':
      return pathOf(req).toLowerCase();
    case 'go':
      return template ? goRouteLabel(template) : 'unmatched';
    case 'java':
      return template ? template.replace(/:(\w+)/g, '{$1}') : '/error';
  }
}

/** Client errors keep fastify's own explanation; server errors say nothing about internals. */
function publicMessage(error: Error & { code?: string }, status: number): string {
  if (status < 500) return error.message;
  return 'Internal Server Error';
}
