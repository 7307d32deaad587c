import { describe, expect, it } from 'vitest';
import { arrivalDelayPercentile, delayBuckets } from './event-loop-delay.js';


describe('delay buckets from the histogram percentiles', () => {
  it('de-accumulates counts, subtracts the resolution and keeps every sample', () => {
    // What Node 20 reported for one 250 ms block among 96 ordinary turns at 10 ms resolution.
    const points: [number, number][] = [
      [0, 10059776], [50, 10133504], [75, 10166272], [87.5, 10182656], [93.75, 10190848],
      [96.875, 10199040], [98.4375, 10223616], [99.21875, 259784704], [100, 259784704],
    ];
    const b = delayBuckets(points, 97, 10);
    expect(b.map((x) => x.le_ms)).toEqual([0.134, 0.166, 0.183, 0.191, 0.199, 0.224, 249.785]);
    expect(b.reduce((n, x) => n + x.count, 0)).toBe(97);
    expect(b[b.length - 1]!.count).toBe(1);
  });
});

describe('arrival-weighted delay percentile', () => {
  it('sees a 250 ms block that takes a quarter of the time although it is one sample in a hundred', () => {
    const buckets = [{ le_ms: 0.2, count: 75 }, { le_ms: 250, count: 1 }];
    expect(arrivalDelayPercentile(buckets, 10, 99)).toBeGreaterThan(230);
  });

  it('stays near zero for an idle loop and below the stall length for a rare short stall', () => {
    expect(arrivalDelayPercentile([{ le_ms: 0.2, count: 1500 }], 10, 99)).toBeLessThan(0.2);
    const rare = arrivalDelayPercentile([{ le_ms: 0.2, count: 1480 }, { le_ms: 30, count: 10 }], 10, 99);
    expect(rare).toBeGreaterThan(5);
    expect(rare).toBeLessThan(30);
    expect(arrivalDelayPercentile([], 10, 99)).toBe(0);
  });

  it('solves the weighted equation exactly on one segment', () => {
    // One 100 ms stall in 1000 ms of turns: 1% of 1100 ms = 11 = 100 - w.
    expect(arrivalDelayPercentile([{ le_ms: 100, count: 1 }, { le_ms: 0, count: 99 }], 10, 99)).toBeCloseTo(89, 3);
  });
});
