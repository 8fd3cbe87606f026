import {
  METRIC_NAME,
  dropMetricName,
  labelsKey,
  onlyLabels,
  withoutLabels,
  type Labels,
} from '../tsdb/labels.js';
import type { VectorMatching } from './ast.js';
import { isComparison } from './parser.js';
import { EvalError, type Sample } from './values.js';

const ARITHMETIC = new Set(['+', '-', '*', '/', '%', '^', 'atan2']);

/** Go's math.Pow differs from Math.pow for a base of ±1 with NaN/∞ exponents. */
function pow(x: number, y: number): number {
  if (x === 1) return 1;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  return Math.pow(x, y);
}

/** Applies `op` to two floats; for comparisons `keep` says whether the element survives. */
export function applyOp(op: string, l: number, r: number): { value: number; keep: boolean } {
  switch (op) {
    case '+':
      return { value: l + r, keep: true };
    case '-':
      return { value: l - r, keep: true };
    case '*':
      return { value: l * r, keep: true };
    case '/':
      return { value: l / r, keep: true };
    case '%':
      return { value: l % r, keep: true };
    case '^':
      return { value: pow(l, r), keep: true };
    case 'atan2':
      return { value: Math.atan2(l, r), keep: true };
    case '==':
      return { value: l, keep: l === r };
    case '!=':
      return { value: l, keep: l !== r };
    case '>':
      return { value: l, keep: l > r };
    case '<':
      return { value: l, keep: l < r };
    case '>=':
      return { value: l, keep: l >= r };
    case '<=':
      return { value: l, keep: l <= r };
    default:
      throw new EvalError(`operator ${JSON.stringify(op)} not allowed for this operation`);
  }
}

export function scalarBinop(op: string, l: number, r: number): number {
  const { value, keep } = applyOp(op, l, r);
  return isComparison(op) ? (keep ? 1 : 0) : value;
}

/** vector op scalar, or scalar op vector when `scalarOnLeft`. */
export function vectorScalarBinop(
  op: string,
  vec: Sample[],
  scalar: number,
  scalarOnLeft: boolean,
  returnBool: boolean,
): Sample[] {
  const out: Sample[] = [];
  for (const s of vec) {
    const [l, r] = scalarOnLeft ? [scalar, s.v] : [s.v, scalar];
    let { value, keep } = applyOp(op, l, r);
    // A comparison filter always keeps the vector element's value, whichever side it is on.
    if (isComparison(op) && scalarOnLeft) value = s.v;
    if (returnBool) {
      value = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) continue;
    const labels = ARITHMETIC.has(op) || returnBool ? dropMetricName(s.labels) : s.labels;
    out.push({ labels, v: value });
  }
  return out;
}

function signature(labels: Labels, matching: VectorMatching): string {
  return labelsKey(
    matching.on
      ? onlyLabels(labels, matching.labels)
      : withoutLabels(labels, [...matching.labels, METRIC_NAME]),
  );
}

function describe(labels: Labels): string {
  return (
    '{' +
    Object.entries(labels)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(', ') +
    '}'
  );
}

export function setBinop(op: string, lhs: Sample[], rhs: Sample[], matching: VectorMatching): Sample[] {
  const rightSigs = new Set(rhs.map((s) => signature(s.labels, matching)));
  if (op === 'and') return lhs.filter((s) => rightSigs.has(signature(s.labels, matching)));
  if (op === 'unless') return lhs.filter((s) => !rightSigs.has(signature(s.labels, matching)));
  const leftSigs = new Set(lhs.map((s) => signature(s.labels, matching)));
  return [...lhs, ...rhs.filter((s) => !leftSigs.has(signature(s.labels, matching)))];
}

/** Arithmetic and comparison between two instant vectors with one-to-one or group_left/right matching. */
export function vectorBinop(
  op: string,
  lhsIn: Sample[],
  rhsIn: Sample[],
  matching: VectorMatching,
  returnBool: boolean,
): Sample[] {
  const swapped = matching.card === 'one-to-many';
  const [many, one] = swapped ? [rhsIn, lhsIn] : [lhsIn, rhsIn];
  const oneSigs = new Map<string, Sample>();
  for (const s of one) {
    const sig = signature(s.labels, matching);
    const dup = oneSigs.get(sig);
    if (dup) {
      const side = swapped ? 'left' : 'right';
      const group = matching.on
        ? onlyLabels(s.labels, matching.labels)
        : withoutLabels(s.labels, [...matching.labels, METRIC_NAME]);
      throw new EvalError(
        `found duplicate series for the match group ${describe(group)} on the ${side} hand-side of the operation: ` +
          `[${describe(s.labels)}, ${describe(dup.labels)}];many-to-many matching not allowed: matching labels must be unique on one side`,
      );
    }
    oneSigs.set(sig, s);
  }
  const matched = new Map<string, Set<string> | null>();
  const out: Sample[] = [];
  for (const ls of many) {
    const sig = signature(ls.labels, matching);
    const rs = oneSigs.get(sig);
    if (!rs) continue;
    const [vl, vr] = swapped ? [rs.v, ls.v] : [ls.v, rs.v];
    let { value, keep } = applyOp(op, vl, vr);
    if (returnBool) {
      value = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) continue;
    let labels = resultLabels(ls.labels, rs.labels, op, matching);
    if (returnBool) labels = dropMetricName(labels);
    const seen = matched.get(sig);
    if (matching.card === 'one-to-one') {
      if (seen !== undefined)
        throw new EvalError(
          'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)',
        );
      matched.set(sig, null);
    } else {
      const key = labelsKey(labels);
      const inserted = seen ?? new Set<string>();
      if (inserted.has(key))
        throw new EvalError('multiple matches for labels: grouping labels must ensure unique matches');
      inserted.add(key);
      matched.set(sig, inserted);
    }
    out.push({ labels, v: value });
  }
  return out;
}

function resultLabels(many: Labels, one: Labels, op: string, matching: VectorMatching): Labels {
  let out: Record<string, string> = { ...many };
  if (ARITHMETIC.has(op)) delete out[METRIC_NAME];
  if (matching.card === 'one-to-one') {
    out = matching.on ? onlyLabels(out, matching.labels) : withoutLabels(out, matching.labels);
  }
  for (const name of matching.include) {
    const v = one[name];
    if (v !== undefined && v !== '') out[name] = v;
    else delete out[name];
  }
  return out;
}
