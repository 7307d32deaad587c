import { describe, expect, it } from 'vitest';
import { DecayingHistogram } from './decaying-histogram.js';

const HOUR = 3600_000;
const shape = { firstBucketSize: 0.01, ratio: 1.05, maxValue: 1024, halfLifeMs: HOUR };

describe('DecayingHistogram', () => {
  it('gives percentiles within one bucket above the true value', () => {
    const h = new DecayingHistogram(shape);
    for (let i = 1; i <= 100; i++) h.add(i / 100, 0);
    const p90 = h.percentile(0.9)!;
    expect(p90).toBeGreaterThanOrEqual(0.9);
    expect(p90).toBeLessThanOrEqual(0.9 * 1.05 + 0.01);
    expect(h.percentile(0)).toBeLessThanOrEqual(0.021);
    expect(h.percentile(1)).toBeGreaterThanOrEqual(1);
  });

  it('lets old samples fade: ten half-lives later the new usage decides the percentile', () => {
    const h = new DecayingHistogram(shape);
    for (let i = 0; i < 100; i++) h.add(2, 0);
    for (let i = 0; i < 100; i++) h.add(0.5, 10 * HOUR);
    expect(h.percentile(0.9)!).toBeLessThan(0.55);
    expect(h.percentile(0.9995)!).toBeGreaterThan(1.9);
  });

  it('keeps its weights finite across a long stream (rescaling)', () => {
    const h = new DecayingHistogram(shape);
    for (let t = 0; t <= 200; t++) h.add(t < 150 ? 4 : 1, t * HOUR);
    expect(h.percentile(0.5)!).toBeCloseTo(1, 1);
    expect(Number.isFinite(h.shareAbove(2))).toBe(true);
  });

  it('says which share of the weight lies above a value, and nothing when empty', () => {
    const h = new DecayingHistogram(shape);
    expect(h.empty).toBe(true);
    expect(h.percentile(0.5)).toBeUndefined();
    for (let i = 0; i < 80; i++) h.add(0.2, 0);
    for (let i = 0; i < 20; i++) h.add(1, 0);
    expect(h.shareAbove(0.5)).toBeCloseTo(0.2, 10);
    expect(h.shareAbove(2)).toBe(0);
  });
});
