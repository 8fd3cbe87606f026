/**
 * An HTTP/1.1 edge proxy: faults act per request, like Istio/Envoy's fault filter (delay, then abort),
 * plus loss (the connection is reset), partitions and bandwidth on the bodies.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Agent, Dispatcher } from 'undici';
import { EdgeBase, type EdgeOptions } from './edge.js';

/** Headers that belong to one connection and must not be forwarded (RFC 9110 §7.6.1), plus ones undici refuses. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
]);

function forwardable(headers: IncomingMessage['headers'] | Record<string, string | string[] | undefined>) {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

function localReply(res: ServerResponse, status: number, body: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

// undici is CommonJS: `default` is its exports under Node and in the CLI's ESM bundle alike, where
// the bundler gives a dynamic import nothing else.
const newAgent = (): Promise<Agent> =>
  import('undici').then(
    ({ default: undici }) => new undici.Agent({ keepAliveTimeout: 30_000, connect: { timeout: 5_000 } }),
  );

export class HttpEdge extends EdgeBase {
  readonly protocol = 'http' as const;
  protected readonly server: http.Server;
  /** Made at the first request: loading undici is ~50 ms of the lab's CPU while every pod starts. */
  private agent?: Promise<Agent>;

  constructor(options: EdgeOptions) {
    super(options);
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch(() => res.destroy());
    });
    // Envoy's idle timeout is long; a short one would race with the callers' pooled connections.
    this.server.keepAliveTimeout = 65_000;
    this.server.requestTimeout = 0;
  }

  override async close(): Promise<void> {
    await super.close();
    await (await this.agent)?.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.counters.requests++;
    const policy = this.policy;
    if (policy.active) {
      if (policy.refuses) return this.drop(req, 'partition');
      const delay = policy.delayMs('to');
      if (delay > 0) {
        this.countFault('delay');
        if (!(await this.wait(delay, res))) return;
      }
      const abort = policy.abortStatus();
      if (abort !== undefined) {
        this.countFault('abort');
        req.resume();
        return localReply(res, abort, 'fault filter abort');
      }
      if (policy.lost('to')) return this.drop(req, 'loss');
      if (policy.partitioned('to')) {
        // Black hole: the request never arrives; the caller waits for its own timeout.
        this.countFault('partition');
        req.resume();
        return;
      }
    }

    const endpoint = this.nextEndpoint();
    if (!endpoint) {
      this.counters.noHealthyUpstream++;
      req.resume();
      return localReply(res, 503, 'no healthy upstream');
    }

    const abort = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const hasBody =
      req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
    let upstream: Dispatcher.ResponseData;
    try {
      const agent = await (this.agent ??= newAgent());
      upstream = await agent.request({
        origin: `http://${endpoint.host}:${endpoint.port}`,
        path: req.url ?? '/',
        method: req.method as Dispatcher.HttpMethod,
        headers: forwardable(req.headers),
        body: hasBody ? (policy.active ? req.pipe(this.pacer('to', false)) : req) : undefined,
        signal: abort.signal,
      });
    } catch {
      if (abort.signal.aborted) return;
      this.counters.upstreamErrors++;
      return localReply(
        res,
        503,
        'upstream connect error or disconnect/reset before headers. reset reason: connection failure',
      );
    }

    const now = this.policy;
    if (now.active) {
      if (now.partitioned('from')) {
        // One-way partition: the callee did the work, its answer is lost; the caller waits for its timeout.
        this.countFault('partition');
        upstream.body.resume();
        return;
      }
      const delay = now.delayMs('from');
      if (delay > 0) {
        this.countFault('delay');
        if (!(await this.wait(delay, res))) return void upstream.body.destroy();
      }
      if (now.lost('from')) {
        upstream.body.destroy();
        return this.drop(req, 'loss');
      }
    }
    res.writeHead(upstream.statusCode, forwardable(upstream.headers));
    const body = now.active ? pipeline(upstream.body, this.pacer('from', false), () => {}) : upstream.body;
    pipeline(body, res, () => {});
  }

  /** Sleeps, unless the caller gives up first; answers whether the caller is still there. */
  private async wait(ms: number, res: ServerResponse): Promise<boolean> {
    const gone = new AbortController();
    const onClose = () => gone.abort();
    res.once('close', onClose);
    try {
      await sleep(ms, undefined, { signal: gone.signal });
      return true;
    } catch {
      return false;
    } finally {
      res.off('close', onClose);
    }
  }

  private drop(req: IncomingMessage, kind: 'loss' | 'partition'): void {
    this.countFault(kind);
    this.reset(req.socket);
  }
}
