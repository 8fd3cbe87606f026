/**
 * The generator's default transport: a lean HTTP/1.1 client on node:net (node:tls for https).
 * Keep-alive connections per origin, one request at a time on each (no pipelining); the request is
 * one string written in one call, built from a per-origin prefix and a per-step header block that
 * is serialised once. Responses are parsed incrementally from the raw socket chunks: status line,
 * Content-Length / chunked / read-until-close framing, Set-Cookie, Connection and Keep-Alive —
 * no header object. A profile showed undici's per-request machinery (request objects, header
 * validation, its llhttp wasm callbacks, stream bookkeeping) as most of the generator's CPU.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { HttpClientOptions, HttpRequest, HttpResponse, HttpTransport } from './http.js';

/** A failed exchange, with the short reason the stats show. */
export class HttpFailure extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

interface Pending {
  request: HttpRequest;
  head: string;
  resolve: (response: HttpResponse) => void;
  reject: (error: Error) => void;
  retried: boolean;
}

const MAX_HEAD_BYTES = 64 * 1024;
/**
 * Plain sockets read into this one buffer (`onread`): no Buffer per read and no Readable stream
 * bookkeeping. Each read is parsed synchronously before the next, and what outlives it is copied.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
/** Reuse an idle connection only this long before the server's announced keep-alive timeout. */
const KEEP_ALIVE_MARGIN_MS = 1000;
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE']);
const CRLFCRLF = Buffer.from('\r\n\r\n');

// Parser states.
const IDLE = 0;
const HEAD = 1;
const FIXED = 2;
const CHUNK_SIZE = 3;
const CHUNK_DATA = 4;
const CHUNK_DATA_END = 5;
const TRAILERS = 6;
const UNTIL_CLOSE = 7;

export class FastHttpClient implements HttpTransport {
  private readonly pools = new Map<string, OriginPool>();
  /** Serialised header blocks of the header objects steps reuse (frozen, so never stale). */
  private readonly blocks = new WeakMap<object, string>();

  constructor(private readonly options: HttpClientOptions) {}

  send(origin: string, request: HttpRequest): Promise<HttpResponse> {
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new OriginPool(origin, this.options);
      this.pools.set(origin, pool);
    }
    const head = requestHead(request, pool.prefix, this.headerBlock(request.headers));
    return new Promise((resolve, reject) => {
      pool.dispatch({ request, head, resolve, reject, retried: false });
    });
  }

  private headerBlock(headers: Readonly<Record<string, string>>): string {
    const frozen = Object.isFrozen(headers);
    if (frozen) {
      const cached = this.blocks.get(headers);
      if (cached !== undefined) return cached;
    }
    let block = '';
    for (const name in headers) block += `${name}: ${headers[name]}\r\n`;
    if (frozen) this.blocks.set(headers, block);
    return block;
  }

  /** Closes every connection; requests in flight or queued fail with "client closed". */
  async destroy(): Promise<void> {
    for (const pool of this.pools.values()) pool.destroy();
    this.pools.clear();
  }
}

/** Request line, host, headers, cookie, framing and body as one string. */
function requestHead(request: HttpRequest, prefix: string, block: string): string {
  let head = `${request.method} ${request.path}${prefix}${block}`;
  if (request.cookie !== undefined) head += `cookie: ${request.cookie}\r\n`;
  if (request.body !== undefined) {
    head += `content-length: ${Buffer.byteLength(request.body)}\r\n\r\n${request.body}`;
  } else if (request.method === 'POST' || request.method === 'PUT' || request.method === 'PATCH') {
    head += 'content-length: 0\r\n\r\n';
  } else head += '\r\n';
  return head;
}

/** Keep-alive connections to one origin, at most `connections` of them; requests beyond wait in order. */
class OriginPool {
  readonly prefix: string;
  private readonly idle: Connection[] = [];
  private readonly waiting: Pending[] = [];
  private readonly all = new Set<Connection>();
  private closed = false;
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;

  constructor(
    origin: string,
    readonly options: HttpClientOptions,
  ) {
    const url = new URL(origin);
    this.tls = url.protocol === 'https:';
    this.host = url.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(url.port) || (this.tls ? 443 : 80);
    this.prefix = ` HTTP/1.1\r\nhost: ${url.host}\r\n`;
  }

