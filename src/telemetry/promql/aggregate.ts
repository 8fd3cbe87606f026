import { METRIC_NAME, labelsKey, onlyLabels, withoutLabels, type Labels } from '../tsdb/labels.js';
import { formatFloat } from './literals.js';
import { EvalError, quantileOf, type Sample } from './values.js';

export interface AggregateSpec {
  op: string;
  grouping: string[];
  without: boolean;
  /** Numeric parameter (topk, bottomk, quantile) or label name (count_values). */
  param: number | string | undefined;
}

interface Group {
  labels: Labels;
  samples: Sample[];
}

const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function groupLabels(labels: Labels, spec: AggregateSpec): Labels {
  return spec.without
    ? withoutLabels(labels, [...spec.grouping, METRIC_NAME])
    : onlyLabels(labels, spec.grouping);
}

const groupCache = new WeakMap<Labels, Map<string, { labels: Labels; key: string }>>();

/** Group labels and key of a series, memoised per label set and grouping (range queries repeat them per step). */
function groupOf(labels: Labels, spec: AggregateSpec): { labels: Labels; key: string } {
  const specKey = `${spec.without ? '-' : '+'}${spec.grouping.join('\u0000')}`;
  let bySpec = groupCache.get(labels);
  if (!bySpec) groupCache.set(labels, (bySpec = new Map()));
  let group = bySpec.get(specKey);
  if (!group) {
    const projected = groupLabels(labels, spec);
    bySpec.set(specKey, (group = { labels: projected, key: labelsKey(projected) }));
  }
  return group;
}

function groupBy(samples: Sample[], spec: AggregateSpec): Group[] {
  const groups = new Map<string, Group>();
  for (const s of samples) {
    const { labels, key } = groupOf(s.labels, spec);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { labels, samples: [] }));
    g.samples.push(s);
  }
  return [...groups.values()];
}

/** Incremental mean with Prometheus' handling of infinities. */
function mean(values: number[]): number {
  let m = values[0];
  for (let i = 1; i < values.length; i++) {
    const v = values[i];
    const count = i + 1;
    if (!Number.isFinite(m) && !Number.isNaN(m)) {
      if (!Number.isFinite(v) && !Number.isNaN(v) && m > 0 === v > 0) continue;
      if (Number.isFinite(v)) continue;
    }
    m += v / count - m / count;
  }
  return m;
}

function variance(values: number[]): number {
  let m = values[0];
  let acc = 0;
  for (let i = 1; i < values.length; i++) {
    const v = values[i];
    const delta = v - m;
    m += delta / (i + 1);
    acc += delta * (v - m);
  }
  return acc / values.length;
}

const SIMPLE: Record<string, (values: number[]) => number> = {
  sum: (vs) => vs.reduce((a, b) => a + b, 0),
  avg: mean,
  count: (vs) => vs.length,
  group: () => 1,
  min: (vs) => vs.reduce((min, v) => (v < min || Number.isNaN(min) ? v : min)),
  max: (vs) => vs.reduce((max, v) => (v > max || Number.isNaN(max) ? v : max)),
  stdvar: variance,
  stddev: (vs) => Math.sqrt(variance(vs)),
};

export function aggregate(samples: Sample[], spec: AggregateSpec): Sample[] {
  const { op, param } = spec;
  if (op === 'topk' || op === 'bottomk') return selectK(samples, spec, Number(param), op === 'topk');
  if (op === 'count_values') return countValues(samples, spec, String(param));
  const groups = groupBy(samples, spec);
  if (op === 'quantile') {
    return groups.map((g) => ({
      labels: g.labels,
      v: quantileOf(
        Number(param),
        g.samples.map((s) => s.v),
      ),
    }));
  }
  const fn = SIMPLE[op];
  if (!fn) throw new EvalError(`unsupported aggregation ${op}`);
  return groups.map((g) => ({ labels: g.labels, v: fn(g.samples.map((s) => s.v)) }));
}

/** topk/bottomk keep the original series (with their labels); NaN ranks last. */
function selectK(samples: Sample[], spec: AggregateSpec, kParam: number, top: boolean): Sample[] {
  const k = Math.trunc(kParam);
  if (!(k >= 1)) return [];
  const out: Sample[] = [];
  for (const g of groupBy(samples, spec)) {
    const ranked = [...g.samples].sort((a, b) => {
      if (Number.isNaN(a.v)) return Number.isNaN(b.v) ? 0 : 1;
      if (Number.isNaN(b.v)) return -1;
      return top ? b.v - a.v : a.v - b.v;
    });
    out.push(...ranked.slice(0, k).map((s) => ({ labels: s.labels, v: s.v })));
  }
  return out;
}

function countValues(samples: Sample[], spec: AggregateSpec, label: string): Sample[] {
  if (!LABEL_NAME_RE.test(label)) throw new EvalError(`invalid label name ${JSON.stringify(label)}`);
  const counts = new Map<string, Sample>();
  for (const s of samples) {
    const labels = { ...groupLabels(s.labels, spec), [label]: formatFloat(s.v) };
    const key = labelsKey(labels);
    const entry = counts.get(key);
    if (entry) entry.v++;
    else counts.set(key, { labels, v: 1 });
  }
  return [...counts.values()];
}
