import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StreamSetMap } from './stream-set-map.js';

interface Item {
  readonly setId: number;
  readonly tag: number;
}

type Op =
  | { kind: 'set'; stream: number; set: number; tag: number }
  | { kind: 'delete'; stream: number; set: number }
  | { kind: 'removeWhere'; mod: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), stream: fc.integer({ min: 0, max: 5 }), set: fc.integer({ min: 0, max: 3 }), tag: fc.nat(100) }),
  fc.record({ kind: fc.constant('delete' as const), stream: fc.integer({ min: 0, max: 5 }), set: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ kind: fc.constant('removeWhere' as const), mod: fc.integer({ min: 2, max: 4 }) }),
);

describe('StreamSetMap', () => {
  it('holds what a map keyed by (stream, set) holds, through any sequence of sets, deletes and removals', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const m = new StreamSetMap<Item>();
        const ref = new Map<string, [number, Item]>();
        for (const o of ops) {
          if (o.kind === 'set') {
            const v = { setId: o.set, tag: o.tag };
            m.set(o.stream, v);
            ref.set(`${o.stream}:${o.set}`, [o.stream, v]);
          } else if (o.kind === 'delete') {
            expect(m.delete(o.stream, o.set)).toBe(ref.delete(`${o.stream}:${o.set}`));
          } else {
            const pick = (v: Item) => v.tag % o.mod === 0;
            const removed = m.removeWhere(pick);
            const expected = [...ref.values()].filter(([, v]) => pick(v)).map(([, v]) => v);
            expect(new Set(removed)).toEqual(new Set(expected));
            for (const [k, [, v]] of ref) if (pick(v)) ref.delete(k);
          }
          expect(m.size).toBe(ref.size);
        }
        const entries = [...m.entries()].map(([s, v]) => `${s}:${v.setId}:${v.tag}`).sort();
        expect(entries).toEqual([...ref.values()].map(([s, v]) => `${s}:${v.setId}:${v.tag}`).sort());
        for (let s = 0; s <= 5; s++) for (let k = 0; k <= 3; k++) expect(m.get(s, k)).toBe(ref.get(`${s}:${k}`)?.[1]);
      }),
    );
  });

  it('a stream with two sets keeps the other when one is deleted', () => {
    const m = new StreamSetMap<Item>();
    const a = { setId: 1, tag: 0 };
    const b = { setId: 2, tag: 0 };
    m.set(7, a);
    m.set(7, b);
    expect([...m.values()]).toEqual([a, b]);
    expect(m.delete(7, 1)).toBe(true);
    expect(m.get(7, 2)).toBe(b);
    expect(m.get(7, 1)).toBeUndefined();
    expect(m.size).toBe(1);
  });
});
