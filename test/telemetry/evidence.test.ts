/**
 * Evidence: a snapshot over the real TSDB + PromQL engine, the log store, the event log and the
 * trace store, saved as JSON with SVG and PNG charts (PNG through headless Chromium when present).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { EventLog } from '../../src/telemetry/events/index.js';
import {
  captureSnapshot,
  DEFAULT_CHROMIUM,
  niceTicks,
  renderMetricChartSvg,
  saveSnapshot,
  type EvidenceSnapshot,
} from '../../src/telemetry/evidence/index.js';
import { PromqlEngine, Tsdb } from '../../src/telemetry/index.js';
import { LogStore } from '../../src/telemetry/logs/index.js';
import { TraceStore } from '../../src/telemetry/traces/index.js';

const T0 = Date.parse('2026-01-01T10:00:00.000Z');
const S = 1000;

/** Ten minutes of request counters for two pods; front-end errors climb during the fault (minutes 4–7). */
function engineWithTraffic(): PromqlEngine {
  const tsdb = new Tsdb();
  const total: Record<string, number> = { 'front-end-1': 0, 'catalogue-1': 0, errors: 0 };
  for (let t = 0; t <= 600; t += 15) {
    const faulty = t >= 240 && t < 420;
    total['front-end-1'] += 15 * (faulty ? 6 : 10);
    total['catalogue-1'] += 15 * 8;
    total.errors += faulty ? 15 * 4 : 0;
    tsdb.append(
      { __name__: 'requests_total', job: 'front-end', pod: 'front-end-1' },
      T0 + t * S,
      total['front-end-1'],
    );
    tsdb.append(
      { __name__: 'requests_total', job: 'catalogue', pod: 'catalogue-1' },
      T0 + t * S,
      total['catalogue-1'],
    );
    tsdb.append({ __name__: 'errors_total', job: 'front-end' }, T0 + t * S, total.errors);
  }
  return new PromqlEngine(tsdb);
}

