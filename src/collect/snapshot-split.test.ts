import { describe, expect, it } from 'vitest';
import { toSnapshots } from './snapshot-split.js';

describe('toSnapshots', () => {
  const base = { source: 'vm', host: 'vm', timestamp: 1 };

  it('wraps metrics into one snapshot', () => {
    expect(toSnapshots(base, { a: 1, b: 2 })).toEqual([{ ...base, metrics: { a: 1, b: 2 } }]);
  });

  it('splits beyond the per-snapshot maximum, in collection order', () => {
    const metrics = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`m${i}`, i]));
    const out = toSnapshots(base, metrics, 2);
    expect(out.map((s) => Object.keys(s.metrics))).toEqual([['m0', 'm1'], ['m2', 'm3'], ['m4']]);
    expect(out.every((s) => s.source === 'vm' && s.timestamp === 1)).toBe(true);
  });

  it('gives no snapshot without metrics (a snapshot needs at least one)', () => {
    expect(toSnapshots(base, {})).toEqual([]);
  });
});
