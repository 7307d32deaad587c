import { AGGREGATE_OPS, isScalar, MATCH_OPS, RANGE_FUNCTIONS, type AggregateOp, type BinaryOp, type Expr, type Grouping, type Matcher, type MatchOp, type RangeFunction } from './promql-ast.js';
import { lex, parseDurationText, PromQLError, type Token } from './promql-lex.js';

export { PromQLError } from './promql-lex.js';

const UNSUPPORTED_KEYWORDS: Readonly<Record<string, string>> = {
  offset: 'the offset modifier is not supported',
  bool: 'comparison operators are not supported',
  and: 'set operators (and, or, unless) are not supported',
  or: 'set operators (and, or, unless) are not supported',
  unless: 'set operators (and, or, unless) are not supported',
  on: 'vector matching (on, ignoring, group_left, group_right) is not supported',
  ignoring: 'vector matching (on, ignoring, group_left, group_right) is not supported',
  group_left: 'vector matching (on, ignoring, group_left, group_right) is not supported',
  group_right: 'vector matching (on, ignoring, group_left, group_right) is not supported',
};
const SUPPORTED = `supported: selectors with label matchers, ${Object.keys(RANGE_FUNCTIONS).join(', ')}, ${AGGREGATE_OPS.join(', ')} (by/without), and + - * / % ^ with numbers`;

/** Recursive-descent parser over the tokens of one query. */
class Parser {
  #i = 0;
  constructor(private readonly toks: readonly Token[]) {}

  get #tok(): Token {
    return this.toks[this.#i]!;
  }

