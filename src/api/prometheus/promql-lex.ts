/** A query the subset cannot take: bad syntax, or PromQL the engine does not evaluate. */
export class PromQLError extends Error {
  override readonly name = 'PromQLError';
  constructor(
    message: string,
    /** 1-based column of the offending character. */
    readonly column: number,
  ) {
    super(`1:${column}: parse error: ${message}`);
  }
}

/** A token: number, identifier, string, duration (the text inside `[...]`), operator or end. */
export interface Token {
  readonly kind: 'number' | 'ident' | 'string' | 'duration' | 'op' | 'eof';
  readonly text: string;
  /** The number, or the string's value. */
  readonly value?: number | string;
  /** 0-based offset in the query. */
  readonly pos: number;
}

const OPS = ['!=', '=~', '!~', '==', '>=', '<=', '=', '>', '<', '+', '-', '*', '/', '%', '^', '(', ')', '{', '}', '[', ']', ',', '@'];
const IDENT = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;
const NUMBER = /(0[xX][0-9a-fA-F]+|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)/y;
const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'", a: '\x07', b: '\b', f: '\f', v: '\v' };

function readString(q: string, start: number): { value: string; end: number } {
  const quote = q[start]!;
  let value = '';
  let i = start + 1;
  while (i < q.length && q[i] !== quote) {
    if (q[i] === '\\' && quote !== '`') {
      const e = q[i + 1];
      if (e === undefined) break;
      if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(q.slice(i + 2, i + 6))) {
        value += String.fromCharCode(parseInt(q.slice(i + 2, i + 6), 16));
        i += 6;
        continue;
      }
      const c = ESCAPES[e];
      if (c === undefined) throw new PromQLError(`unknown escape sequence '\\${e}'`, i + 1);
      value += c;
      i += 2;
      continue;
    }
    value += q[i];
    i++;
  }
  if (i >= q.length) throw new PromQLError('unterminated quoted string', start + 1);
  return { value, end: i + 1 };
}

/** Splits a query into tokens; the text between `[` and `]` is one duration token. */
export function lex(q: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < q.length && q[i] !== '\n') i++;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      const s = readString(q, i);
      out.push({ kind: 'string', text: q.slice(i, s.end), value: s.value, pos: i });
      i = s.end;
      continue;
    }
    IDENT.lastIndex = i;
    const id = IDENT.exec(q);
    if (id) {
      const lower = id[0].toLowerCase();
      if (lower === 'inf' || lower === 'nan') out.push({ kind: 'number', text: id[0], value: lower === 'inf' ? Infinity : NaN, pos: i });
      else out.push({ kind: 'ident', text: id[0], pos: i });
      i += id[0].length;
      continue;
    }
    NUMBER.lastIndex = i;
    const num = NUMBER.exec(q);
    if (num) {
      out.push({ kind: 'number', text: num[0], value: Number(num[0]), pos: i });
      i += num[0].length;
      continue;
    }
    const op = OPS.find((o) => q.startsWith(o, i));
    if (!op) throw new PromQLError(`unexpected character: '${c}'`, i + 1);
    out.push({ kind: 'op', text: op, pos: i });
    i += op.length;
    if (op === '[') {
      const close = q.indexOf(']', i);
      if (close < 0) throw new PromQLError('unterminated range: missing ]', i);
      out.push({ kind: 'duration', text: q.slice(i, close).trim(), pos: i });
      out.push({ kind: 'op', text: ']', pos: close });
      i = close + 1;
    }
  }
  out.push({ kind: 'eof', text: '', pos: q.length });
  return out;
}

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };

/** A Prometheus duration (`5m`, `1h30m`, `90s`, `500ms`) in ms; NaN when it is not one. */
export function parseDurationText(text: string): number {
  if (!/^(\d+(ms|s|m|h|d|w|y))+$/.test(text)) return NaN;
  let ms = 0;
  for (const m of text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  return ms;
}
