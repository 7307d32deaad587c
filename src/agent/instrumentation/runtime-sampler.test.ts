import { PerformanceObserver, performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { RuntimeSampler } from './runtime-sampler.js';

/** Allocates garbage in slices of 5 ms for `ms`, yielding between slices so the sampler's timers run. */
async function churn(ms: number): Promise<void> {
  const end = performance.now() + ms;
  let keep: unknown[] = [];
  while (performance.now() < end) {
    const slice = performance.now() + 5;
    while (performance.now() < slice) {
      for (let i = 0; i < 500; i++) keep.push({ i, s: `x${i}`, a: [i, i] });
      if (keep.length > 20_000) keep = [];
    }
    await new Promise((r) => setImmediate(r));
  }
}

describe('RuntimeSampler GC time', () => {
  it('estimates the GC time of an interval from a quarter of it, close to what a gc observer sums over the whole of it', async () => {
    let observed = 0;
    const observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) observed += e.duration;
    });
    observer.observe({ entryTypes: ['gc'] });
    const sampler = new RuntimeSampler();
    sampler.start();
    const t0 = performance.now();
    await churn(3000);
    const reading = sampler.read(performance.now());
    sampler.stop();
    await new Promise((r) => setTimeout(r, 50));
    observer.disconnect();
    expect(reading.elapsedMs).toBeGreaterThan(2900);
    expect(performance.now() - t0).toBeGreaterThan(2900);
    // Three seconds of steady churn: the estimate from 750 ms of profiling is within a factor of two.
    expect(observed).toBeGreaterThan(30);
    expect(reading.gcPauseMs).toBeGreaterThan(observed / 2);
    expect(reading.gcPauseMs).toBeLessThan(observed * 2);
  });
});
