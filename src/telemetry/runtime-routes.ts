/**
 * JSON query routes of the telemetry server beside the Prometheus API: logs, traces (plus the OTLP
 * receiver) and events. Bad parameters answer 400 `{error}`; unknown ids 404.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { EventQueryError, type EventLog } from './events/index.js';
import { LogQueryError, type LogStore } from './logs/index.js';
import { otlpTraceRoutes, TraceQueryError, type TraceStore } from './traces/index.js';
import { OBJECT_KINDS } from '../platform/types.js';

export interface RuntimeRoutesOptions {
  logs?: LogStore;
  traces?: TraceStore;
  events?: EventLog;
}

class BadQuery extends Error {}

type Query = Record<string, string | string[] | undefined>;

/** A query parameter; the last value when it was given more than once. */
function one(q: Query, ...names: string[]): string | undefined {
  for (const name of names) {
    const v = q[name];
    const value = Array.isArray(v) ? v.at(-1) : v;
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

function all(q: Query, name: string): string[] | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).filter(Boolean);
}

function number(q: Query, name: string): number | undefined {
  const raw = one(q, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new BadQuery(`${name}: not a number: ${JSON.stringify(raw)}`);
  return n;
}

function boolean(q: Query, name: string): boolean | undefined {
  const raw = one(q, name);
  if (raw === undefined) return undefined;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new BadQuery(`${name}: expected true or false, got ${JSON.stringify(raw)}`);
}

function choice<T extends string>(q: Query, name: string, allowed: readonly T[]): T | undefined {
  const raw = one(q, name);
  if (raw === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(raw))
    throw new BadQuery(`${name}: one of ${allowed.join(', ')}, got ${JSON.stringify(raw)}`);
  return raw as T;
}

/** Runs a handler on the parsed query; query errors of any store become 400. */
function handle(fn: (q: Query, req: FastifyRequest) => unknown) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    try {
      const result = await fn((req.query ?? {}) as Query, req);
      if (result === undefined) return reply.code(404).send({ error: 'not found' });
      return reply.send(result);
    } catch (err) {
      if (
        err instanceof BadQuery ||
        err instanceof LogQueryError ||
        err instanceof TraceQueryError ||
        err instanceof EventQueryError
      )
        return reply.code(400).send({ error: err.message });
      throw err;
    }
  };
}

const EVENT_KINDS = OBJECT_KINDS;

export async function runtimeRoutes(app: FastifyInstance, options: RuntimeRoutesOptions): Promise<void> {
  const { logs, traces, events } = options;
  if (logs) {
    app.get(
      '/api/logs',
      handle((q) =>
        logs.search({
          service: all(q, 'service'),
          pod: all(q, 'pod'),
          level: one(q, 'level'),
          from: one(q, 'from', 'start'),
          to: one(q, 'to', 'end'),
          text: one(q, 'text', 'q'),
          regex: one(q, 'regex'),
          traceId: one(q, 'traceId', 'trace_id'),
          limit: number(q, 'limit'),
          cursor: one(q, 'cursor'),
        }),
      ),
    );
    app.get(
      '/api/logs/summary',
      handle((q) =>
        logs.summarize({
          service: all(q, 'service'),
          pod: all(q, 'pod'),
          from: one(q, 'from', 'start'),
          to: one(q, 'to', 'end'),
          top: number(q, 'top'),
        }),
      ),
    );
  }
  if (traces) {
    const traceQuery = (q: Query) => ({
      service: one(q, 'service'),
      operation: one(q, 'operation'),
      minDurationMs: number(q, 'minDurationMs'),
      maxDurationMs: number(q, 'maxDurationMs'),
      error: boolean(q, 'error'),
      from: one(q, 'from', 'start'),
      to: one(q, 'to', 'end'),
      limit: number(q, 'limit'),
    });
    app.get(
      '/api/traces',
      handle((q) => ({ traces: traces.query(traceQuery(q)) })),
    );
    app.get(
      '/api/spans',
      handle((q) => ({ spans: traces.spans(traceQuery(q)) })),
    );
    app.get(
      '/api/traces/dependencies',
      handle((q) => ({
        edges: traces.dependencies({ from: one(q, 'from', 'start'), to: one(q, 'to', 'end') }),
      })),
    );
    app.get(
      '/api/traces/:traceId',
      handle((_q, req) => traces.getTrace((req.params as { traceId: string }).traceId)),
    );
    await app.register(otlpTraceRoutes, { store: traces });
  }
  if (events) {
    const eventQuery = (q: Query) => ({
      kind: choice(q, 'kind', EVENT_KINDS),
      name: one(q, 'name'),
      reason: all(q, 'reason'),
      type: choice(q, 'type', ['Normal', 'Warning'] as const),
      since: one(q, 'since', 'from', 'start'),
      until: one(q, 'until', 'to', 'end'),
      text: one(q, 'text', 'q'),
    });
    app.get(
      '/api/events',
      handle((q) => ({ events: events.query({ ...eventQuery(q), limit: number(q, 'limit') }) })),
    );
    app.get(
      '/api/events/summary',
      handle((q) => events.summarize(eventQuery(q))),
    );
  }
}
