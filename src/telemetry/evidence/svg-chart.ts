/**
 * A line chart of one metric query as hand-written SVG: y axis with "nice" ticks, time axis with
 * UTC labels, one line per series (gaps where a value is missing), a legend, the fault window
 * shaded and actions as dashed vertical markers.
 */
import type { Annotations, SnapshotMetric } from './types.js';

export interface ChartOptions {
  width?: number;
  height?: number;
  title?: string;
  /** The x range (default: the data's). */
  window?: { start: string; end: string };
  annotations?: Annotations;
}

const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];
const MAX_LEGEND = 10;
const PLOT = { left: 72, right: 24, top: 44 };
const TIME_STEPS_S = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
];

export function renderMetricChartSvg(metric: SnapshotMetric, options: ChartOptions = {}): string {
  const width = options.width ?? 900;
  const shown = metric.series.slice(0, MAX_LEGEND);
  const hidden = metric.series.length - shown.length;
  const legendRows = Math.ceil((shown.length + (hidden > 0 ? 1 : 0)) / 3);
  const plotHeight = (options.height ?? 380) - PLOT.top - 48;
  const height = PLOT.top + plotHeight + 48 + legendRows * 18;
  const plotWidth = width - PLOT.left - PLOT.right;

  const points = metric.series.flatMap((s) => s.points);
  const times = points.map((p) => p[0]);
  const values = points.flatMap((p) => (p[1] === null ? [] : [p[1]]));
  const t0 = options.window ? Date.parse(options.window.start) : Math.min(...times);
  const t1 = options.window ? Date.parse(options.window.end) : Math.max(...times);
  const tSpan = t1 > t0 ? t1 - t0 : 1;
  const yTicks = niceTicks(
    values.length ? Math.min(0, ...values) : 0,
    values.length ? Math.max(...values) : 1,
  );
  const yMin = yTicks[0];
  const yMax = yTicks[yTicks.length - 1];
  const x = (t: number) => PLOT.left + ((t - t0) / tSpan) * plotWidth;
  const y = (v: number) => PLOT.top + plotHeight - ((v - yMin) / (yMax - yMin)) * plotHeight;
  const bottom = PLOT.top + plotHeight;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${PLOT.left}" y="22" font-size="15" font-weight="bold" fill="#222">${esc(options.title ?? metric.name)}</text>`,
    `<text x="${width - PLOT.right}" y="22" text-anchor="end" fill="#666">${esc(truncate(metric.expr, 90))}</text>`,
  );

  const fault = options.annotations?.faultWindow;
  if (fault) {
    const fx0 = clampX(x(Date.parse(fault.start)), PLOT.left, PLOT.left + plotWidth);
    const fx1 = clampX(x(Date.parse(fault.end)), PLOT.left, PLOT.left + plotWidth);
    if (fx1 > fx0) {
      out.push(
        `<rect x="${r(fx0)}" y="${PLOT.top}" width="${r(fx1 - fx0)}" height="${plotHeight}" fill="#d62728" fill-opacity="0.1"/>`,
      );
      out.push(
        `<text x="${r(fx0 + 4)}" y="${PLOT.top + 14}" fill="#b22222">${esc(fault.label ?? 'fault')}</text>`,
      );
    }
  }

  for (const v of yTicks) {
    const ty = r(y(v));
    out.push(
      `<line x1="${PLOT.left}" x2="${PLOT.left + plotWidth}" y1="${ty}" y2="${ty}" stroke="#e5e5e5"/>`,
    );
    out.push(
      `<text x="${PLOT.left - 6}" y="${ty}" dy="4" text-anchor="end" fill="#444">${esc(formatValue(v))}</text>`,
    );
  }
  if (metric.unit) {
    out.push(
      `<text transform="translate(16 ${PLOT.top + plotHeight / 2}) rotate(-90)" text-anchor="middle" fill="#444">${esc(metric.unit)}</text>`,
    );
  }
  const stepS = TIME_STEPS_S.find((s) => tSpan / 1000 / s <= 8) ?? 86400;
  for (let t = Math.ceil(t0 / (stepS * 1000)) * stepS * 1000; t <= t1; t += stepS * 1000) {
    const tx = r(x(t));
    out.push(`<line x1="${tx}" x2="${tx}" y1="${bottom}" y2="${bottom + 5}" stroke="#444"/>`);
    out.push(
      `<text x="${tx}" y="${bottom + 18}" text-anchor="middle" fill="#444">${timeLabel(t, stepS)}</text>`,
    );
  }
  out.push(`<text x="${PLOT.left + plotWidth}" y="${bottom + 34}" text-anchor="end" fill="#888">UTC</text>`);
  out.push(`<line x1="${PLOT.left}" x2="${PLOT.left}" y1="${PLOT.top}" y2="${bottom}" stroke="#444"/>`);
  out.push(
    `<line x1="${PLOT.left}" x2="${PLOT.left + plotWidth}" y1="${bottom}" y2="${bottom}" stroke="#444"/>`,
  );

  shown.forEach((s, i) => {
    const d = linePath(s.points, x, y);
    if (d)
      out.push(
        `<path d="${d}" fill="none" stroke="${PALETTE[i % PALETTE.length]}" stroke-width="1.8" stroke-linejoin="round"/>`,
      );
  });

  for (const marker of options.annotations?.markers ?? []) {
    const mx = x(Date.parse(marker.at));
    if (mx < PLOT.left || mx > PLOT.left + plotWidth) continue;
    out.push(
      `<line x1="${r(mx)}" x2="${r(mx)}" y1="${PLOT.top}" y2="${bottom}" stroke="#333" stroke-dasharray="4 3"/>`,
    );
    out.push(
      `<text x="${r(mx + 3)}" y="${PLOT.top - 4}" fill="#333" font-size="11">${esc(truncate(marker.label, 28))}</text>`,
    );
  }

  const legendTop = bottom + 40;
  const columnWidth = plotWidth / 3;
  shown.forEach((s, i) => {
    const lx = PLOT.left + (i % 3) * columnWidth;
    const ly = legendTop + Math.floor(i / 3) * 18;
    out.push(
      `<rect x="${r(lx)}" y="${ly - 9}" width="14" height="4" fill="${PALETTE[i % PALETTE.length]}"/>`,
    );
    out.push(
      `<text x="${r(lx + 20)}" y="${ly}" fill="#222">${esc(truncate(seriesName(s.labels, metric.name), 42))}</text>`,
    );
  });
  if (hidden > 0) {
    const i = shown.length;
    out.push(
      `<text x="${r(PLOT.left + (i % 3) * columnWidth)}" y="${legendTop + Math.floor(i / 3) * 18}" fill="#666">+${hidden} more series</text>`,
    );
  }
  out.push('</svg>');
  return out.join('\n');
}

