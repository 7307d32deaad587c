/**
 * The PromQL subset the engine evaluates (docs/history.md#promql-subset): vector selectors with
 * label matchers, the `*_over_time` functions, the aggregations `sum`, `avg`, `min`, `max`,
 * `count` with `by` or `without`, and arithmetic with numbers.
 */

/** Label matcher operators. */
export const MATCH_OPS = ['=', '!=', '=~', '!~'] as const;
/** A label matcher operator. */
export type MatchOp = (typeof MATCH_OPS)[number];

/** One label matcher of a selector. */
export interface Matcher {
  readonly name: string;
  readonly op: MatchOp;
  readonly value: string;
}

/** The `*_over_time` functions, with the window aggregation each one is. */
export const RANGE_FUNCTIONS = {
  avg_over_time: 'mean',
  min_over_time: 'min',
  max_over_time: 'max',
  last_over_time: 'last',
  count_over_time: 'count',
  sum_over_time: 'sum',
} as const;
/** A `*_over_time` function. */
export type RangeFunction = keyof typeof RANGE_FUNCTIONS;

/** Aggregation operators across series. */
export const AGGREGATE_OPS = ['sum', 'avg', 'min', 'max', 'count'] as const;
/** An aggregation operator. */
export type AggregateOp = (typeof AGGREGATE_OPS)[number];

/** Arithmetic operators. */
export const BINARY_OPS = ['+', '-', '*', '/', '%', '^'] as const;
/** An arithmetic operator. */
export type BinaryOp = (typeof BINARY_OPS)[number];

/** `by (labels)` or `without (labels)` of an aggregation. */
export interface Grouping {
  readonly mode: 'by' | 'without';
  readonly labels: readonly string[];
}

/** A parsed expression. */
export type Expr =
  | { readonly type: 'number'; readonly value: number }
  | { readonly type: 'selector'; readonly matchers: readonly Matcher[] }
  | { readonly type: 'range_function'; readonly fn: RangeFunction; readonly matchers: readonly Matcher[]; readonly rangeMs: number }
  | { readonly type: 'aggregate'; readonly op: AggregateOp; readonly grouping: Grouping | null; readonly expr: Expr }
  | { readonly type: 'binary'; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr }
  | { readonly type: 'negate'; readonly expr: Expr };

/** Whether an expression gives a number rather than series. */
export function isScalar(e: Expr): boolean {
  switch (e.type) {
    case 'number':
      return true;
    case 'negate':
      return isScalar(e.expr);
    case 'binary':
      return isScalar(e.left) && isScalar(e.right);
    default:
      return false;
  }
}

/** Applies an arithmetic operator as PromQL does (`%` keeps the dividend's sign, like Go's math.Mod). */
export function applyBinary(op: BinaryOp, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    case '%':
      return a % b;
    default:
      return a ** b;
  }
}
