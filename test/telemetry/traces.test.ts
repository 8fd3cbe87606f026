/**
 * Traces from real shop processes: catalogue and front-end run as child processes (each its own
 * tracer, as in the lab), the collector reads their `/spans`, and the store answers queries and
 * the dependency summary. Their stdout goes into a LogStore so logs and traces meet on trace ids.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { LogStore } from '../../src/telemetry/logs/index.js';
import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { SpanRing } from '../../src/shop/common/tracing.js';
import {
  SpanCollector,
  startOtlpReceiver,
  TraceStore,
  type OtlpReceiver,
  type SpanTarget,
} from '../../src/telemetry/traces/index.js';

interface Pod {
  name: string;
  service: string;
  url: string;
  child: ChildProcess;
}

const logs = new LogStore();
const children: ChildProcess[] = [];

/** Starts `src/shop/<service>/main.ts` on a free port; resolves with its URL from the "listening" log line. */
function startPod(service: string, name: string, env: Record<string, string> = {}): Promise<Pod> {
  const child = spawn(process.execPath, ['--import', 'tsx', `src/shop/${service}/main.ts`], {
    env: { ...process.env, PORT: '0', POD_NAME: name, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start: ${stderr}`)), 30_000);
    child.on('exit', (code) => reject(new Error(`${name} exited with ${code}: ${stderr}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      logs.ingest({ pod: name, service }, line);
      const url = /"url":"(http:[^"]+)"/.exec(line)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve({ name, service, url, child });
      }
    });
  });
}

describe('traces from real shop processes', () => {
  const store = new TraceStore();
  /** What the catalogue's own OTLP exporter sends (OTEL_EXPORTER_OTLP_ENDPOINT). */
  const exported = new TraceStore();
  let receiver: OtlpReceiver;
  let frontEnd: Pod;
  let targets: SpanTarget[] = [];
  let collector: SpanCollector;

  before(async () => {
    receiver = await startOtlpReceiver({ store: exported, port: 0 });
    const catalogue = await startPod('catalogue', 'catalogue-6d5f7-aaaaa', {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    // carts points at a closed port: calls to it fail with a connection error (an unanswered edge).
    frontEnd = await startPod('front-end', 'front-end-7c9d8-bbbbb', {
      SOCKSHOP_SERVICES: JSON.stringify({ catalogue: catalogue.url, carts: 'http://127.0.0.1:9' }),
    });
    targets = [catalogue, frontEnd].map((p) => ({ pod: p.name, url: p.url, service: p.service }));
    collector = new SpanCollector({ store, targets: () => targets, pageSize: 5 });

    for (let i = 0; i < 6; i++) {
      const res = await request(`${frontEnd.url}/catalogue?size=3`);
      assert.equal(res.statusCode, 200);
      await res.body.dump();
    }
    for (let i = 0; i < 2; i++) {
      const res = await request(`${frontEnd.url}/cart`);
      assert.ok(res.statusCode >= 500, `GET /cart with carts down answered ${res.statusCode}`);
      await res.body.dump();
    }
    await collector.pollOnce();
  });

  after(async () => {
    await collector?.stop();
    await receiver?.close();
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 5000).unref();
          }),
      ),
    );
  });

  it('collects spans of both pods across pages, each attributed to its own service and pod', () => {
    const feTraces = store.query({ service: 'front-end', operation: 'GET /catalogue', limit: 100 });
    assert.equal(feTraces.length, 6);
    for (const summary of feTraces) {
      assert.deepEqual(summary.services, ['catalogue', 'front-end']);
      assert.deepEqual(summary.root, { service: 'front-end', name: 'GET /catalogue*', status: 'UNSET' });
      assert.ok(summary.spanCount >= 3, `a front-end → catalogue trace has server, client and server spans`);
    }
    const catalogueSpans = store.spans({ service: 'catalogue', limit: 1000 });
    assert.ok(catalogueSpans.length >= 6);
    assert.ok(catalogueSpans.every((s) => s.pod === 'catalogue-6d5f7-aaaaa' && s.kind === 'SERVER'));
    assert.deepEqual(
      collector.status().map((s) => s.lastError),
      ['', ''],
    );
  });

  it('finds failed requests with error=true, and none of them in catalogue', () => {
    const failed = store.query({ error: true, limit: 100 });
    assert.equal(failed.length, 2);
    assert.ok(failed.every((t) => t.root?.name === 'GET /cart' && t.root.status === 'ERROR'));
    assert.deepEqual(store.query({ error: true, service: 'catalogue' }), []);
  });

  it('filters by duration: every span is at least 0 ms, none lasts an hour', () => {
    const all = store.query({ limit: 1000 }).length;
    assert.equal(store.query({ minDurationMs: 0, limit: 1000 }).length, all);
    assert.equal(store.query({ minDurationMs: 3_600_000 }).length, 0);
    const slowest = store
      .spans({ service: 'front-end', limit: 1000 })
      .reduce((a, b) => (a.durationUs > b.durationUs ? a : b));
    const atLeast = store.query({ service: 'front-end', minDurationMs: slowest.durationUs / 1000 });
    assert.deepEqual(
      atLeast.map((t) => t.traceId),
      [slowest.traceId],
    );
    const faster = store.spans({
      service: 'front-end',
      maxDurationMs: slowest.durationUs / 1000 - 0.001,
      limit: 1000,
    });
    assert.ok(faster.length > 0 && !faster.some((s) => s.spanId === slowest.spanId));
  });

  it('returns one trace as a tree: front-end server → client → catalogue server', () => {
    const [summary] = store.query({ service: 'catalogue' });
    const tree = store.getTrace(summary.traceId)!;
    assert.equal(tree.roots.length, 1);
    const root = tree.roots[0];
    assert.equal(root.kind, 'SERVER');
    assert.equal(root.service, 'front-end');
    const client = root.children.find((c) => c.kind === 'CLIENT')!;
    assert.equal(client.service, 'front-end');
    assert.deepEqual(
      client.children.map((c) => [c.service, c.kind]),
      [['catalogue', 'SERVER']],
    );
    assert.ok(client.children[0].offsetMs >= client.offsetMs);
    assert.equal(store.getTrace('0'.repeat(31) + '1'), undefined);
  });

  it('summarises dependencies: front-end → catalogue healthy, front-end → carts all failing and unanswered', () => {
    const edges = store.dependencies();
    const toCatalogue = edges.find((e) => e.caller === 'front-end' && e.callee === 'catalogue')!;
    assert.equal(toCatalogue.calls, 6);
    assert.equal(toCatalogue.errors, 0);
    assert.equal(toCatalogue.unanswered, 0);
    assert.ok(
      toCatalogue.p50Ms > 0 &&
        toCatalogue.p50Ms <= toCatalogue.p95Ms &&
        toCatalogue.p95Ms <= toCatalogue.maxMs,
    );
    const toCarts = edges.find((e) => e.caller === 'front-end' && e.callee === 'carts')!;
    assert.equal(toCarts.errors, toCarts.calls);
    assert.equal(toCarts.errorRate, 1);
    assert.equal(toCarts.unanswered, toCarts.calls);
    assert.deepEqual(store.dependencies({ to: Date.now() - 3_600_000 }), []);
  });

  it('polls again without duplicating spans, and leaves out its own /spans requests', async () => {
    const before = store.stats();
    await collector.pollOnce();
    assert.deepEqual(store.stats(), before);
    assert.deepEqual(store.spans({ operation: 'GET /spans' }), []);
  });

  it('correlates: the front-end’s error log lines carry the trace ids of the failed traces', () => {
    const errorLines = logs.search({ service: 'front-end', level: 'error', text: 'request failed' }).entries;
    assert.equal(errorLines.length, 2);
    const failedIds = new Set(store.query({ error: true }).map((t) => t.traceId));
    assert.ok(errorLines.every((line) => line.trace_id && failedIds.has(line.trace_id)));
  });

  it('receives the same catalogue spans over OTLP from the process’s own exporter', async () => {
    const pulled = store.spans({ service: 'catalogue', limit: 1000 });
    assert.ok(pulled.length >= 6);
    for (let i = 0; i < 100 && exported.stats().spans < pulled.length; i++) await sleep(100);
    const pushed = exported.spans({ service: 'catalogue', limit: 1000 });
    const key = (s: { traceId: string; spanId: string; name: string; kind: string; pod: string }) =>
      `${s.traceId}/${s.spanId} ${s.name} ${s.kind} ${s.pod}`;
    const pushedKeys = new Set(pushed.map(key));
    assert.ok(
      pulled.every((s) => pushedKeys.has(key(s))),
      'every pulled catalogue span also arrived over OTLP',
    );
  });
});

