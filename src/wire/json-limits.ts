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

/** What a byte is to the scan outside strings: anything else (0) is skipped after one table lookup. */
const OPEN = 1;
const CLOSE = 2;
const MEMBER = 3;
const CLASS = new Uint8Array(256);
CLASS[OPEN_OBJECT] = OPEN;
CLASS[OPEN_ARRAY] = OPEN;
CLASS[0x7d] = CLOSE; // }
CLASS[0x5d] = CLOSE; // ]
CLASS[0x3a] = MEMBER; // :

/**
 * True when the payload cannot break `maxDepth` nor `maxKeys` if it is JSON, judging by two cheap
 * facts: a member takes at least 5 bytes (`"":0,`), and a level at least one opening bracket,
 * counted with the native `indexOf`. Most messages are small and flat, and skip the byte loop.
 * (Text that is not JSON may pass here; the parser then refuses it without per-key work.)
 */
function plainlyWithin(data: Uint8Array, maxDepth: number, maxKeys: number): boolean {
  if (data.length >= 5 * (maxKeys + 1) - 1) return false;
  let opens = 0;
  for (const bracket of [OPEN_OBJECT, OPEN_ARRAY]) {
    for (let i = data.indexOf(bracket); i >= 0; i = data.indexOf(bracket, i + 1)) {
      if (++opens > maxDepth) return false;
    }
  }
  return true;
}

/**
 * Checks a payload against `limits` in one iterative pass over its bytes, without parsing it:
 * the structural characters of JSON are ASCII and never occur inside a multi-byte UTF-8 sequence,
 * so strings are skipped to their closing quote. It does not check that the text is JSON (the
 * parser does that next); it only guarantees that what follows has bounded depth and width.
 * Returns null when every limit holds.
 */
export function checkJsonLimits(data: Uint8Array, limits: JsonLimits): JsonLimitViolation | null {
  if (data.byteLength > limits.maxBytes) {
    return { code: 'too_large', message: `message of ${data.byteLength} bytes exceeds ${limits.maxBytes}` };
  }
  const { maxDepth, maxKeys } = limits;
  if (plainlyWithin(data, maxDepth, maxKeys)) return null;
  // keys[d]: members seen so far in the object open at depth d; -1 for an array.
  const keys = new Int32Array(maxDepth + 2);
  let depth = 0;
  const n = data.length;
  let i = 0;
  while (i < n) {
    const c = data[i++]!;
    if (c === QUOTE) {
      // Inline rather than a call: most strings are short names. A backslash escapes exactly the
      // next character (`\uXXXX` continues with plain hex digits).
      while (i < n) {
        const d = data[i]!;
        if (d === QUOTE) break;
        i += d === BACKSLASH ? 2 : 1;
      }
      i++;
      continue;
    }
    const kind = CLASS[c]!;
    if (kind === OPEN) {
      if (++depth > maxDepth) return { code: 'too_deep', message: `nested deeper than ${maxDepth} levels of objects and arrays` };
      keys[depth] = c === OPEN_OBJECT ? 0 : -1;
    } else if (kind === CLOSE) {
      if (depth > 0) depth--;
    } else if (kind === MEMBER && depth > 0 && keys[depth]! >= 0 && ++keys[depth]! > maxKeys) {
      return { code: 'too_many_keys', message: `an object at depth ${depth} has more than ${maxKeys} keys` };
    }
  }
  return null;
}
