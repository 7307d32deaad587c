// Parsing helpers built on native string operations (split, indexOf, parseInt): the collectors run
// once per tick, too rarely for V8 to optimize a character-by-character loop, so work done inside
// the engine's native string code costs several times less than the same work in JavaScript.

/** Splits one line into its space-separated fields, ignoring runs of spaces. */
export function fields(line: string): string[] {
  const parts = line.split(' ');
  let n = 0;
  for (let i = 0; i < parts.length; i++) if (parts[i] !== '') parts[n++] = parts[i]!;
  parts.length = n;
  return parts;
}

/** The lines of a /proc text, without the empty last one a trailing newline leaves. */
export function lines(text: string): string[] {
  const out = text.split('\n');
  if (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

/** Parses a decimal number; NaN when the text is not a number. */
export function num(text: string | undefined): number {
  return text === undefined || text === '' ? NaN : Number(text);
}

/** Index just past `key` where `key` starts a line, or -1. */
function afterKey(text: string, key: string): number {
  if (text.startsWith(key)) return key.length;
  const at = text.indexOf(`\n${key}`);
  return at < 0 ? -1 : at + 1 + key.length;
}

/**
 * The integer following `key` where `key` starts a line (as in `read_bytes: 123` or
 * `VmRSS:  47 kB`), leading blanks skipped; undefined when the key is absent or no number follows.
 */
export function valueAfterKey(text: string, key: string): number | undefined {
  const i = afterKey(text, key);
  if (i < 0) return undefined;
  // A 64-bit counter has at most 20 digits; /proc pads values with at most a few dozen blanks.
  const v = parseInt(text.slice(i, i + 48), 10);
  return Number.isNaN(v) ? undefined : v;
}

/** The whole line that starts with `key`, or undefined. */
export function lineStartingWith(text: string, key: string): string | undefined {
  const i = afterKey(text, key);
  if (i < 0) return undefined;
  const end = text.indexOf('\n', i);
  return text.slice(i - key.length, end < 0 ? undefined : end);
}

/** The number right after `key` anywhere in `line` (as in `total=123` or `avg10=0.26`); NaN when absent. */
export function numberAfter(line: string, key: string): number {
  const i = line.indexOf(key);
  return i < 0 ? NaN : parseFloat(line.slice(i + key.length, i + key.length + 32));
}
