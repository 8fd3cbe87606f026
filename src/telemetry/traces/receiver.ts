/**
 * OTLP/HTTP trace receiver (JSON encoding): `POST /v1/traces` with an ExportTraceServiceRequest,
 * as an OpenTelemetry exporter sends it with OTEL_EXPORTER_OTLP_PROTOCOL=http/json (the default of
 * the JS `exporter-trace-otlp-http`). Errors answer a google.rpc.Status-shaped JSON body.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { otlpToSpans } from './otlp.js';
import type { TraceStore } from './store.js';
import { TraceQueryError } from './types.js';

export interface OtlpReceiverOptions {
  store: TraceStore;
  /** Largest accepted body in bytes (default 16 MiB). */
  bodyLimit?: number;
}

/** Fastify plugin: registers `POST /v1/traces` on an existing app (e.g. the agent API or telemetry server). */
export async function otlpTraceRoutes(app: FastifyInstance, options: OtlpReceiverOptions): Promise<void> {
  app.post('/v1/traces', { bodyLimit: options.bodyLimit ?? 16 * 1024 * 1024 }, async (req, reply) => {
    const type = String(req.headers['content-type'] ?? '');
    if (!type.startsWith('application/json')) {
      return reply
        .code(415)
        .send({ code: 3, message: 'only OTLP/JSON is accepted (Content-Type: application/json)' });
    }
    try {
      const { spans, rejected } = otlpToSpans(req.body);
      options.store.add(spans);
      return rejected
        ? {
            partialSuccess: {
              rejectedSpans: String(rejected),
              errorMessage: `${rejected} spans without valid ids or times`,
            },
          }
        : { partialSuccess: {} };
    } catch (error) {
      if (error instanceof TraceQueryError) return reply.code(400).send({ code: 3, message: error.message });
      throw error;
    }
  });
}

export interface OtlpReceiver {
  /** e.g. http://127.0.0.1:4318 — point OTEL_EXPORTER_OTLP_ENDPOINT here. */
  url: string;
  close(): Promise<void>;
}

/** A standalone receiver, listening like an OTel collector (default port 4318). */
export async function startOtlpReceiver(
  options: OtlpReceiverOptions & { port?: number; host?: string },
): Promise<OtlpReceiver> {
  const app = Fastify({ logger: false });
  // Protobuf bodies must reach the handler to get a clear 415 rather than fastify's generic one.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.setErrorHandler((error: Error & { statusCode?: number }, _req, reply) => {
    const status =
      error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    return reply
      .code(status)
      .send({ code: status === 500 ? 13 : 3, message: status === 500 ? 'internal error' : error.message });
  });
  await app.register(otlpTraceRoutes, options);
  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: options.port ?? 4318, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return { url: `http://${host}:${port}`, close: () => app.close() };
}
