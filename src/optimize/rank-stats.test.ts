import { describe, expect, it } from 'vitest';
import { Random } from '../tools/simulate/synthetic/random.js';
import { blockMedians, compareRanks, normalCdf, normalQuantile, percentile, ranks, serialCorrection, tQuantile } from './rank-stats.js';

const iid = (seed: number, n: number, mean = 0) => {
  const r = new Random(seed);
  return Array.from({ length: n }, () => mean + r.normal());
};
const ar1 = (seed: number, n: number, phi: number) => {
  const r = new Random(seed);
  let x = 0;
  return Array.from({ length: n }, () => (x = phi * x + Math.sqrt(1 - phi * phi) * r.normal()));
};

describe('distributions', () => {
  it('give the usual normal and t quantiles', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.158655, 6);
    expect(tQuantile(0.975, 10)).toBeCloseTo(2.228, 2);
    expect(tQuantile(0.995, 5)).toBeGreaterThan(3.9);
    expect(tQuantile(0.975, Infinity)).toBe(normalQuantile(0.975));
  });

  it('rank with ties averaged and take percentiles between ranks', () => {
    expect(ranks([10, 20, 10, 5])).toEqual([2.5, 4, 2.5, 1]);
    expect(percentile([4, 1, 3, 2], 50)).toBe(2.5);
    expect(blockMedians([1, 9, 2, 8, 3], 2)).toEqual([5, 5, 3]);
  });
});

describe('compareRanks', () => {
  it('finds no shift between a sample and itself', () => {
    const x = iid(1, 50);
    const r = compareRanks(x, x, 0.95);
    expect(r.shift).toBe(0);
    expect(r.pValue).toBeCloseTo(1, 6);
    expect(r.low).toBeLessThan(0);
    expect(r.high).toBeGreaterThan(0);
  });

  it('estimates a shift by the median of pairwise differences, its 95% interval covering the truth about 95% of the time', () => {
    const r = compareRanks([1, 2, 3], [11, 12, 13, 14], 0.95);
    expect(r.shift).toBe(10.5);
    let covered = 0;
    for (let i = 0; i < 300; i++) {
      const x = compareRanks(iid(10 + i, 80), iid(5000 + i, 80, 1.5), 0.95);
      expect(x.pValue).toBeLessThan(1e-3);
      if (x.low < 1.5 && x.high > 1.5) covered++;
    }
    expect(covered / 300).toBeGreaterThan(0.91);
    expect(covered / 300).toBeLessThan(0.985);
  });

  it('widens the interval when the samples are serially correlated', () => {
    const before = ar1(4, 100, 0.9);
    const after = ar1(5, 100, 0.9);
    const plain = compareRanks(before, after, 0.95);
    const serial = serialCorrection([before, after]);
    const wide = compareRanks(before, after, 0.95, serial);
    expect(serial.inflation).toBeGreaterThan(4);
    expect(wide.high - wide.low).toBeGreaterThan(2 * (plain.high - plain.low));
  });

  it('credits no correlation to independent samples', () => {
    const s = serialCorrection([iid(6, 120), iid(7, 60)]);
    expect(s.inflation).toBeLessThan(1.7);
    expect(s.df).toBeGreaterThan(4);
  });

  it('estimates the correlation from the varying groups only: a side that fell to a constant (throttling to zero) is left out', () => {
    const before = ar1(8, 30, 0.5);
    const zeros = new Array<number>(30).fill(0);
    expect(serialCorrection([before, zeros])).toEqual(serialCorrection([before]));
    expect(serialCorrection([zeros, zeros])).toEqual({ inflation: 1, df: Infinity });
  });

  it('keeps the false rejection rate near its level on independent samples', () => {
    let rejected = 0;
    for (let i = 0; i < 400; i++) {
      const r = compareRanks(iid(100 + i, 40), iid(900 + i, 30), 0.95);
      if (r.low > 0 || r.high < 0) rejected++;
    }
    expect(rejected / 400).toBeLessThan(0.08);
    expect(rejected / 400).toBeGreaterThan(0.02);
  });
});
