/**
 * The generator's transports share `HttpTransport`. The default is `FastHttpClient`
 * (fast-http.ts); this one, `--transport undici`, uses one undici Pool per origin with keep-alive connections, driven
 * through `dispatch` with a plain handler object (undici's raw-header callbacks) so a request
 * allocates no stream and no header object. The body is
 * only kept when a step extracts from it; otherwise only its size is counted.
 */
import { Pool } from 'undici';

export interface HttpResponse {
  status: number;
  setCookie: string | string[] | undefined;
  bytes: number;
  /** Present only when asked for. */
  body: Buffer | undefined;
}

export interface HttpRequest {
  method: string;
  path: string;
  /** Lower-case names; a frozen object is taken as fixed for the step (its serialisation is cached). */
  headers: Readonly<Record<string, string>>;
  cookie: string | undefined;
  body: string | undefined;
  keepBody: boolean;
}

export interface HttpTransport {
  send(origin: string, request: HttpRequest): Promise<HttpResponse>;
  /** Closes connections; requests still in flight fail. */
  destroy(): Promise<void>;
}

export type TransportKind = 'fast' | 'undici';

export interface HttpClientOptions {
  /** Keep-alive connections per origin. */
  connections: number;
  /** Headers and body timeouts per request. */
  timeoutMs: number;
}

export class UndiciHttpClient implements HttpTransport {
  private readonly pools = new Map<string, Pool>();

  constructor(private readonly options: HttpClientOptions) {}

  private pool(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, {
        connections: this.options.connections,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
      });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  send(origin: string, request: HttpRequest): Promise<HttpResponse> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] | undefined = request.keepBody ? [] : undefined;
      let status = 0;
      let setCookie: string | string[] | undefined;
      let bytes = 0;
      const headers =
        request.cookie === undefined ? request.headers : { ...request.headers, cookie: request.cookie };
      this.pool(origin).dispatch(
        { origin, method: request.method, path: request.path, headers, body: request.body },
        {
          onConnect() {},
          onHeaders(statusCode: number, rawHeaders: Buffer[]) {
            status = statusCode;
            setCookie = setCookieOf(rawHeaders);
            return true;
          },
          onData(chunk: Buffer) {
            bytes += chunk.length;
            chunks?.push(chunk);
            return true;
          },
          onComplete() {
            resolve({ status, setCookie, bytes, body: chunks ? Buffer.concat(chunks) : undefined });
          },
          onError(error: Error) {
            reject(error);
          },
        },
      );
    });
  }

  /** Closes idle connections and fails whatever is still in flight. */
  async destroy(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.destroy().catch(() => undefined)));
    this.pools.clear();
  }
}

/** A short, stable failure reason for an error, as stats keys (Locust's error column). */
export function errorReason(error: unknown): string {
  const e = error as { code?: string; message?: string; reason?: string };
  if (e.reason !== undefined) return e.reason;
  switch (e.code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'timeout';
    case 'UND_ERR_SOCKET':
      return 'connection reset';
    case undefined:
      return e.message ?? String(error);
    default:
      return e.code;
  }
}

/** The `Set-Cookie` values among raw `[name, value, ...]` header buffers. */
function setCookieOf(raw: Buffer[]): string[] | undefined {
  let found: string[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name.length === 10 && name.toString('latin1').toLowerCase() === 'set-cookie') {
      (found ??= []).push(raw[i + 1].toString('latin1'));
    }
  }
  return found;
}
