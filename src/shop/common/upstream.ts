/**
 * Service-to-service HTTP. Services address each other by bare name (`http://user/customers/…`),
 * as in the original; the directory maps a name to where that Service is reachable on this
 * machine (the platform points it at the mesh edge for this caller). Every call carries W3C
 * trace context and is recorded as a CLIENT span.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Agent, request as undiciRequest } from 'undici';
import { ConfigError } from './env.js';

export class ServiceDirectory {
  private readonly bases = new Map<string, string>();

  constructor(entries: Record<string, string> = {}) {
    for (const [name, base] of Object.entries(entries)) this.set(name, base);
  }

  /** `SOCKSHOP_SERVICES` holds a JSON object of service name → base URL (`{"user":"http://127.0.0.1:8085"}`). */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): ServiceDirectory {
    const raw = env.SOCKSHOP_SERVICES;
    if (!raw) return new ServiceDirectory();
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new ConfigError('SOCKSHOP_SERVICES must be a JSON object of service name to base URL');
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ConfigError('SOCKSHOP_SERVICES must be a JSON object of service name to base URL');
    }
    return new ServiceDirectory(parsed as Record<string, string>);
  }

  set(name: string, base: string): void {
    this.bases.set(name, base.replace(/\/+$/, ''));
  }

  get(name: string): string | undefined {
    return this.bases.get(name);
  }

  /** Rewrites `http://<service>/path` to the directory's base; other URLs pass through unchanged. */
  resolve(url: string): string {
    const match = /^http:\/\/([^/:?#]+)(.*)$/.exec(url);
    if (!match) return url;
    const base = this.bases.get(match[1]);
    return base ? base + match[2] : url;
  }
}

export class UpstreamError extends Error {
  constructor(
    message: string,
    readonly kind: 'timeout' | 'connection' | 'protocol',
  ) {
    super(message);
  }
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text(): string;
  json<T = unknown>(): T;
}

export interface UpstreamRequest {
  method?: string;
  headers?: Record<string, string>;
  /** Sent as JSON with `content-type: application/json`. */
  json?: unknown;
  body?: string | Buffer;
  timeoutMs?: number;
}

export class Upstream {
  private client?: Promise<{ agent: Agent; request: typeof undiciRequest }>;

  constructor(
    readonly directory: ServiceDirectory,
    private readonly defaultTimeoutMs = 30_000,
  ) {}

  /**
   * undici loads at the first call, not at start: every pod imports this module (for the service
   * directory), most never call another service, and loading undici cost about 50 ms of CPU per pod
   * while all of them start together.
   */
  private undici(): Promise<{ agent: Agent; request: typeof undiciRequest }> {
    return (this.client ??= import('undici').then(({ Agent, request }) => ({
      agent: new Agent({ keepAliveTimeout: 10_000, connections: 128 }),
      request,
    })));
  }

  async request(url: string, options: UpstreamRequest = {}): Promise<UpstreamResponse> {
    const method = options.method ?? 'GET';
    const target = this.directory.resolve(url);
    const headers: Record<string, string> = { ...options.headers };
    let body = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] ??= 'application/json';
    }
    const tracer = trace.getTracer('sockshop-lab');
    const span = tracer.startSpan(`${method} ${url.replace(/^http:\/\/[^/]+/, '').split('?')[0]}`, {
      kind: SpanKind.CLIENT,
      attributes: { 'http.request.method': method, 'url.full': url, 'server.address': hostOf(url) },
    });
    const ctx = trace.setSpan(context.active(), span);
    propagation.inject(ctx, headers);
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    try {
      const { agent, request } = await this.undici();
      const res = await request(target, {
        method: method as 'GET',
        headers,
        body,
        dispatcher: agent,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const buffer = Buffer.from(await res.body.arrayBuffer());
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
      return {
        status: res.statusCode,
        headers: res.headers,
        body: buffer,
        text: () => buffer.toString('utf8'),
        json: <T>() => JSON.parse(buffer.toString('utf8')) as T,
      };
    } catch (error) {
      const wrapped = classify(error, url, timeoutMs);
      span.setStatus({ code: SpanStatusCode.ERROR, message: wrapped.message });
      span.setAttribute('error.type', wrapped.kind);
      throw wrapped;
    } finally {
      span.end();
    }
  }

  async close(): Promise<void> {
    if (this.client) await (await this.client).agent.close();
  }
}

function hostOf(url: string): string {
  return /^https?:\/\/([^/:?#]+)/.exec(url)?.[1] ?? '';
}

function classify(error: unknown, url: string, timeoutMs: number): UpstreamError {
  const err = error as { name?: string; code?: string; message?: string };
  if (
    err.name === 'TimeoutError' ||
    err.code === 'UND_ERR_HEADERS_TIMEOUT' ||
    err.code === 'UND_ERR_BODY_TIMEOUT'
  ) {
    return new UpstreamError(`timeout after ${timeoutMs} ms calling ${url}`, 'timeout');
  }
  if (
    err.code === 'ECONNREFUSED' ||
    err.code === 'ECONNRESET' ||
    err.code === 'UND_ERR_SOCKET' ||
    err.code === 'ENOTFOUND'
  ) {
    return new UpstreamError(`cannot reach ${url}: ${err.code}`, 'connection');
  }
  return new UpstreamError(`calling ${url} failed: ${err.message ?? String(error)}`, 'protocol');
}
