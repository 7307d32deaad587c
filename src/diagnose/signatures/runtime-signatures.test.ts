import { describe, expect, it } from 'vitest';
import { plainView, type PlainMetric } from '../source-view.js';
import { eventLoopBlocked } from './event-loop-blocked.js';
import { gcPressure } from './gc-pressure.js';
import { latencyRegression, slowDbQuery, unexplainedAnomaly } from './latency.js';

const flat = (value: number, ref: number, frames = 5, spread = ref * 0.1): PlainMetric => ({ values: Array(frames).fill(value), ref, spread });
const series = (values: number[], ref: number, spread = ref * 0.1): PlainMetric => ({ values, ref, spread });
const agent = (metrics: Record<string, PlainMetric>, intervalMs = 15_000, labelChanges = {}) => plainView({ metrics, intervalMs, labelChanges });

describe('event_loop_blocked', () => {
  it('is a delay p99 far above its baseline while the loop works more (CPU up), utilisation not saturated', () => {
    const f = eventLoopBlocked(agent({ event_loop_delay_p99_ms: flat(300, 3), cpu_usage: flat(9, 2), event_loop_utilization: flat(0.3, 0.1) }));
    expect(f).toMatchObject({ kind: 'event_loop_blocked', severity: 'warning' });
    expect(f!.confidence).toBeGreaterThan(0.75);
    expect(eventLoopBlocked(agent({ event_loop_delay_p99_ms: flat(1500, 3), cpu_usage: flat(20, 2) }))!.severity).toBe('critical');
  });

  it('counts a block of the latest three frames within five seconds: short intervals fall between blocks', () => {
    const v = agent({ event_loop_delay_p99_ms: series([1, 290, 1], 2), cpu_usage: series([1, 8, 1], 1) }, 1000);
    expect(eventLoopBlocked(v)).toMatchObject({ metrics: { event_loop_delay_p99_ms: { value: 290 } } });
    expect(eventLoopBlocked(agent({ event_loop_delay_p99_ms: series([1, 290, 1], 2), cpu_usage: series([1, 8, 1], 1) }, 15_000))).toBeNull();
  });

  it('counts rare long blocks that lift CPU little when the loop got busier by about their share of the interval', () => {
    // 1.2 s blocks in 15 s frames on a process over several cores: CPU x1.25, utilisation +0.075 (1.2 / 15 = 0.08).
    const metrics = (eluRise: number) => ({ event_loop_delay_p99_ms: flat(1200, 1.5), cpu_usage: flat(8.5, 6.8), event_loop_utilization: flat(0.25 + eluRise, 0.25, 5, 0.01) });
    expect(eventLoopBlocked(agent(metrics(0.075)))).toMatchObject({ kind: 'event_loop_blocked' });
    expect(eventLoopBlocked(agent(metrics(0.02)))).toBeNull();
  });

  it('is not a starved loop (delayed while its CPU does not rise: the host is busy elsewhere), nor a small delay', () => {
    expect(eventLoopBlocked(agent({ event_loop_delay_p99_ms: flat(250, 3), cpu_usage: flat(1.1, 1.2), event_loop_utilization: flat(0.08, 0.07) }))).toBeNull();
    expect(eventLoopBlocked(agent({ event_loop_delay_p99_ms: flat(40, 3), cpu_usage: flat(9, 2) }))).toBeNull();
  });
});

describe('gc_pressure', () => {
  it('is GC pauses taking a large share of the interval, several times the usual share', () => {
    const f = gcPressure(agent({ gc_pause_ms: flat(3000, 150), heap_used_bytes: series([100e6, 400e6, 150e6, 380e6, 120e6], 100e6) }));
    expect(f).toMatchObject({ kind: 'gc_pressure', facts: { gc_share: 0.2, gc_share_baseline: 0.01 } });
    expect(Number(f!.facts.heap_churn)).toBeGreaterThan(1);
  });

  it("is judged by GC's share of the loop's busy time too: a loop busy with other work is not under GC pressure", () => {
    const metrics = (elu: number) => ({ gc_pause_ms: flat(1200, 60), event_loop_utilization: flat(elu, 0.5) });
    // 8% of the interval: 40% of a loop busy 20% of the time, 8.2% of a loop busy 98%.
    expect(gcPressure(agent(metrics(0.2)))).toMatchObject({ facts: { gc_share: 0.08, gc_cpu_share: 0.4 } });
    expect(gcPressure(agent(metrics(0.98)))).toBeNull();
  });

  it('is not a share below 5%, nor a source whose GC always takes this long, nor a frame without an interval', () => {
    expect(gcPressure(agent({ gc_pause_ms: flat(600, 50) }))).toBeNull();
    expect(gcPressure(agent({ gc_pause_ms: flat(2000, 1000) }))).toBeNull();
    expect(gcPressure(plainView({ metrics: { gc_pause_ms: flat(3000, 150) }, intervalMs: Number.NaN }))).toBeNull();
    // 15 s frames (agent()): 30 s of GC per frame is not a reading of GC time within it.
    expect(gcPressure(agent({ gc_pause_ms: flat(30_000, 150) }))).toBeNull();
    expect(gcPressure(agent({ gc_pause_ms: flat(15_000, 150) }))).toMatchObject({ kind: 'gc_pressure' });
  });
});

