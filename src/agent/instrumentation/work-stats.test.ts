import { describe, expect, it } from 'vitest';
import { samplingPeriod, WorkStats } from './work-stats.js';

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

  it('times about timedPerSecond to twice as many calls a second when told, and refuses a budget that is not above 0', () => {
    const s = new WorkStats(clock, () => clock, 16);
    simulate(s, 20_000, 1000, () => 1);
    s.drain(clock);
    // 20,000 calls a second against 16: 1 in 1024 timed, about 20.
    expect(samplingPeriod(20_000, 16)).toBe(1024);
    const timed = simulate(s, 20_000, 1000, () => 1);
    expect(timed).toBeGreaterThan(5);
    expect(timed).toBeLessThan(45);
    expect(simulate(new WorkStats(clock, () => clock, 1e9), 20_000, 1000, () => 1)).toBe(20_000);
    for (const bad of [0, -1, Number.NaN, Infinity]) expect(() => new WorkStats(clock, () => clock, bad)).toThrow(/timedPerSecond must be a finite number above 0/);
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
