import { describe, expect, it } from 'vitest';
import type { MetricSnapshot } from '../model/snapshot.js';
import { aggregateOf, TierBuckets, type TierBucket } from './tier-buckets.js';

const T0 = Date.parse('2026-03-01T10:00:00Z');
const snap = (timestamp: number, metrics: Record<string, number>): MetricSnapshot => ({ source: 's', timestamp, metrics });

function fold(b: TierBuckets, snaps: MetricSnapshot[], now: number, setId = 1): number {
  return b.fold(snaps, Int32Array.from(snaps, () => 7), Int32Array.from(snaps, () => setId), now);
}

const plain = (b: TierBucket) => ({ start: b.start, count: b.count, lastTs: b.lastTs, min: aggregateOf(b, 'min'), max: aggregateOf(b, 'max'), sum: aggregateOf(b, 'sum'), last: aggregateOf(b, 'last') });

describe('TierBuckets', () => {
  it('keeps count, min, max, sum and last per metric of a minute', () => {
    const b = new TierBuckets({ graceMs: 10_000, maxOpen: 1000 });
    const n = fold(b, [snap(T0, { a: 1, b: -2 }), snap(T0 + 30_000, { a: 5, b: -1 }), snap(T0 + 15_000, { a: 3, b: -7 })], T0);
    expect(n).toBe(6);
    const closed = b.close(T0, true);
    expect(closed['1m'].map(plain)).toEqual([{ start: T0, count: 3, lastTs: T0 + 30_000, min: [1, -7], max: [5, -1], sum: [9, -10], last: [5, -1] }]);
  });

  it('closes a minute once its stream begins the next, and not before its time is over otherwise', () => {
    const b = new TierBuckets({ graceMs: 10_000, maxOpen: 1000 });
    fold(b, [snap(T0 + 45_000, { a: 1 })], T0 + 45_000);
    expect(b.close(T0 + 50_000)['1m']).toEqual([]);
    fold(b, [snap(T0 + 60_000, { a: 2 })], T0 + 60_000);
    expect(b.close(T0 + 61_000)['1m'].map((x) => x.start)).toEqual([T0]);
    // Idle and over (end + grace passed): closed by the clock.
    expect(b.close(T0 + 129_000)['1m']).toEqual([]);
    expect(b.close(T0 + 130_000)['1m'].map((x) => x.start)).toEqual([T0 + 60_000]);
    expect(b.open).toBe(1);
  });

  it('keeps a replayed bucket open while samples still arrive, however old', () => {
    const b = new TierBuckets({ graceMs: 10_000, maxOpen: 1000 });
    const wall = T0 + 86_400_000;
    fold(b, [snap(T0, { a: 1 })], wall);
    expect(b.close(wall + 5_000)['1m']).toEqual([]);
    expect(b.close(wall + 10_000)['1m'].map((x) => x.start)).toEqual([T0]);
  });

  it('rolls closed minutes into 5 minutes and 5 minutes into an hour, merging their values', () => {
    const b = new TierBuckets({ graceMs: 10_000, maxOpen: 1000 });
    for (let m = 0; m < 12; m++) fold(b, [snap(T0 + m * 60_000, { a: m })], T0 + m * 60_000);
    const c = b.close(T0 + 7_200_000, true);
    expect(c['1m']).toHaveLength(12);
    expect(c['5m'].map(plain)).toEqual([
      { start: T0, count: 5, lastTs: T0 + 240_000, min: [0], max: [4], sum: [10], last: [4] },
      { start: T0 + 300_000, count: 5, lastTs: T0 + 540_000, min: [5], max: [9], sum: [35], last: [9] },
      { start: T0 + 600_000, count: 2, lastTs: T0 + 660_000, min: [10], max: [11], sum: [21], last: [11] },
    ]);
    expect(c['1h'].map(plain)).toEqual([{ start: T0, count: 12, lastTs: T0 + 660_000, min: [0], max: [11], sum: [66], last: [11] }]);
    expect(b.open).toBe(0);
  });

  it('opens a late bucket beside the current one for a sample older than it', () => {
    const b = new TierBuckets({ graceMs: 10_000, maxOpen: 1000 });
    fold(b, [snap(T0 + 60_000, { a: 1 }), snap(T0 + 10_000, { a: 2 })], T0 + 61_000);
    const c = b.close(T0 + 200_000);
    expect(c['1m'].map((x) => [x.start, x.count])).toEqual([
      [T0 + 60_000, 1],
      [T0, 1],
    ]);
  });

  it('keeps one bucket per metric set of a stream', () => {
    const b = new TierBuckets({ graceMs: 10_000, maxOpen: 1000 });
    fold(b, [snap(T0, { a: 1 })], T0, 1);
    fold(b, [snap(T0 + 1000, { a: 2, b: 3 })], T0, 2);
    expect(b.close(T0, true)['1m'].map((x) => [x.setId, x.size])).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });

  it('says where each tier\'s oldest bucket still in memory begins', () => {
    const b = new TierBuckets({ graceMs: 10_000, maxOpen: 1000 });
    expect(b.oldestOpen()).toEqual({ '1m': Infinity, '5m': Infinity, '1h': Infinity });
    fold(b, [snap(T0 + 400_000, { a: 1 }), snap(T0 + 10_000, { a: 2 })], T0 + 400_000);
    expect(b.oldestOpen()).toEqual({ '1m': T0, '5m': Infinity, '1h': Infinity });
    b.close(T0 + 410_000);
    expect(b.oldestOpen()).toEqual({ '1m': T0 + 360_000, '5m': T0, '1h': Infinity });
  });

  it('closes everything when more buckets are open than allowed', () => {
    const b = new TierBuckets({ graceMs: 10_000, maxOpen: 1 });
    fold(b, [snap(T0, { a: 1 })], T0, 1);
    fold(b, [snap(T0, { a: 1 })], T0, 2);
    expect(b.close(T0)['1m']).toHaveLength(2);
  });

  it('hands out new stream and set uses, then again only once the newest sample moved far enough', () => {
    const b = new TierBuckets({ graceMs: 10_000, maxOpen: 1000 });
    fold(b, [snap(T0, { a: 1 }), snap(T0 + 15_000, { a: 1 })], T0);
    const first = b.dueStreamSets(300_000);
    expect(first).toEqual([{ streamId: 7, setId: 1, firstTs: T0, lastTs: T0 + 15_000 }]);
    b.markStreamSetsWritten(first);
    fold(b, [snap(T0 + 60_000, { a: 1 })], T0);
    expect(b.dueStreamSets(300_000)).toEqual([]);
    fold(b, [snap(T0 + 400_000, { a: 1 })], T0);
    expect(b.dueStreamSets(300_000)).toEqual([{ streamId: 7, setId: 1, firstTs: T0, lastTs: T0 + 400_000 }]);
  });

  it('closes 150,000 open buckets at once (too many to spread into a call\'s arguments)', () => {
    const b = new TierBuckets({ graceMs: 10_000, maxOpen: 1_000_000 });
    const n = 150_000;
    const snaps = Array.from({ length: n }, (_, i) => ({ source: `s${i}`, timestamp: T0, metrics: { a: i } }));
    b.fold(snaps, Int32Array.from(snaps, (_, i) => i + 1), new Int32Array(n).fill(1), T0);
    const closed = b.close(T0, true);
    expect([closed['1m'].length, closed['5m'].length, closed['1h'].length]).toEqual([n, n, n]);
    expect(b.open).toBe(0);
  });
});
