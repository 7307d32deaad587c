import { PerformanceObserver, performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { gcPauseClockUnavailable, sampledPauses, startGcPauses, type GcPauses } from './gc-pauses.js';

/** Allocates garbage in slices of 5 ms for `ms`, yielding between slices so timers run. */
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

/** GC pauses over `ms` of churn, by `pauses` and by a `gc` PerformanceObserver watching the whole time. */
async function measure(pauses: GcPauses, ms: number): Promise<{ taken: number; observed: number }> {
  let observed = 0;
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) observed += e.duration;
  });
  observer.observe({ entryTypes: ['gc'] });
  pauses.take(performance.now());
  await churn(ms);
  const taken = pauses.take(performance.now());
  pauses.stop();
  await new Promise((r) => setTimeout(r, 50));
  observer.disconnect();
  return { taken, observed };
}

describe('GC pauses', () => {
  it('are measured by the native clock, built with the project', () => {
    expect(gcPauseClockUnavailable()).toBe('');
    const p = startGcPauses();
    expect(p.method).toBe('clock');
    p.stop();
  });

  it('measured by the clock, match what a gc observer sums over the same time', async () => {
    const { taken, observed } = await measure(startGcPauses(), 1500);
    expect(observed).toBeGreaterThan(15);
    // Both time the same pauses from V8's callbacks around each collection.
    expect(taken).toBeGreaterThan(observed * 0.8);
    expect(taken).toBeLessThan(observed * 1.25);
  });

  it('sampled with GCProfiler a quarter of the time, come within a factor of two of the observer over three seconds', async () => {
    const { taken, observed } = await measure(sampledPauses(), 3000);
    expect(observed).toBeGreaterThan(30);
    expect(taken).toBeGreaterThan(observed / 2);
    expect(taken).toBeLessThan(observed * 2);
  });

  it('keep counting for one user of the clock when another stops', async () => {
    const a = startGcPauses();
    const b = startGcPauses();
    a.take(performance.now());
    b.take(performance.now());
    a.stop();
    await churn(300);
    expect(b.take(performance.now())).toBeGreaterThan(0);
    expect(a.take(performance.now())).toBeGreaterThanOrEqual(0);
    b.stop();
  });
});
