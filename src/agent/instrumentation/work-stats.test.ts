import { describe, expect, it } from 'vitest';
import { WorkStats } from './work-stats.js';

let clock = 0;
const newStats = () => new WorkStats(clock, () => clock);

/** Runs `calls` calls of `duration(i)` ms spread evenly over `spanMs` of the test clock. */
function simulate(stats: WorkStats, calls: number, spanMs: number, duration: (i: number) => number, failed = (_i: number) => false): number {
  let timed = 0;
  for (let i = 0; i < calls; i++) {
    clock += spanMs / calls;
    if (stats.begin()) {
      timed++;
      stats.end(duration(i), failed(i));
    } else stats.end(-1, failed(i));
  }
  return timed;
}

describe('WorkStats', () => {
  it('times every call of a quiet interval and gets p95 and Little-law depth right', () => {
    const s = newStats();
    expect(simulate(s, 1000, 1000, (i) => (i % 10 === 0 ? 100 : 2), (i) => i % 100 === 0)).toBe(1000);
    const r = s.drain(clock);
    expect(r.calls).toBe(1000);
    expect(r.errors).toBe(10);
    expect(r.p95Ms).toBeGreaterThan(90);
    // 1000 calls/s x mean 11.8 ms = 11.8 calls in progress on average.
    expect(r.meanDepth).toBeCloseTo(11.8, 1);
  });

  it('samples a busy interval but keeps exact counts and a close p95', () => {
    const s = newStats();
    simulate(s, 100_000, 1000, () => 1);
    s.drain(clock);
    // 100,000 calls a second: 1 in 256 timed, about 390.
    const timed = simulate(s, 100_000, 1000, (i) => (i % 10 === 0 ? 10 : 1), (i) => i % 1000 === 0);
    expect(timed).toBeGreaterThan(250);
    expect(timed).toBeLessThan(600);
    const r = s.drain(clock);
    expect(r.calls).toBe(100_000);
    expect(r.errors).toBe(100);
    // About 39 of the timed calls are slow (sd 6): the p95 lands on them.
    expect(r.p95Ms).toBeGreaterThan(9);
    // 100 calls/ms x mean 1.9 ms = 190; the sampled mean is within ±25% at 3.5 sd.
    expect(r.meanDepth).toBeGreaterThan(142);
    expect(r.meanDepth).toBeLessThan(238);
  });

  it('reports no latency without calls, and the calls still running as the depth of a stuck interval', () => {
    const s = newStats();
    s.begin();
    s.begin();
    clock += 1000;
    const r = s.drain(clock);
    expect(r.p95Ms).toBeNull();
    expect(r.meanDepth).toBe(2);
  });
});
