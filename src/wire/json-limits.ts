/**
 * Bounds a JSON payload must respect before anything parses it. Parsing, validating and
 * formatting are recursive (ajv, JSON.stringify of a rejected value), so nesting is bounded before
 * any of them runs; member counts are bounded so that per-key work (schema errors listed per
 * unknown key, say) stays small.
 */
export interface JsonLimits {
  /** Largest payload, bytes. */
  readonly maxBytes: number;
  /** Deepest nesting of objects and arrays (a flat object is depth 1). */
  readonly maxDepth: number;
  /** Most members in any one object. */
  readonly maxKeys: number;
}

/** Limits of a subscription that says nothing: NATS's default max_payload, and room for any sane message. */
export const DEFAULT_JSON_LIMITS: JsonLimits = Object.freeze({ maxBytes: 1024 * 1024, maxDepth: 64, maxKeys: 10_000 });

/** Codes of the limits, as they appear in replies and on `performance.invalid_message`. */
export const JSON_LIMIT_CODES = ['too_large', 'too_deep', 'too_many_keys'] as const;

/** Which limit a payload broke, and a sentence saying so. */
export interface JsonLimitViolation {
  readonly code: (typeof JSON_LIMIT_CODES)[number];
  readonly message: string;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;
const COLON = 0x3a;

/** Index just past the quote closing the string whose content starts at `from`; the end when unclosed. */
function endOfString(data: Uint8Array, from: number): number {
  let j = from;
  for (;;) {
    j = data.indexOf(QUOTE, j);
    if (j < 0) return data.length;
    let k = j - 1;
    while (k >= from && data[k] === BACKSLASH) k--;
    // An odd run of backslashes escapes the quote; each run is walked once, so the scan stays linear.
    if ((j - 1 - k) % 2 === 0) return j + 1;
    j++;
  }
}

/**
 * Checks a payload against `limits` in one iterative pass over its bytes, without parsing it:
 * the structural characters of JSON are ASCII and never occur inside a multi-byte UTF-8 sequence,
 * so strings are skipped by finding their closing quote. It does not check that the text is JSON
 * (the parser does that next); it only guarantees that what follows has bounded depth and width.
 * Returns null when every limit holds.
 */
export function checkJsonLimits(data: Uint8Array, limits: JsonLimits): JsonLimitViolation | null {
  if (data.byteLength > limits.maxBytes) {
    return { code: 'too_large', message: `message of ${data.byteLength} bytes exceeds ${limits.maxBytes}` };
  }
  // keys[d]: members seen so far in the object open at depth d; -1 for an array.
  const keys = new Int32Array(limits.maxDepth + 2);
  let depth = 0;
  const n = data.length;
  let i = 0;
  while (i < n) {
    const c = data[i]!;
    if (c === QUOTE) {
      i = endOfString(data, i + 1);
      continue;
    }
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > limits.maxDepth) {
        return { code: 'too_deep', message: `nested deeper than ${limits.maxDepth} levels of objects and arrays` };
      }
      keys[depth] = c === OPEN_OBJECT ? 0 : -1;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      if (depth > 0) depth--;
    } else if (c === COLON && depth > 0 && keys[depth]! >= 0) {
      if (++keys[depth]! > limits.maxKeys) {
        return { code: 'too_many_keys', message: `an object at depth ${depth} has more than ${limits.maxKeys} keys` };
      }
    }
    i++;
  }
  return null;
}
