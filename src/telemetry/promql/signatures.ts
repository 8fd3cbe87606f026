import type { ValueType } from './ast.js';

export interface FunctionSignature {
  args: ValueType[];
  /** Trailing arguments that may be omitted. */
  optional: number;
  /** The last argument type repeats (label_join). */
  variadic: boolean;
  returns: ValueType;
}

const sig = (args: ValueType[], returns: ValueType, optional = 0, variadic = false): FunctionSignature => ({
  args,
  optional,
  variadic,
  returns,
});

const vectorMath = ['abs', 'ceil', 'floor', 'exp', 'ln', 'log2', 'log10', 'sqrt', 'sgn'];
const rangeToVector = ['rate', 'irate', 'increase', 'delta', 'idelta', 'resets', 'changes', 'deriv'];
const overTime = ['avg', 'min', 'max', 'sum', 'count', 'last', 'stddev', 'stdvar', 'present'].map(
  (a) => `${a}_over_time`,
);
const calendar = [
  'minute',
  'hour',
  'day_of_week',
  'day_of_month',
  'day_of_year',
  'days_in_month',
  'month',
  'year',
];

export const FUNCTIONS: Readonly<Record<string, FunctionSignature>> = {
  ...Object.fromEntries(vectorMath.map((f) => [f, sig(['vector'], 'vector')])),
  ...Object.fromEntries(rangeToVector.map((f) => [f, sig(['matrix'], 'vector')])),
  ...Object.fromEntries(overTime.map((f) => [f, sig(['matrix'], 'vector')])),
  ...Object.fromEntries(calendar.map((f) => [f, sig(['vector'], 'vector', 1)])),
  quantile_over_time: sig(['scalar', 'matrix'], 'vector'),
  absent_over_time: sig(['matrix'], 'vector'),
  predict_linear: sig(['matrix', 'scalar'], 'vector'),
  round: sig(['vector', 'scalar'], 'vector', 1),
  clamp: sig(['vector', 'scalar', 'scalar'], 'vector'),
  clamp_min: sig(['vector', 'scalar'], 'vector'),
  clamp_max: sig(['vector', 'scalar'], 'vector'),
  time: sig([], 'scalar'),
  timestamp: sig(['vector'], 'vector'),
  vector: sig(['scalar'], 'vector'),
  scalar: sig(['vector'], 'scalar'),
  absent: sig(['vector'], 'vector'),
  label_replace: sig(['vector', 'string', 'string', 'string', 'string'], 'vector'),
  label_join: sig(['vector', 'string', 'string', 'string'], 'vector', 1, true),
  sort: sig(['vector'], 'vector'),
  sort_desc: sig(['vector'], 'vector'),
  histogram_quantile: sig(['scalar', 'vector'], 'vector'),
};

/** Aggregation operators and the type of their parameter, if any. */
export const AGGREGATIONS: Readonly<Record<string, ValueType | undefined>> = {
  sum: undefined,
  avg: undefined,
  min: undefined,
  max: undefined,
  count: undefined,
  group: undefined,
  stddev: undefined,
  stdvar: undefined,
  topk: 'scalar',
  bottomk: 'scalar',
  quantile: 'scalar',
  count_values: 'string',
};

export const TYPE_NAMES: Record<ValueType, string> = {
  scalar: 'scalar',
  vector: 'instant vector',
  matrix: 'range vector',
  string: 'string',
};
