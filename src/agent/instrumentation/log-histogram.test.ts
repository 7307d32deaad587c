import { describe, expect, it } from 'vitest';
import { LogHistogram } from './log-histogram.js';

function exactPercentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((q / 100) * sorted.length) - 1)]!;
}

describe('LogHistogram', () => {
  it('gives percentiles within 4.5% of the exact ones over six decades', () => {
    const h = new LogHistogram();
    const values: number[] = [];
    let seed = 7;
    for (let i = 0; i < 20_000; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const v = 10 ** ((seed / 2 ** 31) * 6 - 2);
      values.push(v);
      h.record(v);
    }
    for (const q of [50, 90, 95, 99, 99.9]) {
      const exact = exactPercentile(values, q);
      expect(Math.abs(h.percentile(q) - exact) / exact).toBeLessThan(0.045);
    }
    expect(h.count).toBe(20_000);
    expect(h.max).toBe(Math.max(...values));
  });

  it('finds the tail when a few values are far above the rest', () => {
    const h = new LogHistogram();
    for (let i = 0; i < 94; i++) h.record(2);
    for (let i = 0; i < 6; i++) h.record(300);
    expect(h.percentile(50)).toBeCloseTo(2, 0);
    expect(h.percentile(95)).toBeGreaterThan(280);
    expect(h.percentile(95)).toBeLessThanOrEqual(300);
  });

  it('ignores invalid values, reports 0 when empty, and forgets on reset', () => {
    const h = new LogHistogram();
    expect(h.percentile(95)).toBe(0);
    h.record(Number.NaN);
    h.record(-1);
    h.record(Infinity);
    expect(h.count).toBe(0);
    h.record(0);
    h.record(1e12);
    expect(h.count).toBe(2);
    expect(h.percentile(50)).toBe(0);
    expect(h.percentile(100)).toBeLessThanOrEqual(1e12);
    h.reset();
    expect(h.count).toBe(0);
    expect(h.max).toBe(0);
  });
});
