/**
 * The charts of an evaluation run, over the whole run: the golden signals of the front-end (traffic by
 * status, error ratio, p95 latency, p95 per route), CPU per pod, queue depth and replicas, with the
 * fault window shaded and the agent's actions and diagnoses marked. Rendered with the evidence
 * module's SVG chart, inline in the HTML report.
 */
import type { CallLogEntry } from '../agent-api/call-log.js';
import type { RunLab } from '../scenarios/runner-lab.js';
import type { RunResult } from '../scenarios/runner.js';
import {
  captureSnapshot,
  renderMetricChartSvg,
  type EvidenceSnapshot,
  type SnapshotMetric,
} from '../telemetry/evidence/index.js';
import { callSummary } from './calls.js';

const FE = 'http_request_duration_seconds';

/** The charts; `$w` is the rate window, sized to the run (a 1m window over a 1-minute run only ramps up). */
export const RUN_CHARTS = [
  {
    name: 'Traffic: front-end requests by status',
    unit: 'req/s',
    expr: `sum(rate(${FE}_count{job="front-end"}[$w])) by (status_code)`,
  },
  {
    name: 'Errors: front-end 5xx ratio',
    unit: 'ratio',
    expr: `sum(rate(${FE}_count{job="front-end",status_code=~"5.."}[$w])) / sum(rate(${FE}_count{job="front-end"}[$w]))`,
  },
  {
    name: 'Latency: front-end p95',
    unit: 's',
    expr: `histogram_quantile(0.95, sum(rate(${FE}_bucket{job="front-end"}[$w])) by (le))`,
  },
  {
    name: 'Latency: p95 per front-end route',
    unit: 's',
    expr: `topk(8, histogram_quantile(0.95, sum(rate(${FE}_bucket{job="front-end",path!~"/catalogue/.+"}[$w])) by (le, path)))`,
  },
  {
    name: 'Saturation: CPU per pod',
    unit: 'cores',
    expr: 'topk(8, sum(rate(container_cpu_usage_seconds_total[$w])) by (pod))',
  },
  { name: 'Queue depth', unit: 'messages', expr: 'max(rabbitmq_queue_messages) by (queue)' },
  {
    name: 'Replicas (deployments that changed)',
    unit: 'pods',
    expr: 'max(kube_deployment_spec_replicas) by (deployment)',
  },
];

/** A rate window of about an eighth of the run, between 10 s and 1 m. */
export function rateWindow(runMs: number): string {
  return `${Math.round(Math.min(60, Math.max(10, runMs / 8000)))}s`;
}

/**
 * Markers closer than `gapMs` become one, labelled by the first action among them (else the first) and
 * how many more there were — so that labels do not print over each other.
 */
export function mergeMarkers(
  markers: Array<{ at: string; label: string }>,
  gapMs: number,
): Array<{ at: string; label: string }> {
  const sorted = [...markers].sort((a, b) => a.at.localeCompare(b.at));
  const groups: Array<Array<{ at: string; label: string }>> = [];
  for (const m of sorted) {
    const last = groups.at(-1);
    if (last && Date.parse(m.at) - Date.parse(last[0].at) < gapMs) last.push(m);
    else groups.push([m]);
  }
  return groups.map((g) => {
    const lead = g.find((m) => !m.label.startsWith('diagnosis')) ?? g[0];
    return { at: g[0].at, label: g.length > 1 ? `${lead.label} +${g.length - 1}` : lead.label };
  });
}

/** Only the series that moved, for charts with one flat line per deployment. */
function changedOnly(metric: SnapshotMetric): SnapshotMetric {
  const moved = metric.series.filter((s) => {
    const vs = s.points.flatMap((p) => (p[1] === null ? [] : [p[1]]));
    return vs.length > 0 && Math.min(...vs) !== Math.max(...vs);
  });
  return { ...metric, series: moved };
}

export async function captureRunCharts(
  lab: RunLab,
  result: RunResult,
  calls: CallLogEntry[],
): Promise<EvidenceSnapshot> {
  await lab.telemetry.collectNow();
  const start = Date.parse(result.startedAt);
  const end = Date.now();
  const window = rateWindow(end - start);
  const markers = calls
    .filter((c) => c.ok && c.kind !== 'read' && c.kind !== 'unknown')
    .map((c) => ({ at: c.at, label: callSummary(c) }));
  if (result.agent) markers.push({ at: result.agent.startedAt, label: 'agent starts' });
  if (result.revertedAt) markers.push({ at: result.revertedAt, label: 'revert' });
  const snap = await captureSnapshot({
    label: 'run',
    window: { start, end },
    promql: (e, s, en, st) => lab.telemetry.queryRange(e, s, en, st),
    queries: RUN_CHARTS.map((q) => ({ ...q, expr: q.expr.replaceAll('$w', window) })),
    ...(result.injectedAt && !result.control
      ? { faultWindow: { start: result.injectedAt, end: result.revertedAt ?? end, label: 'fault' } }
      : {}),
    markers: mergeMarkers(markers, (end - start) / 12),
  });
  snap.metrics = snap.metrics.map((m) => (m.name.startsWith('Replicas') ? changedOnly(m) : m));
  return snap;
}

/** Each chart as an SVG string (a note instead when the query had no data). */
export function renderRunCharts(
  snap: EvidenceSnapshot,
): Array<{ name: string; svg?: string; note?: string }> {
  return snap.metrics.map((m) =>
    m.series.length
      ? {
          name: m.name,
          svg: renderMetricChartSvg(m, {
            window: snap.window,
            annotations: snap.annotations,
            width: 960,
            height: 300,
          }),
        }
      : {
          name: m.name,
          note: m.error ? `query failed: ${m.error}` : 'no data (nothing changed or no series)',
        },
  );
}
