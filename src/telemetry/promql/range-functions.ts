import { kahanSumInc, quantileOf } from './values.js';

/** Samples of one series in a range window plus the window itself (ms). */
export interface RangeInput {
  ts: number[];
  vs: number[];
  rangeStart: number;
  rangeEnd: number;
  rangeMs: number;
  evalTime: number;
}

/** A function over one range window; undefined drops the series from the result. */
export type RangeFunction = (input: RangeInput, scalarArg: number) => number | undefined;

/** Prometheus' extrapolatedRate, used by rate, increase and delta (mechanics.md §3.3). */
function extrapolatedRate(input: RangeInput, isCounter: boolean, isRate: boolean): number | undefined {
  const { ts, vs } = input;
  const n = ts.length;
  if (n < 2) return undefined;
  let result = vs[n - 1] - vs[0];
  if (isCounter) {
    let prev = vs[0];
    for (let i = 1; i < n; i++) {
      if (vs[i] < prev) result += prev;
      prev = vs[i]!;
    }
  }
  let durationToStart = (ts[0] - input.rangeStart) / 1000;
  const durationToEnd = (input.rangeEnd - ts[n - 1]) / 1000;
  const sampledInterval = (ts[n - 1] - ts[0]) / 1000;
  const averageBetween = sampledInterval / (n - 1);
  if (isCounter && result > 0 && vs[0] >= 0) {
    // A counter cannot go below zero: do not extrapolate past the point where it would have been 0.
    const durationToZero = sampledInterval * (vs[0] / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  const threshold = averageBetween * 1.1;
  let extrapolateTo = sampledInterval;
  extrapolateTo += durationToStart < threshold ? durationToStart : averageBetween / 2;
  extrapolateTo += durationToEnd < threshold ? durationToEnd : averageBetween / 2;
  result = result * (extrapolateTo / sampledInterval);
  if (isRate) result = result / (input.rangeMs / 1000);
  return result;
}

function instantValue(input: RangeInput, isRate: boolean): number | undefined {
  const { ts, vs } = input;
  const n = ts.length;
  if (n < 2) return undefined;
  const last = vs[n - 1];
  const previous = vs[n - 2];
  let result = isRate && last < previous ? last : last - previous;
  const interval = ts[n - 1] - ts[n - 2];
  if (interval === 0) return undefined;
  if (isRate) result /= interval / 1000;
  return result;
}

/** Least squares fit of value over time (s, relative to interceptTime), as Prometheus' linearRegression. */
function linearRegression(ts: number[], vs: number[], interceptTime: number): [number, number] {
  let n = 0;
  let sumX = 0,
    cX = 0,
    sumY = 0,
    cY = 0,
    sumXY = 0,
    cXY = 0,
    sumX2 = 0,
    cX2 = 0;
  const initY = vs[0];
  let constY = true;
  for (let i = 0; i < ts.length; i++) {
    const v = vs[i];
    if (constY && i > 0 && v !== initY) constY = false;
    n += 1;
    const x = (ts[i] - interceptTime) / 1000;
    [sumX, cX] = kahanSumInc(x, sumX, cX);
    [sumY, cY] = kahanSumInc(v, sumY, cY);
    [sumXY, cXY] = kahanSumInc(x * v, sumXY, cXY);
    [sumX2, cX2] = kahanSumInc(x * x, sumX2, cX2);
  }
  if (constY) return Number.isFinite(initY) ? [0, initY] : [NaN, NaN];
  sumX += cX;
  sumY += cY;
  sumXY += cXY;
  sumX2 += cX2;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  return [slope, sumY / n - (slope * sumX) / n];
}

function avgOf(vs: number[]): number {
  let mean = 0;
  let c = 0;
  let count = 0;
  for (const v of vs) {
    count++;
    if (!Number.isFinite(mean) && !Number.isNaN(mean)) {
      if (!Number.isFinite(v) && !Number.isNaN(v) && mean > 0 === v > 0) continue;
      if (Number.isFinite(v)) continue;
    }
    [mean, c] = kahanSumInc(v / count - mean / count, mean, c);
  }
  return !Number.isFinite(mean) && !Number.isNaN(mean) ? mean : mean + c;
}

function stdvarOf(vs: number[]): number {
  let count = 0,
    mean = 0,
    cMean = 0,
    aux = 0,
    cAux = 0;
  for (const v of vs) {
    count++;
    const delta = v - (mean + cMean);
    [mean, cMean] = kahanSumInc(delta / count, mean, cMean);
    [aux, cAux] = kahanSumInc(delta * (v - (mean + cMean)), aux, cAux);
  }
  return (aux + cAux) / count;
}

export const RANGE_FUNCTIONS: Readonly<Record<string, RangeFunction>> = {
  rate: (i) => extrapolatedRate(i, true, true),
  increase: (i) => extrapolatedRate(i, true, false),
  delta: (i) => extrapolatedRate(i, false, false),
  irate: (i) => instantValue(i, true),
  idelta: (i) => instantValue(i, false),
  resets: ({ vs }) => {
    let resets = 0;
    for (let i = 1; i < vs.length; i++) if (vs[i] < vs[i - 1]) resets++;
    return resets;
  },
  changes: ({ vs }) => {
    let changes = 0;
    for (let i = 1; i < vs.length; i++) {
      const cur = vs[i];
      const prev = vs[i - 1];
      if (cur !== prev && !(Number.isNaN(cur) && Number.isNaN(prev))) changes++;
    }
    return changes;
  },
  deriv: ({ ts, vs }) => (ts.length < 2 ? undefined : linearRegression(ts, vs, ts[0])[0]),
  predict_linear: ({ ts, vs, evalTime }, duration) => {
    if (ts.length < 2) return undefined;
    const [slope, intercept] = linearRegression(ts, vs, evalTime);
    return slope * duration + intercept;
  },
  avg_over_time: ({ vs }) => avgOf(vs),
  sum_over_time: ({ vs }) => {
    let sum = 0;
    let c = 0;
    for (const v of vs) [sum, c] = kahanSumInc(v, sum, c);
    return Number.isFinite(sum) ? sum + c : sum;
  },
  count_over_time: ({ vs }) => vs.length,
  min_over_time: ({ vs }) => vs.reduce((min, v) => (v < min || Number.isNaN(min) ? v : min)),
  max_over_time: ({ vs }) => vs.reduce((max, v) => (v > max || Number.isNaN(max) ? v : max)),
  last_over_time: ({ vs }) => vs[vs.length - 1],
  present_over_time: () => 1,
  stdvar_over_time: ({ vs }) => stdvarOf(vs),
  stddev_over_time: ({ vs }) => Math.sqrt(stdvarOf(vs)),
  quantile_over_time: ({ vs }, q) => quantileOf(q, vs),
};

/** Range functions whose output keeps the metric name. */
export const KEEPS_METRIC_NAME = new Set(['last_over_time']);
