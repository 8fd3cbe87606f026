import { parser as lezer } from '@prometheus-io/lezer-promql';
import type { SyntaxNode } from '@lezer/common';
import { METRIC_NAME } from '../tsdb/labels.js';
import { newMatcher, RegexError, type LabelMatcher, type MatchType } from '../tsdb/matchers.js';
import type { AtModifier, Expr, VectorMatching, VectorSelector, ValueType } from './ast.js';
import { parseDurationMs, parseGoFloat, unquoteString } from './literals.js';
import { AGGREGATIONS, FUNCTIONS, TYPE_NAMES } from './signatures.js';

/** A PromQL syntax or type error; `message` follows Prometheus: `line:col: parse error: …`. */
export class ParseError extends Error {
  constructor(
    readonly position: number,
    readonly detail: string,
    input: string,
  ) {
    const before = input.slice(0, position);
    const line = before.split('\n').length;
    const col = position - before.lastIndexOf('\n');
    super(`${line}:${col}: parse error: ${detail}`);
  }
}

interface Typed {
  expr: Expr;
  type: ValueType;
}

const BINARY_OPS: Record<string, string> = {
  Add: '+',
  Sub: '-',
  Mul: '*',
  Div: '/',
  Mod: '%',
  Pow: '^',
  Eql: '==',
  Neq: '!=',
  Gtr: '>',
  Lss: '<',
  Gte: '>=',
  Lte: '<=',
  And: 'and',
  Or: 'or',
  Unless: 'unless',
  Atan2: 'atan2',
};
const COMPARISONS = new Set(['==', '!=', '>', '<', '>=', '<=']);
const SET_OPS = new Set(['and', 'or', 'unless']);
const MATCH_OPS: Record<string, MatchType> = { EqlSingle: '=', Neq: '!=', EqlRegex: '=~', NeqRegex: '!~' };

export function isComparison(op: string): boolean {
  return COMPARISONS.has(op);
}
export function isSetOperator(op: string): boolean {
  return SET_OPS.has(op);
}

/** Parses and type-checks a PromQL expression. Throws ParseError. */
export function parsePromql(input: string): { expr: Expr; type: ValueType } {
  return new Converter(input).run();
}

class Converter {
  constructor(private readonly input: string) {}

  run(): Typed {
    if (this.input.trim() === '') throw this.error(0, 'no expression found in input');
    const tree = lezer.parse(this.input);
    this.reportSyntaxErrors(tree.topNode);
    const root = children(tree.topNode);
    if (root.length === 0) throw this.error(0, 'no expression found in input');
    return this.convert(root[0]);
  }

  private error(pos: number, detail: string): ParseError {
    return new ParseError(pos, detail, this.input);
  }

  private text(node: SyntaxNode): string {
    return this.input.slice(node.from, node.to);
  }

