import type { LabelMatcher } from '../tsdb/matchers.js';

export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';

/** `@` modifier: a fixed unix-ms time, or the query's start/end. */
export type AtModifier = number | 'start' | 'end';

export interface NumberLiteral {
  kind: 'number';
  value: number;
}
export interface StringLiteral {
  kind: 'string';
  value: string;
}
export interface VectorSelector {
  kind: 'vectorSelector';
  name: string | undefined;
  matchers: LabelMatcher[];
  offsetMs: number;
  at: AtModifier | undefined;
}
export interface MatrixSelector {
  kind: 'matrixSelector';
  selector: VectorSelector;
  rangeMs: number;
}
export interface Subquery {
  kind: 'subquery';
  expr: Expr;
  rangeMs: number;
  /** undefined: the default evaluation interval. */
  stepMs: number | undefined;
  offsetMs: number;
  at: AtModifier | undefined;
}
export interface Call {
  kind: 'call';
  func: string;
  args: Expr[];
}
export interface Aggregate {
  kind: 'aggregate';
  op: string;
  param: Expr | undefined;
  expr: Expr;
  grouping: string[];
  without: boolean;
}
export type Cardinality = 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';
export interface VectorMatching {
  card: Cardinality;
  on: boolean;
  labels: string[];
  /** Extra labels copied from the "one" side with group_left/right. */
  include: string[];
}
export interface Binary {
  kind: 'binary';
  op: string;
  lhs: Expr;
  rhs: Expr;
  returnBool: boolean;
  matching: VectorMatching;
}
export interface Unary {
  kind: 'unary';
  op: '-' | '+';
  expr: Expr;
}
export interface Paren {
  kind: 'paren';
  expr: Expr;
}

export type Expr =
  | NumberLiteral
  | StringLiteral
  | VectorSelector
  | MatrixSelector
  | Subquery
  | Call
  | Aggregate
  | Binary
  | Unary
  | Paren;
