/**
 * PromQL over the run's telemetry. Answers are summaries, never raw dumps: an instant query returns
 * at most `limit` series sorted by value; a range query at most 20 series with ≤ 60 downsampled
 * points each plus min/max/avg/last.
 */
import { z } from 'zod';
import type { RangeSeries } from '../../telemetry/index.js';
import { ToolError } from '../errors.js';
import { defineTool, durationMs, durationText, limit } from '../tool.js';

const promql = z.string().min(1).max(4000);
/** ISO time or epoch seconds. */
const instant = z.union([z.string().min(1), z.number()]).describe('ISO time or epoch seconds');

function toMs(value: string | number, field: string): number {
  const ms = typeof value === 'number' ? value * 1000 : Date.parse(value);
  if (!Number.isFinite(ms))
    throw new ToolError('invalid_argument', `${field}: not an ISO time or epoch seconds`);
  return ms;
}

/** Six significant digits are plenty for an agent and halve the answer. */
const round = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(6)) : v);

const MAX_POINTS = 60;
const MAX_SERIES = 20;

/** Evenly spaced buckets, each the mean of its points (min and max are reported over all points). */
function summarizeSeries(s: RangeSeries) {
  const pairs = s.ts.map((t, i) => [t, s.vs[i]] as const).filter(([, v]) => !Number.isNaN(v));
  const values = pairs.map(([, v]) => v);
  const bucket = Math.max(1, Math.ceil(pairs.length / MAX_POINTS));
  const points: Array<[number, number]> = [];
  for (let i = 0; i < pairs.length; i += bucket) {
    const slice = pairs.slice(i, i + bucket);
    const mean = slice.reduce((a, [, v]) => a + v, 0) / slice.length;
    points.push([Math.round(slice[slice.length - 1][0] / 1000), round(mean)]);
  }
  const sum = values.reduce((a, v) => a + v, 0);
  return {
    labels: s.labels,
    points,
    min: values.length ? round(Math.min(...values)) : null,
    max: values.length ? round(Math.max(...values)) : null,
    avg: values.length ? round(sum / values.length) : null,
    last: values.length ? round(values[values.length - 1]) : null,
  };
}

function rangeAnswer(series: RangeSeries[]) {
  const summaries = series.map(summarizeSeries).sort((a, b) => (b.max ?? -Infinity) - (a.max ?? -Infinity));
  return { resultType: 'matrix', totalSeries: series.length, series: summaries.slice(0, MAX_SERIES) };
}

export const query = defineTool({
  name: 'query',
  description:
    'PromQL instant query (at `time`, default now). Returns at most `limit` series, sorted by value, highest first, and the total count.',
  kind: 'read',
  input: z.strictObject({ promql, time: instant.optional(), limit: limit(20, 100) }),
  async run(ctx, args) {
    const at = args.time === undefined ? Date.now() : toMs(args.time, 'time');
    const value = ctx.telemetry.query(args.promql, at);
    switch (value.type) {
      case 'scalar':
        return { resultType: 'scalar', value: round(value.v) };
      case 'string':
        return { resultType: 'string', value: value.s.slice(0, 1000) };
      case 'matrix':
        return rangeAnswer(value.series);
      case 'vector': {
        const samples = [...value.samples].sort((a, b) =>
          Number.isNaN(a.v) ? 1 : Number.isNaN(b.v) ? -1 : b.v - a.v,
        );
        return {
          resultType: 'vector',
          time: new Date(at).toISOString(),
          totalSeries: samples.length,
          series: samples.slice(0, args.limit).map((s) => ({ labels: s.labels, value: round(s.v) })),
        };
      }
    }
  },
});

export const queryRange = defineTool({
  name: 'query_range',
  description:
    'PromQL range query over the last `since` (default "15m") or from `start` to `end` (default now). Per series (at most 20, largest peak first): ≤ 60 downsampled [epochSeconds, value] points, and min, max, avg, last.',
  kind: 'read',
  input: z.strictObject({
    promql,
    since: durationText.optional(),
    start: instant.optional(),
    end: instant.optional(),
    step: durationText.optional().describe('resolution; default the window / 120, at least 1s'),
  }),
  async run(ctx, args) {
    if (args.since !== undefined && args.start !== undefined)
      throw new ToolError('invalid_argument', 'since: give either since or start, not both');
    const end = args.end === undefined ? Date.now() : toMs(args.end, 'end');
    const start =
      args.start !== undefined ? toMs(args.start, 'start') : end - durationMs(args.since ?? '15m');
    if (!(start < end)) throw new ToolError('invalid_argument', 'start: must be before end');
    if (end - start > 24 * 3_600_000)
      throw new ToolError('invalid_argument', 'since: the window is at most 24h');
    const step = Math.max(
      args.step ? durationMs(args.step) : (end - start) / 120,
      1000,
      (end - start) / 11_000,
    );
    return {
      start: new Date(start).toISOString(),
      end: new Date(end).toISOString(),
      stepSeconds: step / 1000,
      ...rangeAnswer(ctx.telemetry.queryRange(args.promql, start, end, step)),
    };
  },
});

export const listMetrics = defineTool({
  name: 'list_metrics',
  description: 'Metric names the telemetry holds, with TYPE and HELP; `match` filters by substring.',
  kind: 'read',
  input: z.strictObject({ match: z.string().max(200).optional(), limit: limit(100, 200) }),
  async run(ctx, args) {
    const needle = args.match?.toLowerCase();
    const names = ctx.telemetry.tsdb.metricNames().filter((n) => !needle || n.toLowerCase().includes(needle));
    const meta = ctx.telemetry.scraper.metadata();
    const family = (n: string) =>
      meta.get(n) ?? meta.get(n.replace(/_(bucket|count|sum|total|created)$/, ''));
    return {
      total: names.length,
      metrics: names
        .slice(0, args.limit)
        .map((name) => ({ name, type: family(name)?.type, help: family(name)?.help })),
    };
  },
});
