/**
 * Captures evidence over a window — metrics from range queries, log excerpts with a summary,
 * events, traces and dependencies — as one JSON document, and saves it (with charts) to a run folder.
 * The metrics engine is passed in as a function, so a remote Prometheus fits as well.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventLog, EventQuery } from '../events/index.js';
import type { LogQuery, LogStore } from '../logs/index.js';
import { toEpochMs } from '../polling/periodic.js';
import type { TraceQuery, TraceStore } from '../traces/index.js';
import { renderPngs } from './png.js';
import { renderMetricChartSvg } from './svg-chart.js';
import type { EvidenceSnapshot, RangeQueryFn, SnapshotMetric } from './types.js';

type Time = number | string | Date;

export interface CaptureOptions {
  /** File-safe name of the snapshot, e.g. "baseline", "during", "after". */
  label: string;
  window: { start: Time; end: Time };
  /** Resolution of metric queries; default window/120, at least 1 s. */
  stepMs?: number;
  promql?: RangeQueryFn;
  queries?: Array<{ name: string; expr: string; unit?: string }>;
  /** Log excerpt: default the 200 newest warn-or-worse lines of the window. */
  logs?: { store: LogStore; filter?: Omit<LogQuery, 'from' | 'to' | 'cursor'> };
  events?: { log: EventLog; filter?: Omit<EventQuery, 'since' | 'until'> };
  /** Trace excerpt: default the 20 newest traces with an error in the window. */
  traces?: { store: TraceStore; filter?: Omit<TraceQuery, 'from' | 'to'> };
  faultWindow?: { start: Time; end: Time; label?: string };
  markers?: Array<{ at: Time; label: string }>;
  now?: () => number;
}

export async function captureSnapshot(options: CaptureOptions): Promise<EvidenceSnapshot> {
  const startMs = toEpochMs(options.window.start);
  const endMs = toEpochMs(options.window.end);
  if (!(endMs > startMs)) throw new RangeError('evidence window: end must be after start');
  const stepMs = options.stepMs ?? Math.max(1000, Math.round((endMs - startMs) / 120));
  const iso = (t: Time) => new Date(toEpochMs(t)).toISOString();

  const metrics: SnapshotMetric[] = [];
  for (const q of options.queries ?? []) {
    const metric: SnapshotMetric = {
      name: q.name,
      expr: q.expr,
      ...(q.unit ? { unit: q.unit } : {}),
      series: [],
    };
    try {
      if (!options.promql) throw new Error('no PromQL engine given');
      const series = await options.promql(q.expr, startMs, endMs, stepMs);
      metric.series = series.map((s) => ({
        labels: { ...s.labels },
        points: s.ts.map((t, i): [number, number | null] => [t, Number.isFinite(s.vs[i]) ? s.vs[i] : null]),
      }));
    } catch (error) {
      metric.error = (error as Error).message;
    }
    metrics.push(metric);
  }

  const snapshot: EvidenceSnapshot = {
    kind: 'sockshop-lab/evidence',
    version: 1,
    label: options.label,
    capturedAt: new Date((options.now ?? Date.now)()).toISOString(),
    window: { start: iso(startMs), end: iso(endMs), stepMs },
    metrics,
    annotations: {
      ...(options.faultWindow
        ? {
            faultWindow: {
              start: iso(options.faultWindow.start),
              end: iso(options.faultWindow.end),
              ...(options.faultWindow.label ? { label: options.faultWindow.label } : {}),
            },
          }
        : {}),
      markers: (options.markers ?? []).map((m) => ({ at: iso(m.at), label: m.label })),
    },
  };
  const range = { from: startMs, to: endMs };
  if (options.logs) {
    const { store, filter } = options.logs;
    snapshot.logs = {
      summary: store.summarize({ ...range, service: filter?.service, pod: filter?.pod }),
      entries: store.search({ level: 'warn', limit: 200, ...filter, ...range }).entries,
    };
  }
  if (options.events) {
    const query = { ...options.events.filter, since: startMs, until: endMs };
    snapshot.events = {
      summary: options.events.log.summarize(query),
      items: options.events.log.query({ limit: 500, ...query }),
    };
  }
  if (options.traces) {
    const { store, filter } = options.traces;
    snapshot.traces = {
      matching: store.query({ error: true, ...filter, ...range }),
      dependencies: store.dependencies(range),
    };
  }
  return snapshot;
}

export interface SavedSnapshot {
  json: string;
  svgs: string[];
  pngs: string[];
  /** Why PNGs were not written (no Chromium, launch failure), when they were not. */
  pngSkipped?: string;
}

/**
 * Writes `<runDir>/evidence/<label>.json` and, per metric query with data, `<label>-<name>.svg`
 * and (with Chromium) `.png`.
 */
export async function saveSnapshot(
  runDir: string,
  snapshot: EvidenceSnapshot,
  options: { charts?: boolean; png?: boolean; chromiumPath?: string } = {},
): Promise<SavedSnapshot> {
  const dir = join(runDir, 'evidence');
  await mkdir(dir, { recursive: true });
  const base = fileSafe(snapshot.label);
  const json = join(dir, `${base}.json`);
  await writeFile(json, JSON.stringify(snapshot, null, 2) + '\n');
  const saved: SavedSnapshot = { json, svgs: [], pngs: [] };
  if (options.charts === false) return saved;

  const charts = snapshot.metrics
    .filter((m) => m.series.length > 0)
    .map((m) => ({
      svg: renderMetricChartSvg(m, { window: snapshot.window, annotations: snapshot.annotations }),
      path: join(dir, `${base}-${fileSafe(m.name)}`),
    }));
  for (const chart of charts) {
    await writeFile(`${chart.path}.svg`, chart.svg);
    saved.svgs.push(`${chart.path}.svg`);
  }
  if (options.png === false || charts.length === 0) return saved;
  const result = await renderPngs(
    charts.map((c) => ({ svg: c.svg, path: `${c.path}.png` })),
    options.chromiumPath,
  );
  if (result.ok) saved.pngs.push(...charts.map((c) => `${c.path}.png`));
  else saved.pngSkipped = result.reason;
  return saved;
}

export function fileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '') || 'snapshot';
}
