import { describe, expect, it } from 'vitest';
import { counterDelta, pct, put, ratePerSec } from './counter.js';

describe('counterDelta', () => {
  it('is the increase of a counter', () => {
    expect(counterDelta(10, 25)).toBe(15);
    expect(counterDelta(7, 7)).toBe(0);
  });

  it('skips a counter that went backwards (32-bit wrap, reset) instead of going negative', () => {
    expect(counterDelta(4294967000, 100)).toBeUndefined();
    expect(counterDelta(500, 0)).toBeUndefined();
  });

  it('skips missing or non-finite readings', () => {
    expect(counterDelta(undefined, 1)).toBeUndefined();
    expect(counterDelta(1, undefined)).toBeUndefined();
    expect(counterDelta(NaN, 1)).toBeUndefined();
  });
});

describe('ratePerSec', () => {
  it('divides the increase by the elapsed seconds', () => {
    expect(ratePerSec(100, 400, 1500)).toBe(200);
  });

  it('gives nothing when no time elapsed or the counter reset', () => {
    expect(ratePerSec(1, 2, 0)).toBeUndefined();
    expect(ratePerSec(5, 2, 1000)).toBeUndefined();
  });
});

describe('pct and put', () => {
  it('clamps percentages to 0-100 and refuses a non-positive whole', () => {
    expect(pct(1, 4)).toBe(25);
    expect(pct(5, 4)).toBe(100);
    expect(pct(1, 0)).toBeUndefined();
    expect(pct(undefined, 4)).toBeUndefined();
  });

  it('sets only finite values', () => {
    const out: Record<string, number> = {};
    put(out, 'a', 1);
    put(out, 'b', undefined);
    put(out, 'c', NaN);
    put(out, 'd', Infinity);
    expect(out).toEqual({ a: 1 });
  });
});
