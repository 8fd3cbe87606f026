/** A label set: label name → value. `__name__` carries the metric name. Treated as immutable once built. */
export type Labels = Readonly<Record<string, string>>;

export const METRIC_NAME = '__name__';

// Label sets are immutable, so derived keys and copies are memoised per object (queries revisit them every step).
const keyCache = new WeakMap<Labels, string>();
const nameless = new WeakMap<Labels, Labels>();

/** Canonical identity of a label set: names sorted, empty values dropped (as Prometheus does). */
export function labelsKey(labels: Labels): string {
  let key = keyCache.get(labels);
  if (key === undefined) keyCache.set(labels, (key = computeKey(labels)));
  return key;
}

function computeKey(labels: Labels): string {
  const names = Object.keys(labels).sort();
  let key = '';
  for (const name of names) {
    const value = labels[name];
    if (value === undefined || value === '') continue;
    key += name + '\u0000' + value + '\u0001';
  }
  return key;
}

/** Returns a copy with sorted keys and empty values removed. */
export function normalizeLabels(labels: Labels): Labels {
  const out: Record<string, string> = {};
  for (const name of Object.keys(labels).sort()) {
    const value = labels[name];
    if (value !== undefined && value !== '') out[name] = value;
  }
  return out;
}

export function withoutLabels(labels: Labels, drop: Iterable<string>): Record<string, string> {
  const out: Record<string, string> = { ...labels };
  for (const name of drop) delete out[name];
  return out;
}

export function onlyLabels(labels: Labels, keep: Iterable<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of keep) {
    const value = labels[name];
    if (value !== undefined && value !== '') out[name] = value;
  }
  return out;
}

/** The label set without `__name__` (the same object when it has none). */
export function dropMetricName(labels: Labels): Labels {
  if (!(METRIC_NAME in labels)) return labels;
  let out = nameless.get(labels);
  if (out === undefined) nameless.set(labels, (out = withoutLabels(labels, [METRIC_NAME])));
  return out;
}
