import { METRIC_NAME, dropMetricName, labelsKey, withoutLabels, type Labels } from '../tsdb/labels.js';
import { compileRe2, RegexError } from '../tsdb/matchers.js';
import { bucketQuantile } from './histogram.js';
import { parseGoFloat } from './literals.js';
import { EvalError, compareNaNFirst, type Sample } from './values.js';

const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Functions applied value by value; their output drops the metric name. */
const MATH: Readonly<Record<string, (v: number) => number>> = {
  abs: Math.abs,
  ceil: Math.ceil,
  floor: Math.floor,
  exp: Math.exp,
  ln: Math.log,
  log2: Math.log2,
  log10: Math.log10,
  sqrt: Math.sqrt,
  sgn: (v) => (v > 0 ? 1 : v < 0 ? -1 : v),
};

const CALENDAR: Readonly<Record<string, (d: Date) => number>> = {
  minute: (d) => d.getUTCMinutes(),
  hour: (d) => d.getUTCHours(),
  day_of_week: (d) => d.getUTCDay(),
  day_of_month: (d) => d.getUTCDate(),
  day_of_year: (d) =>
    (Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) /
      86400_000 +
    1,
  days_in_month: (d) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate(),
  month: (d) => d.getUTCMonth() + 1,
  year: (d) => d.getUTCFullYear(),
};

export function isMathFunction(name: string): boolean {
  return name in MATH || name in CALENDAR;
}

export function mapValues(name: string, vec: Sample[]): Sample[] {
  const calendar = CALENDAR[name];
  const fn = calendar ? (v: number) => (Number.isFinite(v) ? calendar(new Date(v * 1000)) : NaN) : MATH[name];
  return vec.map((s) => ({ labels: dropMetricName(s.labels), v: fn(s.v) }));
}

export function round(vec: Sample[], toNearest: number): Sample[] {
  const inverse = 1 / toNearest;
  return vec.map((s) => ({ labels: dropMetricName(s.labels), v: Math.floor(s.v * inverse + 0.5) / inverse }));
}

export function clamp(vec: Sample[], min: number, max: number): Sample[] {
  if (max < min) return [];
  return vec.map((s) => ({ labels: dropMetricName(s.labels), v: goMax(min, goMin(max, s.v)) }));
}

function goMax(a: number, b: number): number {
  return Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b);
}
function goMin(a: number, b: number): number {
  return Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b);
}
export function clampOneSide(vec: Sample[], bound: number, isMin: boolean): Sample[] {
  return vec.map((s) => ({
    labels: dropMetricName(s.labels),
    v: isMin ? goMax(bound, s.v) : goMin(bound, s.v),
  }));
}

export function sortVector(vec: Sample[], descending: boolean): Sample[] {
  return [...vec].sort((a, b) => {
    if (Number.isNaN(a.v) || Number.isNaN(b.v)) return compareNaNFirst(a.v, b.v);
    return descending ? b.v - a.v : a.v - b.v;
  });
}

const bucketGroups = new WeakMap<Labels, { key: string; labels: Labels }>();

/** A bucket series' histogram identity (all labels but `le`) and the result labels (also without name, quantile). */
function bucketGroup(labels: Labels): { key: string; labels: Labels } {
  let group = bucketGroups.get(labels);
  if (!group) {
    const rest = withoutLabels(labels, ['le']);
    group = { key: labelsKey(rest), labels: withoutLabels(rest, [METRIC_NAME, 'quantile']) };
    bucketGroups.set(labels, group);
  }
  return group;
}

export function histogramQuantile(q: number, vec: Sample[]): Sample[] {
  const groups = new Map<string, { labels: Labels; buckets: { upperBound: number; count: number }[] }>();
  for (const s of vec) {
    const le = s.labels['le'];
    const upperBound = le === undefined ? undefined : parseGoFloat(le.trim());
    if (upperBound === undefined) continue;
    const { key, labels } = bucketGroup(s.labels);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { labels, buckets: [] }));
    g.buckets.push({ upperBound, count: s.v });
  }
  return [...groups.values()].map((g) => ({ labels: g.labels, v: bucketQuantile(q, g.buckets) }));
}

/** Go regexp.Expand: `$1`, `${1}`, `$name`, `${name}`, `$$`. Names take the longest run of word characters. */
function expandTemplate(template: string, match: RegExpExecArray): string {
  return template.replace(
    /\$(?:\$|\{([^}]*)\}|(\w+))/g,
    (whole, braced: string | undefined, bare: string | undefined) => {
      if (whole === '$$') return '$';
      const name = braced ?? bare ?? '';
      if (/^\d+$/.test(name)) return match[Number(name)] ?? '';
      return match.groups?.[name] ?? '';
    },
  );
}

export function labelReplace(
  vec: Sample[],
  dst: string,
  replacement: string,
  src: string,
  regex: string,
): Sample[] {
  let re: RegExp;
  try {
    re = compileRe2(regex);
  } catch (err) {
    if (err instanceof RegexError)
      throw new EvalError(`invalid regular expression in label_replace(): ${regex}`);
    throw err;
  }
  if (!LABEL_NAME_RE.test(dst))
    throw new EvalError(`invalid destination label name in label_replace(): ${dst}`);
  return vec.map((s) => {
    const match = re.exec(s.labels[src] ?? '');
    if (!match) return s;
    const value = expandTemplate(replacement, match);
    const labels: Record<string, string> = { ...s.labels };
    if (value === '') delete labels[dst];
    else labels[dst] = value;
    return { labels, v: s.v };
  });
}

export function labelJoin(vec: Sample[], dst: string, separator: string, sources: string[]): Sample[] {
  if (!LABEL_NAME_RE.test(dst)) throw new EvalError(`invalid destination label name in label_join(): ${dst}`);
  for (const src of sources)
    if (!LABEL_NAME_RE.test(src)) throw new EvalError(`invalid source label name in label_join(): ${src}`);
  return vec.map((s) => {
    const value = sources.map((src) => s.labels[src] ?? '').join(separator);
    const labels: Record<string, string> = { ...s.labels };
    if (value === '') delete labels[dst];
    else labels[dst] = value;
    return { labels, v: s.v };
  });
}
