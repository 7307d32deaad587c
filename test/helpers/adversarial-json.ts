import fc from 'fast-check';

/**
 * JSON text built from parts, so that a payload can hold what `JSON.stringify` never writes:
 * `NaN`, `1e999`, a `__proto__` key (an object literal would set the prototype instead), the
 * same key twice, or 20,000 levels of nesting (written as raw text, never as a nested value).
 */
export type J = string | number | boolean | null | readonly J[] | { readonly raw: string } | { readonly entries: readonly (readonly [string, J])[] };

/** Text inserted as it is. */
export const raw = (text: string): J => ({ raw: text });

/** An object with these members, in this order, duplicates and `__proto__` included. */
export const obj = (entries: readonly (readonly [string, J])[]): J => ({ entries });

/** The JSON text of a part. */
export function jsonText(v: J): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${(v as readonly J[]).map(jsonText).join(',')}]`;
  if ('raw' in v) return v.raw;
  return `{${(v as { entries: readonly (readonly [string, J])[] }).entries.map(([k, x]) => `${JSON.stringify(k)}:${jsonText(x)}`).join(',')}}`;
}

/** Text aimed at whatever might interpret it downstream: SQL, templates, formats, paths, HTML. */
export const INJECTIONS = [
  "'; DROP TABLE metric_streams; --",
  "' OR '1'='1",
  '$1',
  '${process.exit(1)}',
  '{{7*7}}',
  '%s%s%s%n',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '\\',
  '"',
  'NaN',
  'Infinity',
  '__proto__',
  'constructor',
  '\u202eevil',
  '\ufeffbom',
  '😀'.repeat(300),
] as const;

/** Keys that name something on every JavaScript object. */
export const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'] as const;

/** A valid name (sources, metrics, label keys): 1-128 of `A-Z a-z 0-9 _ . : -`. */
export const validName = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_.:-]{1,24}$/), fc.constantFrom('__proto__', 'constructor', 'toString', 'x'.repeat(128)));

/** Strings a string field should reject or survive: NUL, unpaired surrogates, injections, long runs. */
export const weirdString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '\udc00\ud800', '', ' ', '\n', 'a=b', 'x'.repeat(129), 'y'.repeat(1025), ...INJECTIONS),
);

/** Any key, valid or not. */
export const weirdKey = fc.oneof(validName, weirdString, fc.constantFrom(...PROTOTYPE_KEYS));

/** Number-like tokens, as raw JSON text: some are not JSON, some overflow, some are not numbers. */
export const numberTokens = fc.constantFrom(
  'NaN', 'Infinity', '-Infinity', '1e999', '-1e999', '1e-999', '-0', '0', '1.7976931348623157e308',
  '9007199254740993', '"1"', '"NaN"', 'null', 'true', '[]', '{}', '0x10', '01', '.5', '+1',
).map(raw);

/** Nesting `depth` levels deep, as raw text (arrays or objects, optionally with a value inside). */
export const deepValue = fc
  .tuple(fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 64, max: 20_000 })), fc.boolean())
  .map(([depth, objects]) => raw(objects ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}${']'.repeat(depth)}`));

/** Timestamps: impossible, unstorable, badly typed, and real ones. */
export const weirdTimestamp = fc.oneof(
  fc.constantFrom(
    '0000-01-01T00:00:00Z', '-000001-01-01T00:00:00Z', '0001-01-01T00:00:00Z', '1969-12-31T23:59:59Z', '1970-01-01T00:00:00Z',
    '9999-12-31T23:59:59Z', '9999-12-31T23:59:59-01:00', '10000-01-01T00:00:00Z', '2026-02-30T00:00:00Z', '2026-11-23T24:00:00Z',
    '2026-11-23T10:00:60Z', '2026-11-23', 'yesterday', '2026-11-23T10:00:00+25:00', '',
  ),
  fc.constantFrom(-1, 253402300800000, 1.5, 8.64e15 + 1, -8.64e15),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  numberTokens,
);

/** A value of any kind, hostile ones included. */
export const weirdValue: fc.Arbitrary<J> = fc.oneof(
  weirdString,
  numberTokens,
  deepValue,
  fc.double(),
  fc.constantFrom(null, true, false),
  fc.jsonValue({ maxDepth: 3 }).map((v) => raw(JSON.stringify(v) ?? 'null')),
);

/** A payload that is not an object at all: bytes, tokens, arrays, deep text. */
export const notAnObject = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((b) => ({ bytes: b })),
  fc.constantFrom('', 'null', '"text"', '[]', '[{}]', '{', '{"a":1,}', 'NaN', '\u0000', '{"a":"\\ud800"').map((t) => ({ bytes: new TextEncoder().encode(t) })),
  deepValue.map((v) => ({ bytes: new TextEncoder().encode(jsonText(v)) })),
  fc.jsonValue().map((v) => ({ bytes: new TextEncoder().encode(JSON.stringify(v) ?? 'null') })),
);
