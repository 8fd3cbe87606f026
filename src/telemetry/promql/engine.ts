import { METRIC_NAME, dropMetricName, labelsKey, type Labels } from '../tsdb/labels.js';
import type { Series, Window } from '../tsdb/series.js';
import type { Tsdb } from '../tsdb/tsdb.js';
import { aggregate } from './aggregate.js';
import type {
  Aggregate,
  AtModifier,
  Binary,
  Call,
  Expr,
  MatrixSelector,
  Subquery,
  VectorSelector,
} from './ast.js';
import { isSetOperator, parsePromql } from './parser.js';
import { scalarBinop, setBinop, vectorBinop, vectorScalarBinop } from './binary.js';
import {
  clamp,
  clampOneSide,
  histogramQuantile,
  isMathFunction,
  labelJoin,
  labelReplace,
  mapValues,
  round,
  sortVector,
} from './instant-functions.js';
import { KEEPS_METRIC_NAME, RANGE_FUNCTIONS } from './range-functions.js';
import {
  EvalError,
  QueryTimeoutError,
  compareLabels,
  type RangeSeries,
  type Sample,
  type Value,
} from './values.js';

export interface EngineOptions {
  /** How far back an instant selector looks for a sample. Default 5 m. */
  lookbackDeltaMs?: number;
  /**
   * true: windows exclude their start, `(t-range, t]` (Prometheus 3). false: `[t-range, t]` (Prometheus 2.x).
   * Default true.
   */
  leftOpenWindows?: boolean;
  /** Subquery step when none is given (Prometheus' global evaluation interval). Default 1 m. */
  defaultSubqueryStepMs?: number;
  /** Max samples a query may hold in memory at once (Prometheus --query.max-samples). Default 50,000,000. */
  maxSamples?: number;
  /** Default query timeout. Default 2 m. */
  timeoutMs?: number;
}

export const MAX_POINTS_PER_SERIES = 11_000;

interface QueryContext {
  startMs: number;
  endMs: number;
  deadline: number;
  selections: Map<VectorSelector, Series[]>;
  samples: number;
}

/** Evaluates PromQL over a Tsdb. Throws ParseError (bad_data), EvalError (execution) or QueryTimeoutError. */
export class PromqlEngine {
  readonly lookbackDeltaMs: number;
  readonly leftOpenWindows: boolean;
  readonly defaultSubqueryStepMs: number;
  readonly maxSamples: number;
  readonly timeoutMs: number;

  constructor(
    readonly tsdb: Tsdb,
    options: EngineOptions = {},
  ) {
    this.lookbackDeltaMs = options.lookbackDeltaMs ?? 300_000;
    this.leftOpenWindows = options.leftOpenWindows ?? true;
    this.defaultSubqueryStepMs = options.defaultSubqueryStepMs ?? 60_000;
    this.maxSamples = options.maxSamples ?? 50_000_000;
    this.timeoutMs = options.timeoutMs ?? 120_000;
  }

  instantQuery(query: string, timeMs: number, timeoutMs = this.timeoutMs): Value {
    const { expr } = parsePromql(query);
    return new Evaluation(this, this.context(timeMs, timeMs, timeoutMs)).eval(expr, timeMs);
  }