  #fail(message: string, tok: Token = this.#tok): never {
    throw new PromQLError(message, tok.pos + 1);
  }

  #next(): Token {
    return this.toks[this.#i++]!;
  }

  #isOp(text: string): boolean {
    return this.#tok.kind === 'op' && this.#tok.text === text;
  }

  #expect(text: string): Token {
    if (!this.#isOp(text)) this.#fail(`unexpected ${describe(this.#tok)}, expected "${text}"`);
    return this.#next();
  }

  parse(): Expr {
    if (this.#tok.kind === 'eof') this.#fail('no expression found in input');
    const e = this.#additive();
    const rest = this.toks[this.#i]!;
    if (rest.kind !== 'eof') this.#fail(`unexpected ${describe(rest)}`, rest);
    return e;
  }

  #binary(op: BinaryOp, left: Expr, right: Expr, at: Token): Expr {
    if (!isScalar(left) && !isScalar(right)) this.#fail('operations between two series selections are not supported (only with a number); ' + SUPPORTED, at);
    return { type: 'binary', op, left, right };
  }

  #additive(): Expr {
    let left = this.#multiplicative();
    while (this.#isOp('+') || this.#isOp('-')) {
      const at = this.#next();
      left = this.#binary(at.text as BinaryOp, left, this.#multiplicative(), at);
    }
    if (this.#tok.kind === 'op' && ['==', '!=', '>', '<', '>=', '<='].includes(this.#tok.text)) this.#fail('comparison operators are not supported; ' + SUPPORTED);
    return left;
  }

  #multiplicative(): Expr {
    let left = this.#unary();
    while (this.#isOp('*') || this.#isOp('/') || this.#isOp('%')) {
      const at = this.#next();
      left = this.#binary(at.text as BinaryOp, left, this.#unary(), at);
    }
    return left;
  }

  #unary(): Expr {
    if (this.#isOp('-')) {
      this.#next();
      const e = this.#unary();
      return e.type === 'number' ? { type: 'number', value: -e.value } : { type: 'negate', expr: e };
    }
    if (this.#isOp('+')) this.#next();
    return this.#power();
  }

  #power(): Expr {
    const base = this.#primary();
    if (!this.#isOp('^')) return base;
    const at = this.#next();
    return this.#binary('^', base, this.#unary(), at);
  }

  #primary(): Expr {
    const t = this.#tok;
    let e: Expr;
    if (t.kind === 'number') e = { type: 'number', value: this.#next().value as number };
    else if (this.#isOp('(')) {
      this.#next();
      e = this.#additive();
      this.#expect(')');
    } else if (this.#isOp('{') || t.kind === 'string') e = { type: 'selector', matchers: this.#selector(null) };
    else if (t.kind === 'ident') e = this.#identifier();
    else this.#fail(`unexpected ${describe(t)}`);
    if (this.#isOp('[')) this.#fail(`ranges are only supported inside ${Object.keys(RANGE_FUNCTIONS).join(', ')} (no subqueries)`);
    if (this.#isOp('@')) this.#fail('the @ modifier is not supported');
    if (this.#tok.kind === 'ident' && UNSUPPORTED_KEYWORDS[this.#tok.text.toLowerCase()]) this.#fail(UNSUPPORTED_KEYWORDS[this.#tok.text.toLowerCase()]!);
    return e;
  }

  #identifier(): Expr {
    const t = this.#next();
    const lower = t.text.toLowerCase();
    const call = this.#isOp('(');
    if ((AGGREGATE_OPS as readonly string[]).includes(lower) && (call || (this.#tok.kind === 'ident' && ['by', 'without'].includes(this.#tok.text)))) {
      return this.#aggregate(lower as AggregateOp);
    }
    if (call && t.text in RANGE_FUNCTIONS) return this.#rangeFunction(t.text as RangeFunction);
    if (call) this.#fail(`function "${t.text}" is not supported; ${SUPPORTED}`, t);
    if (UNSUPPORTED_KEYWORDS[lower] || lower === 'by' || lower === 'without') this.#fail(`unexpected ${describe(t)}`, t);
    return { type: 'selector', matchers: this.#selector(t) };
  }

  #aggregate(op: AggregateOp): Expr {
    let grouping = this.#grouping();
    this.#expect('(');
    const at = this.#tok;
    const inner = this.#additive();
    if (this.#isOp(',')) this.#fail(`aggregation "${op}" takes one argument`);
    this.#expect(')');
    if (isScalar(inner)) this.#fail(`expected a series selection in aggregation "${op}", got a number`, at);
    const after = this.#grouping();
    if (grouping && after) this.#fail('grouping given twice');
    grouping ??= after;
    return { type: 'aggregate', op, grouping, expr: inner };
  }

  #grouping(): Grouping | null {
    if (this.#tok.kind !== 'ident' || !['by', 'without'].includes(this.#tok.text)) return null;
    const mode = this.#next().text as 'by' | 'without';
    this.#expect('(');
    const labels: string[] = [];
    while (!this.#isOp(')')) {
      const l = this.#next();
      if (l.kind !== 'ident' && l.kind !== 'string') this.#fail(`unexpected ${describe(l)} in grouping, expected a label name`, l);
      labels.push(l.kind === 'string' ? (l.value as string) : l.text);
      if (!this.#isOp(')')) this.#expect(',');
    }
    this.#next();
    return { mode, labels };
  }

  #rangeFunction(fn: RangeFunction): Expr {
    this.#expect('(');
    const sel = this.#primarySelector();
    this.#expect('[');
    const d = this.#next();
    const rangeMs = parseDurationText(d.text);
    if (!(rangeMs > 0)) this.#fail(`bad duration "${d.text}": expected a positive duration such as 5m or 1h30m`, d);
    this.#expect(']');
    if (this.#isOp('@') || (this.#tok.kind === 'ident' && this.#tok.text === 'offset')) this.#fail('the offset and @ modifiers are not supported');
    this.#expect(')');
    return { type: 'range_function', fn, matchers: sel, rangeMs };
  }

  #primarySelector(): Matcher[] {
    const t = this.#tok;
    if (this.#isOp('{') || t.kind === 'string') return this.#selector(null);
    if (t.kind === 'ident') return this.#selector(this.#next());
    return this.#fail(`expected a series selector, got ${describe(t)}`);
  }

  /** `name{matchers}`, `name`, `{matchers}` or Prometheus 3's `{"name", matchers}`. */
  #selector(nameTok: Token | null): Matcher[] {
    const matchers: Matcher[] = nameTok ? [{ name: '__name__', op: '=', value: nameTok.text }] : [];
    const at = nameTok ?? this.#tok;
    if (!nameTok && this.#tok.kind === 'string') matchers.push({ name: '__name__', op: '=', value: this.#next().value as string });
    else if (this.#isOp('{')) {
      this.#next();
      while (!this.#isOp('}')) {
        matchers.push(this.#matcher());
        if (!this.#isOp('}')) this.#expect(',');
      }
      this.#next();
    }
    if (matchers.filter((m) => m.name === '__name__' && m.op === '=').length > 1 && nameTok) this.#fail('metric name must not be set twice', at);
    if (!matchers.some((m) => !matches(m, ''))) this.#fail('vector selector must contain at least one non-empty matcher', at);
    return matchers;
  }

  #matcher(): Matcher {
    const nameTok = this.#next();
    if (nameTok.kind !== 'ident' && nameTok.kind !== 'string') this.#fail(`unexpected ${describe(nameTok)} in label matching, expected a label name`, nameTok);
    const name = nameTok.kind === 'string' ? (nameTok.value as string) : nameTok.text;
    if (nameTok.kind === 'string' && (this.#isOp(',') || this.#isOp('}'))) return { name: '__name__', op: '=', value: name };
    const opTok = this.#next();
    if (opTok.kind !== 'op' || !(MATCH_OPS as readonly string[]).includes(opTok.text)) this.#fail(`unexpected ${describe(opTok)} in label matching, expected one of =, !=, =~, !~`, opTok);
    const v = this.#next();
    if (v.kind !== 'string') this.#fail(`unexpected ${describe(v)} in label matching, expected a quoted string`, v);
    const m: Matcher = { name, op: opTok.text as MatchOp, value: v.value as string };
    if (m.op === '=~' || m.op === '!~') {
      try {
        new RegExp(`^(?:${m.value})$`);
      } catch {
        this.#fail(`invalid regular expression in matcher: ${JSON.stringify(m.value)}`, v);
      }
    }
    return m;
  }
}

function describe(t: Token): string {
  if (t.kind === 'eof') return 'end of input';
  return `${t.kind === 'op' ? 'character' : t.kind === 'ident' ? 'identifier' : t.kind} "${t.text}"`;
}

const REGEX_CACHE = new Map<string, RegExp>();

/** Whether a label value (`''` for a label the series lacks) satisfies a matcher; regexes are anchored, as in PromQL. */
export function matches(m: Matcher, value: string): boolean {
  if (m.op === '=') return value === m.value;
  if (m.op === '!=') return value !== m.value;
  let re = REGEX_CACHE.get(m.value);
  if (!re) {
    re = new RegExp(`^(?:${m.value})$`, 's');
    if (REGEX_CACHE.size > 1000) REGEX_CACHE.clear();
    REGEX_CACHE.set(m.value, re);
  }
  return re.test(value) === (m.op === '=~');
}

/** Parses a query of the subset; throws PromQLError naming the position and what is not supported. */
export function parsePromQL(query: string): Expr {
  return new Parser(lex(query)).parse();
}

/** Parses a series selector (the `match[]` of the metadata endpoints). */
export function parseSelector(query: string): readonly Matcher[] {
  const e = parsePromQL(query);
  if (e.type !== 'selector') throw new PromQLError('expected a series selector', 1);
  return e.matchers;
}