  private reportSyntaxErrors(top: SyntaxNode): void {
    const cursor = top.cursor();
    do {
      if (cursor.type.isError) {
        const pos = cursor.from;
        const rest = this.input.slice(pos).trimStart();
        const unknownFunction = /([A-Za-z_][\w]*)\s*$/.exec(this.input.slice(0, pos));
        if (rest.startsWith('(') && unknownFunction && !(unknownFunction[1] in FUNCTIONS)) {
          throw this.error(
            unknownFunction.index,
            `unknown function with name ${JSON.stringify(unknownFunction[1])}`,
          );
        }
        const depth = parenDepth(this.input.slice(0, pos));
        if (rest === '')
          throw this.error(pos, depth > 0 ? 'unclosed left parenthesis' : 'unexpected end of input');
        if (rest.startsWith(')') && depth <= 0) throw this.error(pos, "unexpected right parenthesis ')'");
        const token = /^([A-Za-z_:][\w:]*|\d[\w.]*|"(?:[^"\\]|\\.)*"?|\S)/.exec(rest)![0];
        throw this.error(
          pos + this.input.slice(pos).length - rest.length,
          `unexpected ${JSON.stringify(token)}`,
        );
      }
    } while (cursor.next());
  }

  private convert(node: SyntaxNode): Typed {
    switch (node.name) {
      case 'NumberDurationLiteral':
        return { expr: { kind: 'number', value: this.number(node) }, type: 'scalar' };
      case 'StringLiteral':
        return { expr: { kind: 'string', value: this.string(node) }, type: 'string' };
      case 'VectorSelector':
        return { expr: this.vectorSelector(node), type: 'vector' };
      case 'MatrixSelector':
        return this.matrixSelector(node);
      case 'SubqueryExpr':
        return this.subquery(node);
      case 'OffsetExpr':
      case 'StepInvariantExpr':
        return this.modifier(node);
      case 'FunctionCall':
        return this.call(node);
      case 'AggregateExpr':
        return this.aggregate(node);
      case 'BinaryExpr':
        return this.binary(node);
      case 'UnaryExpr':
        return this.unary(node);
      case 'ParenExpr': {
        const inner = this.convert(children(node)[0]);
        return { expr: { kind: 'paren', expr: inner.expr }, type: inner.type };
      }
      default:
        throw this.error(node.from, `unsupported expression ${JSON.stringify(this.text(node))}`);
    }
  }

  private number(node: SyntaxNode): number {
    const text = this.text(node);
    const v = parseGoFloat(text);
    if (v !== undefined) return v;
    const ms = parseDurationMs(text);
    if (ms !== undefined) return ms / 1000;
    throw this.error(node.from, `bad number or duration syntax: ${JSON.stringify(text)}`);
  }

  private string(node: SyntaxNode): string {
    try {
      return unquoteString(this.text(node));
    } catch (err) {
      throw this.error(node.from, (err as Error).message);
    }
  }

  private duration(node: SyntaxNode): number {
    const kids = children(node);
    if (node.name === 'OffsetDurationExpr' && kids[0]?.name === 'UnaryOp' && kids[1]) {
      const sign = this.text(kids[0]) === '-' ? -1 : 1;
      return sign * this.duration(kids[1]);
    }
    const literal = kids.length === 1 ? kids[0] : node;
    if (!literal.name.startsWith('NumberDurationLiteral')) {
      throw this.error(
        node.from,
        `duration expressions are not supported: ${JSON.stringify(this.text(node))}`,
      );
    }
    const text = this.text(literal);
    const ms = parseDurationMs(text) ?? (/^\d+(\.\d+)?$/.test(text) ? Number(text) * 1000 : undefined);
    if (ms === undefined) throw this.error(literal.from, `bad duration syntax: ${JSON.stringify(text)}`);
    return ms;
  }

  private vectorSelector(node: SyntaxNode): VectorSelector {
    let name: string | undefined;
    const matchers: LabelMatcher[] = [];
    for (const kid of children(node)) {
      if (kid.name === 'Identifier') name = this.text(kid);
      if (kid.name !== 'LabelMatchers') continue;
      for (const m of children(kid)) {
        const parts = children(m);
        const labelNode = parts[0];
        const labelName =
          labelNode.name === 'QuotedLabelName' ? this.string(children(labelNode)[0]) : this.text(labelNode);
        if (parts.length === 1) {
          // `{"metric.name"}`: a quoted metric name on its own.
          if (name !== undefined) throw this.error(m.from, 'metric name must not be set twice');
          name = labelName;
          continue;
        }
        const op = MATCH_OPS[children(parts[1])[0]?.name ?? ''];
        if (!op || !parts[2])
          throw this.error(m.from, `unexpected label matcher ${JSON.stringify(this.text(m))}`);
        if (labelName === METRIC_NAME && name !== undefined && op === '=') {
          throw this.error(
            m.from,
            `metric name must not be set twice: ${JSON.stringify(name)} or ${JSON.stringify(this.string(parts[2]))}`,
          );
        }
        try {
          matchers.push(newMatcher(labelName, op, this.string(parts[2])));
        } catch (err) {
          if (err instanceof RegexError) throw this.error(parts[2].from, err.message);
          throw err;
        }
      }
    }
    if (name !== undefined) matchers.unshift(newMatcher(METRIC_NAME, '=', name));
    if (!matchers.some((m) => !m.matches(''))) {
      throw this.error(node.from, 'vector selector must contain at least one non-empty matcher');
    }
    return { kind: 'vectorSelector', name, matchers, offsetMs: 0, at: undefined };
  }

  private matrixSelector(node: SyntaxNode): Typed {
    const [inner, range] = children(node);
    if (inner.name !== 'VectorSelector')
      throw this.error(node.from, 'ranges only allowed for vector selectors');
    const selector = this.vectorSelector(inner);
    const rangeMs = this.duration(range);
    if (rangeMs <= 0) throw this.error(range.from, 'range must be greater than 0');
    return { expr: { kind: 'matrixSelector', selector, rangeMs }, type: 'matrix' };
  }

  private subquery(node: SyntaxNode): Typed {
    const [innerNode, rangeNode, stepNode] = children(node);
    const inner = this.convert(innerNode);
    if (inner.type !== 'vector') {
      throw this.error(
        node.from,
        `subquery is only allowed on instant vector, got ${TYPE_NAMES[inner.type]} instead`,
      );
    }
    const rangeMs = this.duration(rangeNode);
    const stepMs = stepNode ? this.duration(stepNode) : undefined;
    if (stepMs !== undefined && stepMs <= 0) throw this.error(stepNode.from, 'step must be greater than 0');
    return {
      expr: { kind: 'subquery', expr: inner.expr, rangeMs, stepMs, offsetMs: 0, at: undefined },
      type: 'matrix',
    };
  }

  /** `offset` and `@` attach to the selector or subquery they follow. */
  private modifier(node: SyntaxNode): Typed {
    const kids = children(node);
    const inner = this.convert(kids[0]);
    const target = inner.expr.kind === 'matrixSelector' ? inner.expr.selector : inner.expr;
    if (target.kind !== 'vectorSelector' && target.kind !== 'subquery') {
      const what = node.name === 'OffsetExpr' ? 'offset' : '@ modifier';
      throw this.error(
        node.from,
        `${what} must be preceded by an instant vector selector or range vector selector or a subquery`,
      );
    }
    if (node.name === 'OffsetExpr') {
      if (target.offsetMs !== 0) throw this.error(node.from, 'offset may not be set multiple times');
      target.offsetMs = this.duration(kids[2]);
    } else {
      if (target.at !== undefined) throw this.error(node.from, '@ <timestamp> may not be set multiple times');
      target.at = this.atValue(kids[2]);
    }
    return inner;
  }

  private atValue(node: SyntaxNode): AtModifier {
    if (node.name === 'AtModifierPreprocessors') return children(node)[0]?.name === 'AtEnd' ? 'end' : 'start';
    let v = this.number(node);
    if (node.prevSibling?.name === 'UnaryOp' && this.text(node.prevSibling) === '-') v = -v;
    if (!Number.isFinite(v)) throw this.error(node.from, `timestamp out of bounds for @ modifier: ${v}`);
    return Math.round(v * 1000);
  }

  private call(node: SyntaxNode): Typed {
    const [ident, body] = children(node);
    const func = this.text(ident);
    const signature = FUNCTIONS[func];
    if (!signature) throw this.error(ident.from, `unknown function with name ${JSON.stringify(func)}`);
    const argNodes = body ? children(body) : [];
    const args = argNodes.map((a) => this.convert(a));
    const min = signature.args.length - signature.optional;
    const max = signature.variadic ? Infinity : signature.args.length;
    if (args.length < min || args.length > max) {
      throw this.error(
        node.from,
        `expected ${min === max ? min : `at least ${min}`} argument(s) in call to ${JSON.stringify(func)}, got ${args.length}`,
      );
    }
    args.forEach((arg, i) => {
      const expected = signature.args[Math.min(i, signature.args.length - 1)];
      if (arg.type !== expected) {
        throw this.error(
          argNodes[i].from,
          `expected type ${TYPE_NAMES[expected]} in call to function ${JSON.stringify(func)}, got ${TYPE_NAMES[arg.type]}`,
        );
      }
    });
    return { expr: { kind: 'call', func, args: args.map((a) => a.expr) }, type: signature.returns };
  }

  private aggregate(node: SyntaxNode): Typed {
    let op = '';
    let grouping: string[] = [];
    let without = false;
    let argNodes: SyntaxNode[] = [];
    for (const kid of children(node)) {
      if (kid.name === 'AggregateOp') op = this.text(kid);
      if (kid.name === 'FunctionCallBody') argNodes = children(kid);
      if (kid.name === 'AggregateModifier') {
        const [kind, labels] = children(kid);
        without = kind.name === 'Without';
        grouping = labels ? this.groupingLabels(labels) : [];
      }
    }
    if (!(op in AGGREGATIONS)) throw this.error(node.from, `unsupported aggregation ${JSON.stringify(op)}`);
    const paramType = AGGREGATIONS[op];
    const expected = paramType ? 2 : 1;
    if (argNodes.length !== expected) {
      throw this.error(
        node.from,
        `wrong number of arguments for aggregate expression provided, expected ${expected}, got ${argNodes.length}`,
      );
    }
    const args = argNodes.map((a) => this.convert(a));
    const operand = args[args.length - 1];
    if (operand.type !== 'vector') {
      throw this.error(
        argNodes[argNodes.length - 1].from,
        `expected type instant vector in aggregation expression, got ${TYPE_NAMES[operand.type]}`,
      );
    }
    if (paramType && args[0].type !== paramType) {
      throw this.error(
        argNodes[0].from,
        `expected type ${TYPE_NAMES[paramType]} in aggregation parameter, got ${TYPE_NAMES[args[0].type]}`,
      );
    }
    return {
      expr: {
        kind: 'aggregate',
        op,
        param: paramType ? args[0].expr : undefined,
        expr: operand.expr,
        grouping,
        without,
      },
      type: 'vector',
    };
  }

  private groupingLabels(node: SyntaxNode): string[] {
    return children(node).map((l) =>
      l.name === 'QuotedLabelName' ? this.string(children(l)[0]) : this.text(l),
    );
  }

  private binary(node: SyntaxNode): Typed {
    const kids = children(node);
    const lhsNode = kids[0];
    const rhsNode = kids[kids.length - 1];
    const opNode = kids[1];
    const op = BINARY_OPS[opNode.name];
    if (!op) throw this.error(opNode.from, `unsupported operator ${JSON.stringify(this.text(opNode))}`);
    let returnBool = false;
    const matching: VectorMatching = { card: 'one-to-one', on: false, labels: [], include: [] };
    let explicitMatching = false;
    for (const kid of kids.slice(2, -1)) {
      if (kid.name === 'BoolModifier') returnBool = true;
      else if (kid.name === 'MatchingModifierClause') {
        explicitMatching = true;
        this.matchingClause(kid, matching, op);
      } else throw this.error(kid.from, `unsupported modifier ${JSON.stringify(this.text(kid))}`);
    }
    // lezer reads `-2 ^ 2` as (-2)^2, but in PromQL unary minus binds looser than `^`: -(2^2).
    if (op === '^' && lhsNode.name === 'NumberDurationLiteral' && /^[-+]/.test(this.text(lhsNode))) {
      const base = this.number(lhsNode);
      const rhsValue = this.convert(rhsNode);
      const power: Expr = {
        kind: 'binary',
        op,
        lhs: { kind: 'number', value: Math.abs(base) },
        rhs: rhsValue.expr,
        returnBool,
        matching,
      };
      const sign = this.text(lhsNode).startsWith('-');
      return { expr: sign ? { kind: 'unary', op: '-', expr: power } : power, type: rhsValue.type };
    }
    const lhs = this.convert(lhsNode);
    const rhs = this.convert(rhsNode);
    for (const [side, n] of [
      [lhs, lhsNode],
      [rhs, rhsNode],
    ] as const) {
      if (side.type !== 'scalar' && side.type !== 'vector') {
        throw this.error(n.from, 'binary expression must contain only scalar and instant vector types');
      }
    }
    const bothScalar = lhs.type === 'scalar' && rhs.type === 'scalar';
    if (returnBool && !isComparison(op))
      throw this.error(node.from, 'bool modifier can only be used on comparison operators');
    if (isComparison(op) && bothScalar && !returnBool)
      throw this.error(node.from, 'comparisons between scalars must use BOOL modifier');
    if (isSetOperator(op)) {
      if (lhs.type !== 'vector' || rhs.type !== 'vector') {
        throw this.error(
          node.from,
          `set operator ${JSON.stringify(op)} not allowed in binary scalar expression`,
        );
      }
      if (matching.card !== 'one-to-one')
        throw this.error(node.from, `no grouping allowed for ${JSON.stringify(op)} operation`);
      matching.card = 'many-to-many';
    }
    if (explicitMatching && (lhs.type !== 'vector' || rhs.type !== 'vector')) {
      throw this.error(node.from, 'vector matching only allowed between instant vectors');
    }
    return {
      expr: { kind: 'binary', op, lhs: lhs.expr, rhs: rhs.expr, returnBool, matching },
      type: bothScalar ? 'scalar' : 'vector',
    };
  }

  private matchingClause(node: SyntaxNode, matching: VectorMatching, op: string): void {
    let expectInclude = false;
    for (const kid of children(node)) {
      if (kid.name === 'On' || kid.name === 'Ignoring') matching.on = kid.name === 'On';
      else if (kid.name === 'GroupLeft' || kid.name === 'GroupRight') {
        if (isSetOperator(op))
          throw this.error(kid.from, `no grouping allowed for ${JSON.stringify(op)} operation`);
        matching.card = kid.name === 'GroupLeft' ? 'many-to-one' : 'one-to-many';
        expectInclude = true;
      } else if (kid.name === 'GroupingLabels') {
        if (expectInclude) matching.include = this.groupingLabels(kid);
        else matching.labels = this.groupingLabels(kid);
      } else throw this.error(kid.from, `unsupported modifier ${JSON.stringify(this.text(kid))}`);
    }
    if (matching.on) {
      for (const l of matching.include) {
        if (matching.labels.includes(l))
          throw this.error(
            node.from,
            `label ${JSON.stringify(l)} must not occur in ON and GROUP clause at once`,
          );
      }
    }
  }

  private unary(node: SyntaxNode): Typed {
    const [opNode, exprNode] = children(node);
    const inner = this.convert(exprNode);
    if (inner.type !== 'scalar' && inner.type !== 'vector') {
      throw this.error(
        node.from,
        `unary expression only allowed on expressions of type scalar or instant vector, got ${TYPE_NAMES[inner.type]}`,
      );
    }
    const op = this.text(opNode) === '-' ? '-' : '+';
    if (op === '+') return inner;
    if (inner.expr.kind === 'number')
      return { expr: { kind: 'number', value: -inner.expr.value }, type: 'scalar' };
    return { expr: { kind: 'unary', op, expr: inner.expr }, type: inner.type };
  }
}

/** Open minus closed parentheses outside string literals. */
function parenDepth(text: string): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
  }
  return depth;
}

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}