  /** Evaluates at start, start+step, … ≤ end; always a matrix, series sorted by labels. */
  rangeQuery(
    query: string,
    startMs: number,
    endMs: number,
    stepMs: number,
    timeoutMs = this.timeoutMs,
  ): RangeSeries[] {
    const { expr, type } = parsePromql(query);
    if (type !== 'scalar' && type !== 'vector') {
      throw new EvalError(
        `invalid expression type "${type === 'matrix' ? 'range vector' : type}" for range query, must be Scalar or instant Vector`,
      );
    }
    if (endMs < startMs) throw new EvalError('end timestamp must not be before start time');
    if (stepMs <= 0)
      throw new EvalError(
        'zero or negative query resolution step widths are not accepted. Try a positive integer',
      );
    if ((endMs - startMs) / stepMs > MAX_POINTS_PER_SERIES) {
      throw new EvalError(
        'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)',
      );
    }
    const evaluation = new Evaluation(this, this.context(startMs, endMs, timeoutMs));
    const out = new Map<string, RangeSeries>();
    for (let t = startMs; t <= endMs; t += stepMs) {
      const value = evaluation.eval(expr, t);
      const samples: Sample[] =
        value.type === 'scalar' ? [{ labels: {}, v: value.v }] : value.type === 'vector' ? value.samples : [];
      for (const s of samples) {
        const key = labelsKey(s.labels);
        let series = out.get(key);
        if (!series) out.set(key, (series = { labels: s.labels, ts: [], vs: [] }));
        series.ts.push(t);
        series.vs.push(s.v);
      }
    }
    return [...out.values()].sort((a, b) => compareLabels(a.labels, b.labels));
  }

  private context(startMs: number, endMs: number, timeoutMs: number): QueryContext {
    return { startMs, endMs, deadline: Date.now() + timeoutMs, selections: new Map(), samples: 0 };
  }
}

class Evaluation {
  constructor(
    private readonly engine: PromqlEngine,
    private readonly ctx: QueryContext,
  ) {}

  eval(expr: Expr, t: number): Value {
    if (Date.now() >= this.ctx.deadline)
      throw new QueryTimeoutError('query timed out in expression evaluation');
    switch (expr.kind) {
      case 'number':
        return { type: 'scalar', v: expr.value };
      case 'string':
        return { type: 'string', s: expr.value };
      case 'paren':
        return this.eval(expr.expr, t);
      case 'vectorSelector':
        return { type: 'vector', samples: this.selectInstant(expr, t) };
      case 'matrixSelector':
        return { type: 'matrix', series: this.selectRange(expr, t) };
      case 'subquery':
        return { type: 'matrix', series: this.subquery(expr, t) };
      case 'unary': {
        const v = this.eval(expr.expr, t);
        if (v.type === 'scalar') return { type: 'scalar', v: -v.v };
        return {
          type: 'vector',
          samples: this.vector(v).map((s) => ({ labels: dropMetricName(s.labels), v: -s.v })),
        };
      }
      case 'binary':
        return this.binary(expr, t);
      case 'aggregate':
        return { type: 'vector', samples: this.aggregate(expr, t) };
      case 'call':
        return this.call(expr, t);
    }
  }

  private vector(v: Value): Sample[] {
    if (v.type !== 'vector') throw new EvalError(`expected instant vector, got ${v.type}`);
    return v.samples;
  }
  private scalar(v: Value): number {
    if (v.type !== 'scalar') throw new EvalError(`expected scalar, got ${v.type}`);
    return v.v;
  }
  private matrix(v: Value): RangeSeries[] {
    if (v.type !== 'matrix') throw new EvalError(`expected range vector, got ${v.type}`);
    return v.series;
  }

  private refTime(at: AtModifier | undefined, offsetMs: number, t: number): number {
    const base =
      at === undefined ? t : at === 'start' ? this.ctx.startMs : at === 'end' ? this.ctx.endMs : at;
    return base - offsetMs;
  }

  private seriesFor(selector: VectorSelector): Series[] {
    let series = this.ctx.selections.get(selector);
    if (!series) {
      series = this.engine.tsdb.select(selector.matchers);
      this.ctx.selections.set(selector, series);
    }
    return series;
  }

  private window(start: number, end: number): Window {
    return { start, end, leftOpen: this.engine.leftOpenWindows };
  }

  private count(n: number): void {
    this.ctx.samples += n;
    if (this.ctx.samples > this.engine.maxSamples) {
      throw new EvalError('query processing would load too many samples into memory in query execution');
    }
  }

  private selectInstant(selector: VectorSelector, t: number): Sample[] {
    const ref = this.refTime(selector.at, selector.offsetMs, t);
    const w = this.window(ref - this.engine.lookbackDeltaMs, ref);
    const out: Sample[] = [];
    for (const series of this.seriesFor(selector)) {
      const p = series.latest(w);
      if (p) out.push({ labels: series.labels, v: p.v, t: p.t });
    }
    this.count(out.length);
    return out;
  }