describe('slow_db_query and latency_regression', () => {
  it('slow_db_query: query p95 rises well above its baseline; handler latency rising with it raises the confidence', () => {
    const alone = slowDbQuery(agent({ db_query_p95_ms: flat(60, 4) }));
    const withLatency = slowDbQuery(agent({ db_query_p95_ms: flat(60, 4), handler_latency_p95_ms: flat(90, 30), event_loop_utilization: flat(0.2, 0.2) }));
    expect(alone).toMatchObject({ kind: 'slow_db_query', severity: 'critical', facts: { db_ratio: 15 } });
    expect(withLatency!.confidence).toBeGreaterThan(alone!.confidence);
    expect(slowDbQuery(agent({ db_query_p95_ms: flat(7, 4) }))).toBeNull();
  });

  it('latency_regression: handler latency shifts up with CPU, loop, queries and GC unchanged; a changed version is reported', () => {
    const v = agent(
      { handler_latency_p95_ms: flat(120, 40), event_loop_utilization: flat(0.21, 0.2), db_query_p95_ms: flat(4, 4), event_loop_delay_p99_ms: flat(2, 2), gc_pause_ms: flat(150, 150) },
      15_000,
      { version: { from: '1.4.2', to: '1.5.0' } },
    );
    expect(latencyRegression(v)).toMatchObject({ kind: 'latency_regression', facts: { latency_ratio: 3, label_version: '1.4.2 -> 1.5.0' } });
  });

  it('latency_regression is not a load increase (utilisation up), slow queries, or a blocked loop', () => {
    const base = { handler_latency_p95_ms: flat(120, 40) };
    expect(latencyRegression(agent({ ...base, event_loop_utilization: flat(0.5, 0.2) }))).toBeNull();
    expect(latencyRegression(agent({ ...base, db_query_p95_ms: flat(80, 4) }))).toBeNull();
    expect(latencyRegression(agent({ ...base, event_loop_delay_p99_ms: flat(300, 2) }))).toBeNull();
    expect(latencyRegression(agent({ handler_latency_p95_ms: flat(50, 40) }))).toBeNull();
  });

  it('a shift is three raised frames of the latest four (never fewer than three), dated two frames back; a cluster of spikes matches once at most', () => {
    // The 15 s frames of a cluster of independent hiccups seen in a synthetic stream (latency x2.4, x4.7, then a slow query's x1.7, then x4.5).
    const calm = { event_loop_utilization: flat(0.17, 0.17), db_query_p95_ms: flat(6, 6), event_loop_delay_p99_ms: flat(1, 1) };
    const hiccups = [19, 58, 114, 24, 41, 24, 108];
    // As a median of three it matched at four of the five frames, enough to hold; three in four match once.
    const matched = [];
    for (let end = 3; end <= hiccups.length; end++) {
      if (latencyRegression(agent({ ...calm, handler_latency_p95_ms: series(hiccups.slice(0, end), 24, 3) })) !== null) matched.push(end);
    }
    expect(matched).toEqual([5]);
    const shifted = latencyRegression(agent({ ...calm, handler_latency_p95_ms: series([24, 23, 70, 25, 72, 75], 24, 3) }));
    const end = Date.UTC(2026, 0, 1);
    expect(shifted).toMatchObject({ kind: 'latency_regression', onset: { at: end - 2 * 15_000, frames: 2 } });
    expect(slowDbQuery(agent({ db_query_p95_ms: series([6, 30, 45, 6], 6, 1) }))).toBeNull();
    expect(slowDbQuery(agent({ db_query_p95_ms: series([6, 30, 45, 40], 6, 1) }))).toMatchObject({ kind: 'slow_db_query', onset: { at: end - 2 * 15_000, frames: 2 } });
    expect(slowDbQuery(agent({ db_query_p95_ms: series([30, 45], 6, 1) }))).toBeNull();
  });

  it('anomaly: an error burst far above baseline, low confidence so any real kind outranks it', () => {
    expect(unexplainedAnomaly(agent({ error_rate: flat(5, 0.1) }))).toMatchObject({ kind: 'anomaly', metric: 'error_rate', confidence: 0.3 });
    expect(unexplainedAnomaly(agent({ error_rate: flat(0.5, 0.1) }))).toBeNull();
  });
});
