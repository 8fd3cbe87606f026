import type { Labels } from '../tsdb/labels.js';
import { formatFloat } from '../promql/literals.js';
import type { RangeSeries, Value } from '../promql/values.js';

type Point = [number, string];

export interface ApiData {
  resultType: 'matrix' | 'vector' | 'scalar' | 'string';
  result: unknown;
}

export function sortedLabels(labels: Labels): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(labels).sort()) out[name] = labels[name]!;
  return out;
}

const point = (ms: number, v: number): Point => [ms / 1000, formatFloat(v)];

/** Converts an evaluated instant query to the Prometheus API's `data` object. */
export function instantData(value: Value, timeMs: number): ApiData {
  switch (value.type) {
    case 'scalar':
      return { resultType: 'scalar', result: point(timeMs, value.v) };
    case 'string':
      return { resultType: 'string', result: [timeMs / 1000, value.s] };
    case 'vector':
      return {
        resultType: 'vector',
        result: value.samples.map((s) => ({ metric: sortedLabels(s.labels), value: point(timeMs, s.v) })),
      };
    case 'matrix':
      return { resultType: 'matrix', result: matrixResult(value.series) };
  }
}

export function matrixResult(series: RangeSeries[]): unknown[] {
  return series.map((s) => ({
    metric: sortedLabels(s.labels),
    values: s.ts.map((t, i) => point(t, s.vs[i])),
  }));
}