/** "Nice" ticks (1, 2, 2.5, 5 × 10^n) covering [min, max], about five intervals. */
export function niceTicks(min: number, max: number): number[] {
  if (max <= min) max = min + (min === 0 ? 1 : Math.abs(min));
  const rough = (max - min) / 5;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= rough) ?? 10) * magnitude;
  const start = Math.floor(min / step) * step;
  const ticks: number[] = [];
  for (let v = start; v < max + step * 0.999; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

export function formatValue(v: number): string {
  const abs = Math.abs(v);
  if (abs >= 1e9) return `${trim(v / 1e9)}G`;
  if (abs >= 1e6) return `${trim(v / 1e6)}M`;
  if (abs >= 1e4) return `${trim(v / 1e3)}k`;
  return trim(v);
}

function trim(v: number): string {
  return String(Number(v.toPrecision(4)));
}

/** `{pod="a", route="/x"}` → `pod=a route=/x`; a single label shows its value alone. */
function seriesName(labels: Record<string, string>, fallback: string): string {
  const entries = Object.entries(labels).filter(([k]) => k !== '__name__');
  if (entries.length === 0) return fallback;
  if (entries.length === 1) return entries[0][1];
  return entries.map(([k, v]) => `${k}=${v}`).join(' ');
}

function linePath(
  points: Array<[number, number | null]>,
  x: (t: number) => number,
  y: (v: number) => number,
): string {
  let d = '';
  let drawing = false;
  for (const [t, v] of points) {
    if (v === null) {
      drawing = false;
      continue;
    }
    d += `${drawing ? 'L' : 'M'}${r(x(t))} ${r(y(v))} `;
    drawing = true;
  }
  return d.trim();
}

function timeLabel(t: number, stepS: number): string {
  const iso = new Date(t).toISOString();
  return stepS >= 60 ? iso.slice(11, 16) : iso.slice(11, 19);
}

function clampX(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

function r(v: number): string {
  return String(Math.round(v * 10) / 10);
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
