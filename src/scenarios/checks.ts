/**
 * Evaluates manifestation and recovery checks. A PromQL check asks the telemetry engine through a
 * `query(expr, timeMs)` function; a state check asks a `readState` function (queue depth, replicas,
 * business state). A check passes at time t when its condition held at every evaluation step in
 * [t − for, t] — like a Prometheus alert's `for`. Results carry the observed values for the report.
 */
import type { Value } from '../telemetry/promql/values.js';
import type { PromqlCheck, ScenarioCheck, StateCheck } from './schema.js';

export type QueryFn = (expr: string, timeMs: number) => Value | Promise<Value>;
export type StateFn = (check: StateCheck) => Promise<number>;

export interface Observation {
  timeMs: number;
  /** The value compared (undefined = no data). */
  value?: number;
  ok: boolean;
}

export interface CheckResult {
  id: string;
  passed: boolean;
  /** The threshold actually used (after the baseline was applied). */
  threshold: number;
  op: ScenarioCheck['op'];
  baselineValue?: number;
  observations: Observation[];
  message: string;
}

export const COMPARE: Record<ScenarioCheck['op'], (a: number, b: number) => boolean> = {
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
};

/** The threshold of a check, given the value measured at the end of the baseline phase. */
export function effectiveThreshold(check: ScenarioCheck, baselineValue?: number): number {
  const { value, baseline } = check;
  if (!baseline) return value!;
  if (baselineValue === undefined || !Number.isFinite(baselineValue)) {
    if (value === undefined) return NaN; // nothing to compare against: the check cannot pass
    return value;
  }
  const relative = baselineValue * baseline.factor + baseline.offset;
  if (value === undefined) return relative;
  return check.op === '>' || check.op === '>=' ? Math.max(value, relative) : Math.min(value, relative);
}

/** Numbers a PromQL value holds: a scalar, or one per series of an instant vector. */
function valuesOf(v: Value): number[] {
  if (v.type === 'scalar') return [v.v];
  if (v.type === 'vector') return v.samples.map((s) => s.v);
  throw new Error(`expected a scalar or an instant vector, got a ${v.type}`);
}

/** Judges one instant: the compared value and whether the condition holds. */
export function judgePromql(
  check: PromqlCheck,
  values: number[],
  threshold: number,
): { value?: number; ok: boolean } {
  const finite = values.filter((v) => !Number.isNaN(v));
  if (finite.length === 0) return { ok: false };
  const cmp = (v: number) => COMPARE[check.op](v, threshold);
  switch (check.reduce) {
    case 'any': {
      const hit = finite.find(cmp);
      return hit === undefined ? { value: finite[0], ok: false } : { value: hit, ok: true };
    }
    case 'all': {
      const miss = finite.find((v) => !cmp(v));
      return miss === undefined ? { value: finite[0], ok: true } : { value: miss, ok: false };
    }
    case 'max':
    case 'min':
    case 'sum': {
      const value =
        check.reduce === 'sum'
          ? finite.reduce((a, b) => a + b, 0)
          : check.reduce === 'max'
            ? Math.max(...finite)
            : Math.min(...finite);
      return { value, ok: cmp(value) };
    }
  }
}

/** A single reading of the check's signal at `timeMs` (for baselines: the reduced value). */
export async function readCheck(
  check: ScenarioCheck,
  timeMs: number,
  deps: { query: QueryFn; readState: StateFn },
): Promise<number | undefined> {
  if ('state' in check) return deps.readState(check);
  const values = valuesOf(await deps.query(check.promql, timeMs)).filter((v) => !Number.isNaN(v));
  if (values.length === 0) return undefined;
  return check.reduce === 'min'
    ? Math.min(...values)
    : check.reduce === 'sum'
      ? values.reduce((a, b) => a + b, 0)
      : Math.max(...values);
}

/**
 * `readCheck` for a baseline, which is read once: a state probe that meets a pod restarting at that
 * moment (a refused or failed request) is tried again, `attempts` times in all, rather than leaving the
 * run without a threshold (its checks then can neither manifest nor recover).
 */
export async function readBaselineCheck(
  check: ScenarioCheck,
  timeMs: number,
  deps: { query: QueryFn; readState: StateFn },
  retry: { attempts: number; pauseMs: number } = { attempts: 4, pauseMs: 2000 },
): Promise<number | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await readCheck(check, timeMs, deps);
    } catch (err) {
      if (!('state' in check) || attempt >= retry.attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, retry.pauseMs));
    }
  }
}

export interface EvaluateOptions {
  query: QueryFn;
  readState: StateFn;
  /** Evaluation time (ms since epoch). */
  timeMs: number;
  /** Step between evaluations inside the `for` window (default 5 s, at least one evaluation). */
  stepMs?: number;
  baselineValue?: number;
}

/**
 * Evaluates a check at `timeMs`. PromQL checks look back over the `for` window through the query
 * function. State checks can only read the present, so the caller keeps calling (see `CheckTracker`).
 */
export async function evaluateCheck(check: ScenarioCheck, opts: EvaluateOptions): Promise<CheckResult> {
  const threshold = effectiveThreshold(check, opts.baselineValue);
  const observations: Observation[] = [];
  if ('promql' in check) {
    const step = opts.stepMs ?? 5000;
    const start = opts.timeMs - check.for;
    for (let t = start; t <= opts.timeMs; t += step) {
      const judged = judgePromql(check, valuesOf(await opts.query(check.promql, t)), threshold);
      observations.push({ timeMs: t, ...judged });
      if (!judged.ok) break;
    }
    if (observations.at(-1)!.timeMs !== opts.timeMs && observations.every((o) => o.ok)) {
      const judged = judgePromql(check, valuesOf(await opts.query(check.promql, opts.timeMs)), threshold);
      observations.push({ timeMs: opts.timeMs, ...judged });
    }
  } else {
    const value = await opts.readState(check);
    observations.push({
      timeMs: opts.timeMs,
      value,
      ok: Number.isFinite(value) && COMPARE[check.op](value, threshold),
    });
  }
  const passed = !Number.isNaN(threshold) && observations.every((o) => o.ok);
  const last = observations.at(-1)!;
  const seen = last.value === undefined ? 'no data' : String(round(last.value));
  return {
    id: check.id,
    passed,
    threshold,
    op: check.op,
    baselineValue: opts.baselineValue,
    observations,
    message: `${check.id}: ${seen} ${check.op} ${round(threshold)}${check.for ? ` for ${check.for / 1000}s` : ''} → ${passed ? 'pass' : 'fail'}`,
  };
}

const round = (v: number) => (Number.isFinite(v) ? Math.round(v * 1000) / 1000 : v);

/**
 * Keeps the `for` window of a state check across repeated polls: it passes once every poll over the
 * last `for` milliseconds held (and at least one poll is that old).
 */
export class CheckTracker {
  private since?: number;

  constructor(private readonly check: ScenarioCheck) {}

  /** Feeds one evaluation; returns whether the check now holds for its whole window. */
  observe(result: CheckResult): boolean {
    const now = result.observations.at(-1)!.timeMs;
    if (!result.passed) {
      this.since = undefined;
      return false;
    }
    if ('promql' in this.check) return true; // the query already looked back over the window
    this.since ??= now;
    return now - this.since >= this.check.for;
  }
}
