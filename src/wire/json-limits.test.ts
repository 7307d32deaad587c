import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkJsonLimits, type JsonLimits } from './json-limits.js';

const enc = (text: string) => new TextEncoder().encode(text);
const RUNS = Number(process.env.PROPERTY_RUNS ?? 200);

/** Depth and widest object of a parsed value, computed the obvious (recursive) way. */
function measure(v: unknown): { depth: number; keys: number } {
  if (v === null || typeof v !== 'object') return { depth: 0, keys: 0 };
  const children = Array.isArray(v) ? v : Object.values(v);
  let depth = 0;
  let keys = Array.isArray(v) ? 0 : Object.keys(v).length;
  for (const c of children) {
    const m = measure(c);
    depth = Math.max(depth, m.depth);
    keys = Math.max(keys, m.keys);
  }
  return { depth: depth + 1, keys };
}

describe('checkJsonLimits', () => {
  const limits: JsonLimits = { maxBytes: 1 << 20, maxDepth: 4, maxKeys: 3 };

  it('agrees with the parsed value on depth and width, whatever the strings hold', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 7 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 5 }), (value, maxDepth, maxKeys) => {
        const text = JSON.stringify(value);
        const m = measure(JSON.parse(text));
        const v = checkJsonLimits(enc(text), { maxBytes: 1 << 20, maxDepth, maxKeys });
        const expected = m.depth > maxDepth ? 'too_deep' : m.keys > maxKeys ? 'too_many_keys' : null;
        // Both limits broken: the scan reports whichever it meets first in the text.
        if (m.depth > maxDepth && m.keys > maxKeys) expect(v?.code).toMatch(/too_deep|too_many_keys/);
        else expect(v?.code ?? null).toBe(expected);
      }),
      { numRuns: RUNS * 5 },
    );
  });

  it('is not fooled by brackets, colons and escaped quotes inside strings', () => {
    const tricky = JSON.stringify({ a: '[[[[[{{{{{:::::', b: 'x\\"[[[[[', c: '\\', d: ['"{{{{{{'] });
    expect(checkJsonLimits(enc(tricky), { ...limits, maxKeys: 4 })).toBeNull();
    expect(checkJsonLimits(enc(JSON.stringify({ s: 'é😀\u0000[[[[[' })), limits)).toBeNull();
  });

  it('stops a 10,000-deep document at the first level too many, and names each limit', () => {
    const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    expect(checkJsonLimits(enc(deep), limits)).toEqual({ code: 'too_deep', message: 'nested deeper than 4 levels of objects and arrays' });
    expect(checkJsonLimits(enc('['.repeat(5)), limits)?.code).toBe('too_deep');
    expect(checkJsonLimits(enc('{"a":1,"b":2,"c":3,"d":4}'), limits)?.code).toBe('too_many_keys');
    expect(checkJsonLimits(enc('[1,2,3,4,5,6,7]'), limits)).toBeNull();
    expect(checkJsonLimits(enc('x'.repeat(11)), { ...limits, maxBytes: 10 })?.code).toBe('too_large');
  });

  it('leaves text that is not JSON to the parser, without looping or throwing', () => {
    for (const text of ['', '"unclosed', '"\\', '}}}]]]', '{:::', 'NaN', '\u0000\uFFFF']) {
      expect(checkJsonLimits(enc(text), { ...limits, maxKeys: 10 })).toBeNull();
    }
    expect(checkJsonLimits(new Uint8Array([0xff, 0xfe, 0x7b, 0x22]), limits)).toBeNull();
  });
});