  dispatch(pending: Pending): void {
    if (this.closed) {
      pending.reject(new HttpFailure('client closed'));
      return;
    }
    let conn = this.idle.pop();
    while (conn && conn.stale()) {
      conn.close();
      conn = this.idle.pop();
    }
    if (conn) conn.start(pending);
    else if (this.all.size < this.options.connections) {
      conn = new Connection(this);
      this.all.add(conn);
      conn.start(pending);
    } else this.waiting.push(pending);
  }

  /** A connection finished its request and may take another. */
  release(conn: Connection): void {
    const next = this.waiting.shift();
    if (next) conn.start(next);
    else this.idle.push(conn);
  }

  /** A connection is gone; a waiting request gets a new one. */
  closedConnection(conn: Connection): void {
    this.all.delete(conn);
    const i = this.idle.indexOf(conn);
    if (i >= 0) this.idle.splice(i, 1);
    const next = this.waiting.shift();
    if (next) this.dispatch(next);
  }

  destroy(): void {
    this.closed = true;
    for (const pending of this.waiting.splice(0)) pending.reject(new HttpFailure('client closed'));
    this.idle.length = 0;
    for (const conn of [...this.all]) conn.fail('client closed', false);
  }
}

class Connection {
  private readonly socket: Socket;
  private current: Pending | undefined;
  private state = IDLE;
  private dead = false;
  private served = 0;
  private idleSince = 0;
  private keepAliveMs = Infinity;
  // Per response.
  private headBuffer: Buffer | undefined;
  private status = 0;
  private setCookie: string[] | undefined;
  private closeAfter = false;
  private bytes = 0;
  private received = 0;
  private remaining = 0;
  private chunks: Buffer[] | undefined;
  private lineLength = 0;
  private chunkExtension = false;
  private sawDigit = false;

  constructor(private readonly pool: OriginPool) {
    const options = { host: pool.host, port: pool.port };
    if (pool.tls) {
      this.socket = tlsConnect({ ...options, servername: pool.host });
      this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    } else {
      const callback = (n: number): boolean => {
        this.onData(READ_BUFFER.subarray(0, n));
        return true;
      };
      const onread = { buffer: READ_BUFFER, callback };
      this.socket = netConnect({ ...options, onread });
    }
    this.socket.setNoDelay(true);
    this.socket.setTimeout(pool.options.timeoutMs);
    this.socket.on('timeout', () => this.fail('timeout', false));
    this.socket.on('error', (error: NodeJS.ErrnoException) => this.fail(socketReason(error), true));
    this.socket.on('end', () => this.onEnd());
    this.socket.on('close', () => this.onEnd());
  }

  /** An idle connection the server has probably closed by now (its Keep-Alive timeout). */
  stale(): boolean {
    return this.dead || performance.now() - this.idleSince > this.keepAliveMs - KEEP_ALIVE_MARGIN_MS;
  }

  start(pending: Pending): void {
    this.current = pending;
    this.state = HEAD;
    this.status = 0;
    this.setCookie = undefined;
    this.closeAfter = false;
    this.bytes = 0;
    this.received = 0;
    this.chunks = pending.request.keepBody ? [] : undefined;
    this.socket.write(pending.head);
  }

  private onData(chunk: Buffer): void {
    if (this.current === undefined) {
      // Bytes nobody asked for: the connection is out of step; drop it.
      this.close();
      return;
    }
    this.received += chunk.length;
    let at = 0;
    while (at < chunk.length && this.current !== undefined) {
      at = this.state === HEAD ? this.readHead(chunk, at) : this.readBody(chunk, at);
      if (at < 0) return;
    }
    if (this.current !== undefined || this.dead) return;
    // Response complete. Bytes after it were never asked for (no pipelining): the connection is out of step.
    if (this.closeAfter || at < chunk.length) this.close();
    else {
      if (this.keepAliveMs !== Infinity) this.idleSince = performance.now();
      this.pool.release(this);
    }
  }

  /** Consumes head bytes from `at`; returns where the body starts, or -1 after a failure. */
  private readHead(chunk: Buffer, at: number): number {
    let buf = chunk;
    let start = at;
    let searchFrom = at;
    if (this.headBuffer) {
      searchFrom = Math.max(0, this.headBuffer.length - 3);
      buf = Buffer.concat([this.headBuffer, chunk.subarray(at)]);
      start = 0;
    }
    const end = buf.indexOf(CRLFCRLF, searchFrom);
    if (end < 0) {
      if (buf.length - start > MAX_HEAD_BYTES) return this.protocolError('response head too large');
      this.headBuffer = buf === chunk ? Buffer.from(chunk.subarray(at)) : buf;
      return chunk.length;
    }
    const bodyAt = end + 4;
    // Where the body starts in `chunk` (the buffered part came before it).
    const next = this.headBuffer ? chunk.length - (buf.length - bodyAt) : bodyAt;
    this.headBuffer = undefined;
    return this.parseHead(buf, start, end) ? next : -1;
  }