  private selectRange(m: MatrixSelector, t: number): RangeSeries[] {
    const ref = this.refTime(m.selector.at, m.selector.offsetMs, t);
    const w = this.window(ref - m.rangeMs, ref);
    const out: RangeSeries[] = [];
    for (const series of this.seriesFor(m.selector)) {
      const run = series.range(w);
      if (run.ts.length === 0) continue;
      this.count(run.ts.length);
      out.push({ labels: series.labels, ts: run.ts, vs: run.vs });
    }
    return out;
  }

  private subquery(sq: Subquery, t: number): RangeSeries[] {
    const ref = this.refTime(sq.at, sq.offsetMs, t);
    const step = sq.stepMs ?? this.engine.defaultSubqueryStepMs;
    const start = ref - sq.rangeMs;
    let first = Math.floor(start / step) * step;
    if (first < start || (this.engine.leftOpenWindows && first === start)) first += step;
    const out = new Map<string, RangeSeries>();
    for (let ts = first; ts <= ref; ts += step) {
      for (const s of this.vector(this.eval(sq.expr, ts))) {
        const key = labelsKey(s.labels);
        let series = out.get(key);
        if (!series) out.set(key, (series = { labels: s.labels, ts: [], vs: [] }));
        series.ts.push(ts);
        series.vs.push(s.v);
      }
    }
    return [...out.values()];
  }

  private binary(b: Binary, t: number): Value {
    const lhs = this.eval(b.lhs, t);
    const rhs = this.eval(b.rhs, t);
    if (lhs.type === 'scalar' && rhs.type === 'scalar')
      return { type: 'scalar', v: scalarBinop(b.op, lhs.v, rhs.v) };
    let samples: Sample[];
    if (lhs.type === 'scalar') samples = vectorScalarBinop(b.op, this.vector(rhs), lhs.v, true, b.returnBool);
    else if (rhs.type === 'scalar')
      samples = vectorScalarBinop(b.op, this.vector(lhs), rhs.v, false, b.returnBool);
    else if (isSetOperator(b.op)) samples = setBinop(b.op, this.vector(lhs), this.vector(rhs), b.matching);
    else samples = vectorBinop(b.op, this.vector(lhs), this.vector(rhs), b.matching, b.returnBool);
    return { type: 'vector', samples: assertUnique(samples) };
  }

  private aggregate(a: Aggregate, t: number): Sample[] {
    let param: number | string | undefined;
    if (a.param) {
      const p = this.eval(a.param, t);
      param = p.type === 'string' ? p.s : this.scalar(p);
    }
    return aggregate(this.vector(this.eval(a.expr, t)), {
      op: a.op,
      grouping: a.grouping,
      without: a.without,
      param,
    });
  }

