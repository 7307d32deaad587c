import { describe, expect, it } from 'vitest';
import { SourceReferences } from './source-references.js';
import { SourceWindow } from './source-window.js';

describe('SourceReferences', () => {
  it('learns a robust level that a spike barely moves, and flags a sustained departure after two snapshots', () => {
    const r = new SourceReferences();
    for (let i = 0; i < 100; i++) r.learn({ handler_latency_p95_ms: 40 + (i % 2 === 0 ? 2 : -2) });
    expect(r.level('handler_latency_p95_ms')).toBeCloseTo(40, 0);
    expect(r.learn({ handler_latency_p95_ms: 400 })).toBe(false);
    expect(r.level('handler_latency_p95_ms')).toBeLessThan(41);
    expect(r.learn({ handler_latency_p95_ms: 40 })).toBe(false);
    expect(r.learn({ handler_latency_p95_ms: 120 })).toBe(false);
    expect(r.learn({ handler_latency_p95_ms: 125 })).toBe(true);
    expect(r.level('unknown_metric')).toBeNaN();
    expect(new SourceReferences().level('cpu_usage')).toBeNaN();
  });
});

describe('SourceWindow references', () => {
  it('follow the level while a metric is normal, keep the baseline from before a departure, and freeze on demand', () => {
    const r = new SourceReferences();
    const w = new SourceWindow();
    const feed = (t: number, x: number, frozen = false) => {
      r.learn({ cpu_usage: x });
      w.push(t, { cpu_usage: x });
      w.followRefs(r, { cpu_usage: x }, t, frozen);
    };
    for (let t = 0; t < 50; t++) feed(t, 10 + (t % 3) * 0.5);
    const before = w.ref('cpu_usage')!.baseline;
    expect(before).toBeCloseTo(10.5, 0);
    for (let t = 50; t < 60; t++) feed(t, 60);
    expect(w.ref('cpu_usage')!.baseline).toBe(before);
    for (let t = 60; t < 70; t++) feed(t, 10.5, true);
    expect(w.ref('cpu_usage')!.at).toBeLessThan(50);
    expect(w.series('cpu_usage', 3).values).toEqual([10.5, 10.5, 10.5]);
  });
});
