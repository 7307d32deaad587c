import { describe, expect, it } from 'vitest';
import { DetectorStore } from './detector-store.js';
import { createSeriesDetector, restoreSeriesDetector, type SeriesDetector } from './series-detector.js';

const MINUTE = 60_000;

/** A deterministic series with a daily rhythm, noise and a step: exercises every component. */
function valueAt(series: number, i: number): number {
  const noise = Math.sin(series * 12.9898 + i * 78.233) * 43758.5453;
  const step = i > 300 + (series % 50) ? 40 : 0;
  return 100 + series + 20 * Math.sin((2 * Math.PI * i) / 1440) + 5 * (noise - Math.floor(noise)) + step;
}

describe('DetectorStore', () => {
  it('scores, details and snapshots exactly as standalone detectors, across chunks and reused slots', () => {
    const store = new DetectorStore();
    const held: { slot: number; reference: SeriesDetector; series: number }[] = [];
    let next = 0;
    const add = () => {
      held.push({ slot: store.create(), reference: createSeriesDetector(), series: next++ });
    };
    // More than one chunk of detectors.
    for (let k = 0; k < 1100; k++) add();
    let scored = 0;
    let differ = 0;
    for (let i = 0; i < 400; i++) {
      for (const h of held) {
        const ts = i * MINUTE;
        const v = valueAt(h.series, i);
        if (store.update(h.slot, ts, v) !== h.reference.update(ts, v)) differ++;
        scored++;
      }
      if (i === 150) {
        // Release a third; their slots go to new series, whose state must start fresh.
        for (let k = held.length - 1; k >= 0; k -= 3) {
          store.release(held[k]!.slot);
          held.splice(k, 1);
        }
        for (let k = 0; k < 400; k++) add();
      }
    }
    expect({ scored, differ }).toEqual({ scored: 1100 * 151 + 1133 * 249, differ: 0 });
    expect(store.size).toBe(held.length);
    for (const h of held.filter((_, k) => k % 97 === 0)) {
      expect(store.detail(h.slot)).toEqual(h.reference.detail());
      expect(store.snapshot(h.slot)).toEqual(h.reference.snapshot());
      expect(store.timeToExhaustion(h.slot, 1000)).toBe(h.reference.timeToExhaustion(1000));
    }
  });

  it('restores standalone snapshots and warms like a standalone detector', () => {
    const store = new DetectorStore();
    const a = createSeriesDetector();
    for (let i = 0; i < 200; i++) a.update(i * MINUTE, valueAt(1, i));
    const slot = store.restore(a.snapshot());
    const b = restoreSeriesDetector(a.snapshot());
    const ts = Array.from({ length: 100 }, (_, i) => (200 + i) * MINUTE);
    const vs = ts.map((_, i) => valueAt(1, 200 + i));
    store.warm(slot, ts, vs);
    b.warm(ts, vs);
    expect(store.snapshot(slot)).toEqual(b.snapshot());
    expect(store.update(slot, 300 * MINUTE, 500)).toBe(b.update(300 * MINUTE, 500));
  });

  it('refuses a damaged snapshot without holding a slot', () => {
    const store = new DetectorStore();
    const good = createSeriesDetector().snapshot();
    expect(() => store.restore(good.subarray(0, good.byteLength - 8))).toThrow(/state bytes/);
    expect(() => store.restore(new Uint8Array(7))).toThrow(RangeError);
    expect(store.size).toBe(0);
    expect(store.stateBytes + 16).toBe(good.byteLength);
  });
});