describe('evidence snapshots', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  async function capture(): Promise<EvidenceSnapshot> {
    const engine = engineWithTraffic();
    const logs = new LogStore();
    logs.ingest(
      { pod: 'front-end-1', service: 'front-end' },
      JSON.stringify({
        level: 'error',
        time: new Date(T0 + 300 * S).toISOString(),
        msg: 'request failed',
        status: 500,
      }),
    );
    logs.ingest(
      { pod: 'front-end-1', service: 'front-end' },
      JSON.stringify({ level: 'info', time: new Date(T0 + 301 * S).toISOString(), msg: 'fine' }),
    );
    logs.ingest(
      { pod: 'front-end-1', service: 'front-end' },
      JSON.stringify({
        level: 'error',
        time: new Date(T0 + 900 * S).toISOString(),
        msg: 'outside the window',
      }),
    );
    const events = new EventLog();
    events.record([
      {
        name: 'catalogue-1.aa',
        type: 'Warning',
        reason: 'Unhealthy',
        message: 'Readiness probe failed: timeout',
        involvedObject: { kind: 'Pod', name: 'catalogue-1' },
        source: { component: 'kubelet' },
        count: 4,
        firstTimestamp: new Date(T0 + 250 * S).toISOString(),
        lastTimestamp: new Date(T0 + 280 * S).toISOString(),
      },
    ]);
    const traces = new TraceStore();
    traces.add([
      {
        traceId: 'a'.repeat(32),
        spanId: '1'.repeat(16),
        name: 'GET /catalogue',
        kind: 'SERVER',
        service: 'front-end',
        pod: 'front-end-1',
        startUs: (T0 + 310 * S) * 1000,
        durationUs: 2_000_000,
        status: 'ERROR',
        attributes: {},
      },
    ]);
    return captureSnapshot({
      label: 'during fault',
      window: { start: T0, end: new Date(T0 + 600 * S).toISOString() },
      stepMs: 15 * S,
      promql: (expr, start, end, step) => engine.rangeQuery(expr, start, end, step),
      queries: [
        { name: 'request rate', expr: 'sum by (job) (rate(requests_total[1m]))', unit: 'req/s' },
        {
          name: 'error ratio',
          expr: 'sum(rate(errors_total[1m])) / sum(rate(requests_total{job="front-end"}[1m]))',
        },
        { name: 'broken', expr: 'sum(rate(' },
      ],
      logs: { store: logs },
      events: { log: events },
      traces: { store: traces },
      faultWindow: { start: T0 + 240 * S, end: T0 + 420 * S, label: 'catalogue-db starved' },
      markers: [
        { at: T0 + 240 * S, label: 'inject' },
        { at: T0 + 420 * S, label: 'revert' },
      ],
      now: () => T0 + 601 * S,
    });
  }

  it('captures metrics over the window, log excerpts, events and traces of the window', async () => {
    const snapshot = await capture();
    assert.equal(snapshot.kind, 'sockshop-lab/evidence');
    assert.deepEqual(snapshot.window, {
      start: '2026-01-01T10:00:00.000Z',
      end: '2026-01-01T10:10:00.000Z',
      stepMs: 15000,
    });
    const [rate, ratio, broken] = snapshot.metrics;
    assert.deepEqual(
      rate.series.map((s) => s.labels),
      [{ job: 'catalogue' }, { job: 'front-end' }],
    );
    const frontEnd = rate.series[1].points;
    assert.equal(frontEnd.length, 40);
    assert.deepEqual(
      frontEnd.find(([t]) => t === T0 + 120 * S),
      [T0 + 120 * S, 10],
    );
    assert.deepEqual(
      frontEnd.find(([t]) => t === T0 + 330 * S),
      [T0 + 330 * S, 6],
    );
    assert.deepEqual(
      ratio.series[0].points.find(([t]) => t === T0 + 330 * S),
      [T0 + 330 * S, 4 / 6],
    );
    assert.match(broken.error ?? '', /./);
    assert.deepEqual(broken.series, []);
    assert.deepEqual(
      snapshot.logs?.entries.map((e) => e.msg),
      ['request failed'],
    );
    assert.equal(snapshot.logs?.summary.total, 2);
    assert.deepEqual(
      snapshot.events?.items.map((e) => e.reason),
      ['Unhealthy'],
    );
    assert.deepEqual(snapshot.events?.summary.byReason, { Unhealthy: 4 });
    assert.equal(snapshot.traces?.matching[0]?.traceId, 'a'.repeat(32));
    assert.deepEqual(
      snapshot.annotations.markers.map((m) => m.label),
      ['inject', 'revert'],
    );
    await assert.rejects(captureSnapshot({ label: 'x', window: { start: T0, end: T0 } }), RangeError);
  });

  it('saves JSON, an SVG per metric with data, and PNGs rendered by Chromium', async () => {
    const runDir = await mkdtemp(join(tmpdir(), 'evidence-'));
    dirs.push(runDir);
    const snapshot = await capture();
    const saved = await saveSnapshot(runDir, snapshot);
    assert.equal(saved.json, join(runDir, 'evidence', 'during-fault.json'));
    assert.deepEqual(JSON.parse(await readFile(saved.json, 'utf8')), JSON.parse(JSON.stringify(snapshot)));
    assert.deepEqual(
      saved.svgs,
      ['request-rate', 'error-ratio'].map((n) => join(runDir, 'evidence', `during-fault-${n}.svg`)),
    );
    const svg = await readFile(saved.svgs[0], 'utf8');
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(svg, />front-end</);
    assert.match(svg, />catalogue-db starved</);
    assert.match(svg, />10:04</);
    if (!existsSync(DEFAULT_CHROMIUM)) {
      assert.match(saved.pngSkipped ?? '', /SVG only/);
      return;
    }
    assert.equal(saved.pngSkipped, undefined);
    assert.equal(saved.pngs.length, 2);
    for (const png of saved.pngs) {
      const bytes = await readFile(png);
      assert.deepEqual([...bytes.subarray(1, 4)], [...Buffer.from('PNG')]);
      assert.equal(bytes.readUInt32BE(16), 900, 'PNG width is the chart width');
    }
    // EVIDENCE_KEEP=1 keeps the charts for a look.
    if (process.env.EVIDENCE_KEEP) {
      console.log(`charts kept in ${runDir}`);
      dirs.pop();
    }
  });

  it('writes SVG only and says why when Chromium is missing', async () => {
    const runDir = await mkdtemp(join(tmpdir(), 'evidence-'));
    dirs.push(runDir);
    const saved = await saveSnapshot(runDir, await capture(), { chromiumPath: join(runDir, 'no-chromium') });
    assert.equal(saved.svgs.length, 2);
    assert.deepEqual(saved.pngs, []);
    assert.match(saved.pngSkipped ?? '', /Chromium not found/);
  });

  it('draws gaps for missing values, escapes text and picks nice ticks', () => {
    const svg = renderMetricChartSvg({
      name: 'p95 <ms>',
      expr: 'x & y',
      series: [
        {
          labels: { route: '/a' },
          points: [
            [T0, 1],
            [T0 + S, null],
            [T0 + 2 * S, 3],
            [T0 + 3 * S, 4],
          ],
        },
      ],
    });
    assert.match(svg, /p95 &#60;ms&#62;/);
    assert.match(svg, /x &#38; y/);
    const path = /<path d="([^"]+)"/.exec(svg)?.[1] ?? '';
    assert.equal(path.match(/M/g)?.length, 2);
    assert.deepEqual(niceTicks(0, 0.93), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(niceTicks(0, 1234), [0, 250, 500, 750, 1000, 1250]);
    assert.deepEqual(niceTicks(0, 0), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  });
});
