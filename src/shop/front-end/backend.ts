/**
 * Helpers shared by the front-end's route modules: calling a backend by bare name, the
 * original's error messages for bad upstream data, and bare replies (status + body with no
 * Content-Type, as `helpers.respondStatusBody` wrote them).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { HttpError } from '../common/errors.js';
import { Upstream, UpstreamError, type UpstreamRequest, type UpstreamResponse } from '../common/upstream.js';

declare module 'fastify' {
  interface FastifyReply {
    /** Set by `sendBare`: the reply goes out without a Content-Type header. */
    bareBody: boolean;
  }
}

export interface RouteContext {
  backends: Backends;
}

export class Backends {
  constructor(private readonly upstream: Upstream) {}

  /** A backend call; an unreachable or slow backend becomes the errorHandler's 500 with the cause as message. */
  async call(url: string, options: UpstreamRequest = {}): Promise<UpstreamResponse> {
    try {
      return await this.upstream.request(url, options);
    } catch (error) {
      if (error instanceof UpstreamError) throw new HttpError(500, error.message);
      throw error;
    }
  }

  close(): Promise<void> {
    return this.upstream.close();
  }
}

/** `JSON.parse(body)` of a backend response; a non-JSON body is a 500 carrying the parser's message, as in the original. */
export function parseJson(res: UpstreamResponse): unknown {
  try {
    return JSON.parse(res.text());
  } catch (error) {
    throw new HttpError(500, (error as Error).message);
  }
}

/**
 * Follows `keys` into `value` the way the original's `a.b.c` did; where it would have hit a
 * TypeError, answers 500 with Node's message instead of crashing.
 */
export function readPath(value: unknown, ...keys: Array<string | number>): unknown {
  let current = value;
  for (const key of keys) {
    if (current === null || current === undefined) {
      throw new HttpError(500, `Cannot read property '${key}' of ${String(current)}`);
    }
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** `request({json: true})` parsed a backend's answer and the original re-stringified it; non-JSON text came back quoted. */
export function reserialise(text: string): string {
  if (text === '') return '';
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return JSON.stringify(text);
  }
}

/** `String(value)` as JavaScript concatenation did it in the original (objects become `[object Object]`). */
export function asText(value: unknown): string {
  if (Array.isArray(value)) return value.map(asText).join(',');
  if (value !== null && typeof value === 'object') return '[object Object]';
  return String(value);
}

/** A JSON request body as the original saw it: body-parser only filled `req.body` for JSON, else `{}`. */
export function bodyOf(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Buffer.isBuffer(body)) return {};
  return body as Record<string, unknown>;
}

export function sendBare(reply: FastifyReply, status: number, body?: string | Buffer): FastifyReply {
  reply.bareBody = true;
  return reply.code(status).send(body);
}

/** Forwards a backend response as is (the original piped `request()` into the response). */
export function sendPiped(reply: FastifyReply, res: UpstreamResponse): FastifyReply {
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name.toLowerCase())) continue;
    reply.header(name, value);
  }
  if (res.headers['content-type'] === undefined) reply.bareBody = true;
  return reply.code(res.status).send(res.body);
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'date',
  'upgrade',
]);

export function installBareBodies(api: FastifyInstance): void {
  api.decorateReply('bareBody', false);
  api.addHook('onSend', async (_req, reply, payload) => {
    if (reply.bareBody) reply.removeHeader('content-type');
    return payload;
  });
}

/**
 * body-parser's JSON, reproduced with its quirk: a body that is not strict JSON (object or
 * array) fell into a misdeclared error middleware that threw a TypeError, so the client got
 * 500 `{"message":"Cannot read property 'logged_in' of undefined","error":{}}` instead of 400.
 */
export function installJsonBodyQuirk(api: FastifyInstance): void {
  api.removeContentTypeParser('application/json');
  api.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, {});
    const first = text.trimStart()[0];
    try {
      if (first !== '{' && first !== '[') throw new SyntaxError('not strict JSON');
      done(null, JSON.parse(text));
    } catch {
      done(new HttpError(500, "Cannot read property 'logged_in' of undefined"), undefined);
    }
  });
}
