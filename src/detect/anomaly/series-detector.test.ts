import { describe, expect, it } from 'vitest';
import { createSeriesDetector, restoreSeriesDetector, type SeriesDetector } from './series-detector.js';
import { resolveDetectorOptions } from './options.js';

const START = Date.UTC(2024, 0, 1);
const MINUTE = 60_000;

/** Deterministic standard-normal noise (LCG + Box-Muller). */
function noise(seed: number): () => number {
  let x = seed;
  const uniform = (): number => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return (x + 1) / 2147483649;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

function feed(d: SeriesDetector, values: readonly number[], startIndex = 0, stepMs = MINUTE): number[] {
  return values.map((v, i) => d.update(START + (startIndex + i) * stepMs, v));
}

describe('createSeriesDetector', () => {
  it('scores a spike high, above every score of the normal samples before it', () => {
    const rnd = noise(1);
    const normal = Array.from({ length: 1500 }, () => 50 + rnd());
    const d = createSeriesDetector();
    const before = feed(d, normal);
    const spike = d.update(START + 1500 * MINUTE, 50 + 15);
    expect(spike).toBeGreaterThan(0.6);
    expect(spike).toBeGreaterThan(Math.max(...before.slice(500)));
    expect(d.detail().direction).toBe('above');
    expect(d.detail().cause).toBe('above');
  });

  it('declares a level shift as a change point of about the right size', () => {
    const rnd = noise(2);
    const d = createSeriesDetector();
    feed(d, Array.from({ length: 800 }, () => 10 + rnd()));
    expect(d.detail().levelShift).toBeNull();
    const after = feed(d, Array.from({ length: 200 }, () => 20 + rnd()), 800);
    const shift = d.detail().levelShift;
    expect(shift).not.toBeNull();
    expect(shift!.at).toBeGreaterThanOrEqual(START + 800 * MINUTE);
    expect(shift!.at).toBeLessThan(START + 830 * MINUTE);
    expect(shift!.size).toBeGreaterThan(7);
    expect(shift!.size).toBeLessThan(13);
    expect(Math.max(...after.slice(0, 10))).toBeGreaterThan(0.6);
    expect(d.detail().baseline).toBeGreaterThan(18);
  });

  it('measures the slope and time to exhaustion of a steady linear growth', () => {
    const rnd = noise(3);
    const d = createSeriesDetector();
    const stepMs = 10_000;
    const slope = 0.05;
    const values = Array.from({ length: 2000 }, (_, i) => 100 + slope * i * 10 + 0.2 * rnd());
    feed(d, values, 0, stepMs);
    const detail = d.detail();
    expect(detail.trendPerSecond).toBeGreaterThan(slope * 0.95);
    expect(detail.trendPerSecond).toBeLessThan(slope * 1.05);
    expect(detail.trendFit).toBeGreaterThan(0.9);
    const now = 100 + slope * 1999 * 10;
    const eta = d.timeToExhaustion(now + 500);
    expect(eta).toBeGreaterThan((500 / slope) * 0.9);
    expect(eta).toBeLessThan((500 / slope) * 1.1);
    expect(d.timeToExhaustion(now - 500)).toBe(Number.POSITIVE_INFINITY);
  });

  it('gives no time to exhaustion for a flat noisy series', () => {
    const rnd = noise(4);
    const d = createSeriesDetector();
    feed(d, Array.from({ length: 1000 }, () => 100 + rnd()));
    expect(d.timeToExhaustion(200)).toBe(Number.POSITIVE_INFINITY);
  });

  it('learns daily seasonality from history and does not alarm at the daily peak', () => {
    const rnd = noise(5);
    const step = 5 * MINUTE;
    const perDay = 288;
    const at = (i: number): number => START + i * step;
    const value = (i: number): number => 50 + 20 * Math.sin((2 * Math.PI * (i % perDay)) / perDay) + rnd();
    const days = 10;
    const ts = Array.from({ length: days * perDay }, (_, i) => at(i));
    const vs = ts.map((_, i) => value(i));
    const d = createSeriesDetector();
    d.warm(ts, vs);
    const peakIndex = days * perDay + perDay / 4;
    const scores: number[] = [];
    for (let i = days * perDay; i <= peakIndex; i++) {
      const score = d.update(at(i), value(i));
      scores.push(score);
      if (score >= 0.5) expect(['above', 'below']).not.toContain(d.detail().cause);
    }
    expect(Math.max(...scores)).toBeLessThan(0.7);
    const detail = d.detail();
    expect(detail.seasonal).toBeGreaterThan(15);
    expect(Math.abs(detail.deviation)).toBeLessThan(4);
    const dip = d.update(at(peakIndex + 1), 50);
    expect(dip).toBeGreaterThan(0.7);
    expect(d.detail().direction).toBe('below');
    expect(['below', 'burst']).toContain(d.detail().cause);
  });

  it('flags a sustained shift of one noise sigma on the coarse scale, which single samples cannot', () => {
    const run = (coarseBlock: number): { before: number; after: number; scale: number } => {
      const rnd = noise(8);
      const d = createSeriesDetector({ coarseBlock });
      let before = 0;
      let after = 0;
      let scale = 0;
      for (let i = 0; i < 6000; i++) {
        const score = d.update(START + i * MINUTE, 50 + 3 * rnd() + (i >= 5000 ? 3 : 0));
        if (i >= 1000 && i < 5000) before = Math.max(before, score);
        if (i >= 5000 && score > after) {
          after = score;
          scale = d.detail().causeScale;
        }
      }
      return { before, after, scale };
    };
    const coarse = run(32);
    expect(coarse.after).toBeGreaterThan(coarse.before);
    expect(coarse.scale).toBe(32);
    const fine = run(0);
    expect(fine.after).toBeLessThanOrEqual(fine.before);
    expect(fine.scale).toBe(1);
  });

  it('scores a flat line ~0, not 0.5, and a first departure from it high', () => {
    for (const level of [42, 0, -3.5e9]) {
      const d = createSeriesDetector();
      const flat = feed(d, Array.from({ length: 2000 }, () => level));
      expect(Math.max(...flat)).toBeLessThan(0.01);
      const slight = createSeriesDetector();
      feed(slight, Array.from({ length: 2000 }, () => level));
      expect(slight.update(START + 2000 * MINUTE, level + Math.max(1e-3, Math.abs(level) * 1e-5))).toBeGreaterThan(0.9);
      expect(d.update(START + 2000 * MINUTE, level - Math.max(1, Math.abs(level) * 0.01))).toBeGreaterThan(0.9);
      expect(d.detail().direction).toBe('below');
    }
  });

  it('scores a flat stretch after noise low, and the first departure from it high', () => {
    const rnd = noise(9);
    const d = createSeriesDetector({ coarseBlock: 0 });
    feed(d, Array.from({ length: 1000 }, () => 20 + rnd()));
    const flat = feed(d, Array.from({ length: 3000 }, () => 20), 1000);
    expect(Math.max(...flat.slice(1000))).toBeLessThan(0.4);
    expect(d.update(START + 4000 * MINUTE, 27)).toBeGreaterThan(0.7);
  });

  it('restores from a snapshot and then scores exactly as the original', () => {
    const rnd = noise(6);
    const values = Array.from({ length: 1200 }, (_, i) => (i === 900 ? 80 : 30 + 3 * rnd()));
    const a = createSeriesDetector();
    feed(a, values.slice(0, 600));
    const state = a.snapshot();
    expect(state.byteLength).toBeLessThanOrEqual(2048);
    const b = restoreSeriesDetector(state);
    expect(() => restoreSeriesDetector(state.subarray(0, state.byteLength - 8))).toThrow(/state bytes/);
    const fromA = feed(a, values.slice(600), 600);
    const fromB = feed(b, values.slice(600), 600);
    expect(fromB).toEqual(fromA);
    expect(Math.max(...fromA)).toBeGreaterThan(0.5);
    expect(b.snapshot()).toEqual(a.snapshot());
  });

  it('rejects a snapshot of another layout or version with a clear error', () => {
    expect(() => restoreSeriesDetector(new Uint8Array(24))).toThrow(RangeError);
    expect(() => restoreSeriesDetector(new Uint8Array(7))).toThrow(RangeError);
    const older = createSeriesDetector().snapshot();
    new Float64Array(older.buffer, older.byteOffset, 1)[0] = 2;
    expect(() => restoreSeriesDetector(older)).toThrow(/layout version 2, expected 3/);
  });

  it('ignores out-of-order and non-finite samples: score 0, state unchanged', () => {
    const rnd = noise(7);
    const d = createSeriesDetector();
    feed(d, Array.from({ length: 300 }, () => 5 + rnd()));
    const before = d.snapshot();
    expect(d.update(START + 100 * MINUTE, 1e9)).toBe(0);
    expect(d.update(START + 400 * MINUTE, Number.NaN)).toBe(0);
    expect(d.snapshot()).toEqual(before);
    expect(d.update(START + 299 * MINUTE, 5)).toBeGreaterThanOrEqual(0);
  });

  it('keeps every score in [0, 1] on a hostile series', () => {
    const d = createSeriesDetector();
    const values = [0, 0, 0, 1e300, -1e300, 0, 5e-324, 1, 0, ...Array.from({ length: 300 }, (_, i) => (i % 7 === 0 ? 1e12 : 0))];
    for (const s of feed(d, values)) {
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(1);
    }
  });

  it('rejects out-of-range options by name', () => {
    expect(() => resolveDetectorOptions({ levelRate: 0 })).toThrow(/levelRate/);
    expect(() => resolveDetectorOptions({ alarmScore: 2 })).toThrow(/alarmScore/);
  });
});