  /** Status line and the headers the framing and the session need. False after a failure. */
  private parseHead(buf: Buffer, start: number, end: number): boolean {
    // "HTTP/1.x NNN reason"
    if (
      end - start < 12 ||
      buf[start] !== 0x48 ||
      buf.toString('latin1', start, start + 7) !== 'HTTP/1.' ||
      buf[start + 8] !== 0x20
    ) {
      this.protocolError('malformed status line');
      return false;
    }
    const http10 = buf[start + 7] === 0x30;
    const status = digit(buf[start + 9]) * 100 + digit(buf[start + 10]) * 10 + digit(buf[start + 11]);
    if (!(status >= 100 && status <= 999)) {
      this.protocolError('malformed status line');
      return false;
    }
    let contentLength = -1;
    let chunked = false;
    let otherCoding = false;
    let keepAlive = !http10;
    let line = buf.indexOf(10, start) + 1;
    while (line < end) {
      // The last line's LF is the one right after `end`.
      const eol = buf.indexOf(10, line);
      const valueEnd = buf[eol - 1] === 13 ? eol - 1 : eol;
      const colon = buf.indexOf(58, line);
      if (colon > line && colon < valueEnd) {
        const nameLength = colon - line;
        const first = buf[line] | 0x20;
        if (nameLength === 14 && first === 0x63 && nameIs(buf, line, 'content-length')) {
          const n = parseDecimal(buf, colon + 1, valueEnd);
          if (n < 0 || (contentLength >= 0 && n !== contentLength)) {
            this.protocolError('invalid content-length');
            return false;
          }
          contentLength = n;
        } else if (nameLength === 10 && first === 0x73 && nameIs(buf, line, 'set-cookie')) {
          (this.setCookie ??= []).push(buf.toString('latin1', colon + 1, valueEnd).trim());
        } else if (nameLength === 10 && first === 0x63 && nameIs(buf, line, 'connection')) {
          const value = buf.toString('latin1', colon + 1, valueEnd).toLowerCase();
          if (value.includes('close')) keepAlive = false;
          else if (value.includes('keep-alive')) keepAlive = true;
        } else if (nameLength === 17 && first === 0x74 && nameIs(buf, line, 'transfer-encoding')) {
          const value = buf
            .toString('latin1', colon + 1, valueEnd)
            .trim()
            .toLowerCase();
          if (value.endsWith('chunked')) chunked = true;
          else otherCoding = true;
        } else if (
          nameLength === 10 &&
          first === 0x6b &&
          this.keepAliveMs === Infinity &&
          nameIs(buf, line, 'keep-alive')
        ) {
          const timeout = /timeout=(\d+)/i.exec(buf.toString('latin1', colon + 1, valueEnd));
          if (timeout) this.keepAliveMs = Number(timeout[1]) * 1000;
        }
      }
      line = eol + 1;
    }
    if (status < 200) {
      // 1xx interim response (100 Continue, 103 Early Hints): the real one follows.
      this.setCookie = undefined;
      return true;
    }
    this.status = status;
    this.closeAfter = !keepAlive;
    if (this.current!.request.method === 'HEAD' || status === 204 || status === 304) {
      this.complete();
    } else if (chunked && !otherCoding) {
      // A message with both framings is suspicious (smuggling): use chunked, then close.
      if (contentLength >= 0) this.closeAfter = true;
      this.state = CHUNK_SIZE;
      this.remaining = 0;
      this.sawDigit = false;
      this.chunkExtension = false;
    } else if (contentLength >= 0 && !otherCoding) {
      this.remaining = contentLength;
      this.state = FIXED;
      if (contentLength === 0) this.complete();
    } else {
      this.state = UNTIL_CLOSE;
      this.closeAfter = true;
    }
    return true;
  }

  /** Consumes body bytes from `at`; returns how far it got, or -1 after a failure. */
  private readBody(chunk: Buffer, at: number): number {
    switch (this.state) {
      case FIXED: {
        const take = Math.min(this.remaining, chunk.length - at);
        this.body(chunk, at, at + take);
        this.remaining -= take;
        if (this.remaining === 0) this.complete();
        return at + take;
      }
      case UNTIL_CLOSE:
        this.body(chunk, at, chunk.length);
        return chunk.length;
      case CHUNK_DATA: {
        const take = Math.min(this.remaining, chunk.length - at);
        this.body(chunk, at, at + take);
        this.remaining -= take;
        if (this.remaining === 0) this.state = CHUNK_DATA_END;
        return at + take;
      }
      default:
        return this.readChunkFraming(chunk, at);
    }
  }

