/**
 * The lab's telemetry runtime: one call wires the pieces together for a running platform —
 * - a Prometheus-style scraper over every pod's metrics endpoint (targets from `targets.ts`),
 * - cAdvisor / kube-state-metrics series sampled from the Platform interface (`platform-series/`),
 * - pod logs (via `Platform.podLogs`), spans (pods' `/spans`, plus an OTLP/JSON receiver) and
 *   Kubernetes events (via `Platform.listEvents`),
 * - one loopback HTTP server: the Prometheus HTTP API under `/api/v1/*`, and `/api/logs`,
 *   `/api/traces`, `/api/spans`, `/api/events`, `POST /v1/traces`.
 * All collectors share the scrape interval except logs and spans, which poll faster by default.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Platform } from '../platform/types.js';
import { prometheusApi } from './api/routes.js';
import { EventCollector, EventLog } from './events/index.js';
import { LogStore, PlatformLogCollector, type LogStoreOptions } from './logs/index.js';
import { PlatformSeriesCollector, PLATFORM_FAMILIES } from './platform-series/index.js';
import { PromqlEngine, type EngineOptions } from './promql/engine.js';
import type { RangeSeries, Value } from './promql/values.js';
import { runtimeRoutes } from './runtime-routes.js';
import { Scraper, type ScrapeTarget, type TargetStatus } from './scrape/scraper.js';
import { scrapeTargets, spanTargets } from './targets.js';
import { SpanCollector, TraceStore, type TraceStoreOptions } from './traces/index.js';
import { Tsdb, type TsdbOptions } from './tsdb/tsdb.js';

export interface TelemetryOptions {
  platform: Platform;
  /** Namespace whose pods are scraped (default the platform's). */
  namespace?: string;
  /** Scrape and platform-series interval; default 5,000 ms. */
  scrapeIntervalMs?: number;
  /** Log and span polling interval; default min(2,000 ms, scrape interval). */
  pollIntervalMs?: number;
  /** Port of the HTTP server; default 9090 (Prometheus'), any free port when that one is taken. 0 = any. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Scrape targets outside the platform (e.g. a real RabbitMQ's management /metrics). */
  extraTargets?: () => ScrapeTarget[];
  tsdb?: TsdbOptions;
  engine?: EngineOptions;
  logs?: LogStoreOptions;
  traces?: TraceStoreOptions;
  /** Collector errors (a failed round); scrape failures are not errors, they show as `up == 0`. */
  onError?: (error: unknown) => void;
}

export interface Telemetry {
  readonly tsdb: Tsdb;
  readonly engine: PromqlEngine;
  readonly scraper: Scraper;
  readonly platformSeries: PlatformSeriesCollector;
  readonly logs: LogStore;
  readonly traces: TraceStore;
  readonly events: EventLog;
  /** Base URL of the HTTP server, e.g. http://127.0.0.1:9090 */
  readonly url: string;
  readonly port: number;
  /** Instant query at `timeMs` (default now). Throws ParseError / EvalError / QueryTimeoutError. */
  query(expr: string, timeMs?: number): Value;
  queryRange(expr: string, startMs: number, endMs: number, stepMs: number): RangeSeries[];
  targets(): TargetStatus[];
  /** One round of every collector now (evidence snapshots and tests read right after). */
  collectNow(): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_PORT = 9090;

export async function startTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  const { platform } = options;
  const namespace = options.namespace ?? platform.namespace;
  const intervalMs = options.scrapeIntervalMs ?? 5000;
  const pollMs = options.pollIntervalMs ?? Math.min(2000, intervalMs);
  const onError = options.onError ?? (() => {});
  const pods = async () => (await platform.listPods()).filter((p) => p.namespace === namespace);

  const tsdb = new Tsdb(options.tsdb);
  const engine = new PromqlEngine(tsdb, options.engine);
  const scraper = new Scraper({
    tsdb,
    intervalMs,
    targets: async () => [...scrapeTargets(await pods()), ...(options.extraTargets?.() ?? [])],
  });
  for (const [name, meta] of PLATFORM_FAMILIES) scraper.describe(name, meta);
  const platformSeries = new PlatformSeriesCollector({ platform, tsdb, intervalMs, onError });

  const logs = new LogStore(options.logs);
  const logCollector = new PlatformLogCollector({
    platform: { listPods: pods, podLogs: (pod, o) => platform.podLogs(pod, o) },
    store: logs,
    intervalMs: pollMs,
    onError,
  });
  const traces = new TraceStore(options.traces);
  const spanCollector = new SpanCollector({
    store: traces,
    targets: async () => spanTargets(await pods()),
    intervalMs: pollMs,
    // A pod that is starting or has no /spans is not a collector failure.
    onError: () => {},
  });
  const events = new EventLog();
  const eventCollector = new EventCollector({ platform, log: events, intervalMs: pollMs, onError });

  const app = Fastify({ logger: false });
  await app.register(prometheusApi, { engine, scraper });
  await app.register(runtimeRoutes, { logs, traces, events });
  const port = await listen(app, options.port ?? DEFAULT_PORT, options.host ?? '127.0.0.1');
  const url = `http://${options.host ?? '127.0.0.1'}:${port}`;

  scraper.start();
  platformSeries.start();
  logCollector.start();
  spanCollector.start();
  eventCollector.start();

  let closing: Promise<void> | undefined;
  return {
    tsdb,
    engine,
    scraper,
    platformSeries,
    logs,
    traces,
    events,
    url,
    port,
    query: (expr, timeMs = Date.now()) => engine.instantQuery(expr, timeMs),
    queryRange: (expr, startMs, endMs, stepMs) => engine.rangeQuery(expr, startMs, endMs, stepMs),
    targets: () => scraper.targetStatuses(),
    async collectNow() {
      await Promise.all([
        scraper.scrapeAll(),
        platformSeries.collectOnce(),
        logCollector.pollOnce(),
        spanCollector.pollOnce(),
        eventCollector.pollOnce(),
      ]);
    },
    close() {
      closing ??= (async () => {
        await Promise.all(
          [scraper, platformSeries, logCollector, spanCollector, eventCollector].map((c) => c.stop()),
        );
        await app.close();
      })();
      return closing;
    },
  };
}

/** Listens on `port`; when the default port is taken, on any free port instead. */
async function listen(app: FastifyInstance, port: number, host: string): Promise<number> {
  try {
    await app.listen({ port, host });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0) throw err;
    await app.listen({ port: 0, host });
  }
  const address = app.server.address();
  return typeof address === 'object' && address ? address.port : port;
}
