import { describe, expect, it } from 'vitest';
import { Random } from '../tools/simulate/synthetic/random.js';
import { compareRanks, serialCorrection } from './rank-stats.js';
import { compareTrimmedMeans } from './trimmed-means.js';

const iid = (seed: number, n: number, mean = 0) => {
  const r = new Random(seed);
  return Array.from({ length: n }, () => mean + r.normal());
};
/** A drifting series: a random walk of small steps under a little noise (n values from `start`). */
const drift = (seed: number, n: number, start: number, step: number) => {
  const r = new Random(seed);
  let x = start;
  return Array.from({ length: n }, () => (x += step * r.normal()) + 0.2 * step * r.normal());
};

describe('compareTrimmedMeans', () => {
  it("gives Yuen's difference of 20% trimmed means, with no shift between a sample and itself", () => {
    // 10 values: 2 trimmed from each end, the mean of the middle 6.
    const r = compareTrimmedMeans([1, 2, 3, 4, 5, 6, 7, 8, 9, 100], [11, 12, 13, 14, 15, 16, 17, 18, 19, -50], 0.95);
    expect(r.shift).toBeCloseTo(14.5 - 5.5, 9);
    const x = iid(1, 40);
    const same = compareTrimmedMeans(x, x, 0.95);
    expect(same.shift).toBe(0);
    expect(same.low).toBeLessThan(0);
    expect(same.high).toBeGreaterThan(0);
  });

  it('keeps its error rate on independent samples, its interval covering a true shift at least as often as it says', () => {
    let falsePositives = 0;
    let covered = 0;
    for (let i = 0; i < 400; i++) {
      const none = compareTrimmedMeans(iid(10 + i, 30), iid(5000 + i, 30), 0.95);
      if (none.low > 0 || none.high < 0) falsePositives++;
      const shifted = compareTrimmedMeans(iid(20_000 + i, 30), iid(30_000 + i, 30, 1), 0.95);
      if (shifted.low < 1 && shifted.high > 1) covered++;
    }
    // Conservative on independent samples: the serial correction never narrows, and its degrees of freedom cap the t.
    expect(falsePositives / 400).toBeLessThan(0.05);
    expect(covered / 400).toBeGreaterThan(0.95);
  });

  it('sees a jump far larger than the wander on each side, where the widened rank test cannot reach significance', () => {
    // 15 readings a side, each side wandering (so the serial correction is large), 100x apart.
    const before = drift(3, 15, Math.log(50), 0.08);
    const after = drift(4, 15, Math.log(0.5), 0.08);
    const serial = serialCorrection([before, after]);
    expect(serial.inflation).toBeGreaterThan(2);
    const ranked = compareRanks(before, after, 0.95, serial);
    const trimmed = compareTrimmedMeans(before, after, 0.95);
    expect(trimmed.high).toBeLessThan(0);
    expect(trimmed.shift).toBeCloseTo(Math.log(0.01), 0);
    expect(ranked.high < 0).toBe(false);
  });

  it('is not fooled by the same wander without a jump: the serial correction widens it', () => {
    let falsePositives = 0;
    for (let i = 0; i < 300; i++) {
      const walk = drift(100 + i, 30, 0, 0.3);
      const r = compareTrimmedMeans(walk.slice(0, 15), walk.slice(15), 0.95);
      if (r.low > 0 || r.high < 0) falsePositives++;
    }
    // A random walk has no mean to return to, so no finite-sample correction is exact; it must stay far from the plain test's.
    const plain = (() => {
      let n = 0;
      for (let i = 0; i < 300; i++) {
        const walk = drift(100 + i, 30, 0, 0.3);
        const a = walk.slice(0, 15);
        const b = walk.slice(15);
        const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
        const sd = (xs: number[]) => Math.sqrt(xs.reduce((s, v) => s + (v - mean(xs)) ** 2, 0) / (xs.length - 1));
        if (Math.abs(mean(b) - mean(a)) > 2.05 * Math.sqrt(sd(a) ** 2 / 15 + sd(b) ** 2 / 15)) n++;
      }
      return n;
    })();
    expect(falsePositives).toBeLessThan(plain / 2);
  });

  it('concludes nothing with fewer than 4 values a side, and a certain change between two constant sides', () => {
    expect(compareTrimmedMeans([1, 2, 3], [4, 5, 6, 7], 0.95)).toMatchObject({ pValue: 1, low: -Infinity, high: Infinity });
    expect(compareTrimmedMeans([5, 5, 5, 5], [0, 0, 0, 0], 0.95)).toMatchObject({ shift: -5, low: -5, high: -5, pValue: 0 });
    expect(compareTrimmedMeans([5, 5, 5, 5], [5, 5, 5, 5], 0.95)).toMatchObject({ shift: 0, pValue: 1 });
  });
});