  /** Chunk-size lines, the CRLF after each chunk's data, and the trailer section, byte by byte. */
  private readChunkFraming(chunk: Buffer, at: number): number {
    for (; at < chunk.length; at++) {
      const c = chunk[at];
      if (this.state === CHUNK_SIZE) {
        if (c === 10) {
          if (!this.sawDigit) return this.protocolError('invalid chunk size');
          this.lineLength = 0;
          if (this.remaining === 0) this.state = TRAILERS;
          else {
            this.state = CHUNK_DATA;
            return at + 1;
          }
        } else if (this.chunkExtension || c === 13) {
          continue;
        } else if (c === 0x3b || c === 0x20 || c === 0x09) {
          this.chunkExtension = true;
        } else {
          const v = hexDigit(c);
          if (v < 0 || this.remaining > 2 ** 40) return this.protocolError('invalid chunk size');
          this.remaining = this.remaining * 16 + v;
          this.sawDigit = true;
        }
      } else if (this.state === CHUNK_DATA_END) {
        if (c === 10) {
          this.state = CHUNK_SIZE;
          this.remaining = 0;
          this.sawDigit = false;
          this.chunkExtension = false;
        } else if (c !== 13) return this.protocolError('missing CRLF after chunk');
      } else if (this.state === TRAILERS) {
        if (c === 10) {
          if (this.lineLength === 0) {
            this.complete();
            return at + 1;
          }
          this.lineLength = 0;
        } else if (c !== 13) this.lineLength++;
      } else return at;
    }
    return at;
  }

  private body(chunk: Buffer, from: number, to: number): void {
    this.bytes += to - from;
    if (this.chunks && to > from) this.chunks.push(Buffer.from(chunk.subarray(from, to)));
  }

  /** Resolves the request; the caller then releases or closes the connection. */
  private complete(): void {
    const pending = this.current!;
    const chunks = this.chunks;
    this.current = undefined;
    this.chunks = undefined;
    this.state = IDLE;
    this.served++;
    pending.resolve({
      status: this.status,
      setCookie: this.setCookie,
      bytes: this.bytes,
      body: chunks ? (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)) : undefined,
    });
  }

  private onEnd(): void {
    if (this.state === UNTIL_CLOSE) {
      this.complete();
      this.close();
    } else this.fail('connection closed', true);
  }

  private protocolError(what: string): number {
    this.fail(`protocol error: ${what}`, false);
    return -1;
  }

  /**
   * Ends the connection; its request fails with `reason` — or is sent again on a new connection
   * when a reused connection died before any response byte (the server closed it while idle).
   */
  fail(reason: string, retryable: boolean): void {
    const pending = this.current;
    this.current = undefined;
    this.close();
    if (!pending) return;
    if (retryable && this.served > 0 && this.received === 0 && !pending.retried) {
      if (IDEMPOTENT.has(pending.request.method)) {
        pending.retried = true;
        this.pool.dispatch(pending);
        return;
      }
    }
    pending.reject(new HttpFailure(reason));
  }

  close(): void {
    if (this.dead) return;
    this.dead = true;
    this.state = IDLE;
    this.socket.destroy();
    this.pool.closedConnection(this);
  }
}

function socketReason(error: NodeJS.ErrnoException): string {
  if (error.code === 'ECONNRESET' || error.code === 'EPIPE') return 'connection reset';
  if (error.code === 'ETIMEDOUT') return 'timeout';
  return error.code ?? error.message;
}

function digit(c: number): number {
  return c >= 0x30 && c <= 0x39 ? c - 0x30 : NaN;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/** Case-insensitive match of an ASCII header name (letters and '-') at `at`. */
function nameIs(buf: Buffer, at: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) if ((buf[at + i] | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}

/** A decimal header value with optional surrounding blanks; -1 when it is not one. */
function parseDecimal(buf: Buffer, from: number, to: number): number {
  while (from < to && (buf[from] === 0x20 || buf[from] === 0x09)) from++;
  while (to > from && (buf[to - 1] === 0x20 || buf[to - 1] === 0x09)) to--;
  if (from === to || to - from > 15) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = buf[i] - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}