describe('span collector and a pod that restarts', () => {
  let server: Server;
  let ring = new SpanRing(100, 'orders-1');
  const span = (n: number) =>
    ({
      spanContext: () => ({
        traceId: n.toString(16).padStart(32, 'a'),
        spanId: n.toString(16).padStart(16, 'b'),
        traceFlags: 1,
      }),
      parentSpanContext: undefined,
      name: `GET /orders/${n}`,
      kind: 1,
      resource: { attributes: { 'service.name': 'orders' } },
      startTime: [1767261600 + n, 0],
      endTime: [1767261600 + n, 5_000_000],
      status: { code: 0 },
      attributes: { 'url.path': `/orders/${n}` },
    }) as unknown as Parameters<SpanRing['export']>[0][number];
  const emit = (...ns: number[]) => ring.export(ns.map(span), () => {});

  before(async () => {
    // The pod side is the shop's real SpanRing behind the same /spans contract as http-server.ts.
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const page = ring.since(
        Number(url.searchParams.get('after') ?? 0),
        Number(url.searchParams.get('limit') ?? 1000),
      );
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(page));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('resets its cursor when the pod’s sequence starts again, and reads the new run', async () => {
    const address = server.address() as { port: number };
    const store = new TraceStore();
    const collector = new SpanCollector({
      store,
      targets: () => [{ pod: 'orders-1', url: `http://127.0.0.1:${address.port}`, service: 'orders' }],
      pageSize: 2,
    });
    emit(1, 2, 3, 4, 5);
    await collector.pollOnce();
    assert.equal(store.stats().spans, 5);
    assert.equal(collector.status()[0]?.cursor, 5);
    await collector.pollOnce();
    assert.equal(collector.status()[0]?.cursor, 5, 'an idle pod keeps its cursor');

    ring = new SpanRing(100, 'orders-1'); // the container restarted: sequence numbers begin again
    emit(6, 7);
    await collector.pollOnce();
    assert.equal(store.stats().spans, 7);
    assert.equal(collector.status()[0]?.cursor, 2);
    const durations = store.spans({ service: 'orders', limit: 10 }).map((s) => s.durationUs);
    assert.deepEqual(new Set(durations), new Set([5000]));
  });
});