  private call(c: Call, t: number): Value {
    const f = c.func;
    const rangeFn = RANGE_FUNCTIONS[f];
    if (rangeFn) return { type: 'vector', samples: this.rangeCall(c, t, rangeFn) };
    const arg = (i: number): Value => this.eval(c.args[i], t);
    const str = (i: number): string => {
      const v = arg(i);
      return v.type === 'string' ? v.s : '';
    };
    let samples: Sample[];
    if (isMathFunction(f)) {
      samples = mapValues(f, c.args.length > 0 ? this.vector(arg(0)) : [{ labels: {}, v: t / 1000 }]);
    } else {
      switch (f) {
        case 'time':
          return { type: 'scalar', v: t / 1000 };
        case 'scalar': {
          const vec = this.vector(arg(0));
          return { type: 'scalar', v: vec.length === 1 ? vec[0].v : NaN };
        }
        case 'vector':
          return { type: 'vector', samples: [{ labels: {}, v: this.scalar(arg(0)) }] };
        case 'timestamp':
          samples = this.vector(arg(0)).map((s) => ({
            labels: dropMetricName(s.labels),
            v: (s.t ?? t) / 1000,
          }));
          break;
        case 'round':
          samples = round(this.vector(arg(0)), c.args.length > 1 ? this.scalar(arg(1)) : 1);
          break;
        case 'clamp':
          samples = clamp(this.vector(arg(0)), this.scalar(arg(1)), this.scalar(arg(2)));
          break;
        case 'clamp_min':
        case 'clamp_max':
          samples = clampOneSide(this.vector(arg(0)), this.scalar(arg(1)), f === 'clamp_min');
          break;
        case 'sort':
        case 'sort_desc':
          return { type: 'vector', samples: sortVector(this.vector(arg(0)), f === 'sort_desc') };
        case 'absent':
          return {
            type: 'vector',
            samples: this.vector(arg(0)).length > 0 ? [] : [{ labels: absentLabels(c.args[0]), v: 1 }],
          };
        case 'absent_over_time':
          return {
            type: 'vector',
            samples: this.matrix(arg(0)).length > 0 ? [] : [{ labels: absentLabels(c.args[0]), v: 1 }],
          };
        case 'histogram_quantile':
          samples = histogramQuantile(this.scalar(arg(0)), this.vector(arg(1)));
          break;
        case 'label_replace':
          samples = labelReplace(this.vector(arg(0)), str(1), str(2), str(3), str(4));
          break;
        case 'label_join':
          samples = labelJoin(
            this.vector(arg(0)),
            str(1),
            str(2),
            c.args.slice(3).map((_, i) => str(i + 3)),
          );
          break;
        default:
          throw new EvalError(`function ${JSON.stringify(f)} is not implemented`);
      }
    }
    return { type: 'vector', samples: assertUnique(samples) };
  }

  private rangeCall(c: Call, t: number, fn: (typeof RANGE_FUNCTIONS)[string]): Sample[] {
    const matrixIndex = c.args.findIndex((a) => a.kind === 'matrixSelector' || a.kind === 'subquery');
    const matrixArg = c.args[matrixIndex];
    const scalarArg = c.args.length > 1 ? this.scalar(this.eval(c.args[matrixIndex === 0 ? 1 : 0], t)) : NaN;
    const series = this.matrix(this.eval(matrixArg, t));
    const [rangeMs, at, offsetMs] =
      matrixArg.kind === 'matrixSelector'
        ? [matrixArg.rangeMs, matrixArg.selector.at, matrixArg.selector.offsetMs]
        : matrixArg.kind === 'subquery'
          ? [matrixArg.rangeMs, matrixArg.at, matrixArg.offsetMs]
          : [0, undefined, 0];
    const rangeEnd = this.refTime(at, offsetMs, t);
    const keepName = KEEPS_METRIC_NAME.has(c.func);
    const out: Sample[] = [];
    for (const s of series) {
      const v = fn(
        { ts: s.ts, vs: s.vs, rangeStart: rangeEnd - rangeMs, rangeEnd, rangeMs, evalTime: t },
        scalarArg,
      );
      if (v !== undefined) out.push({ labels: keepName ? s.labels : dropMetricName(s.labels), v });
    }
    return assertUnique(out);
  }
}

/** absent(): labels from the selector's equality matchers, except the metric name and names used twice. */
function absentLabels(expr: Expr): Labels {
  const selector =
    expr.kind === 'vectorSelector' ? expr : expr.kind === 'matrixSelector' ? expr.selector : undefined;
  if (!selector) return {};
  const out: Record<string, string> = {};
  const seen = new Set<string>();
  for (const m of selector.matchers) {
    if (m.name === METRIC_NAME) continue;
    if (m.type === '=' && !seen.has(m.name)) out[m.name] = m.value;
    else delete out[m.name];
    seen.add(m.name);
  }
  return out;
}

function assertUnique(samples: Sample[]): Sample[] {
  if (samples.length < 2) return samples;
  const seen = new Set<string>();
  for (const s of samples) {
    const key = labelsKey(s.labels);
    if (seen.has(key)) throw new EvalError('vector cannot contain metrics with the same labelset');
    seen.add(key);
  }
  return samples;
}
