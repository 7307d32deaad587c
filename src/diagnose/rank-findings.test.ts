import { describe, expect, it } from 'vitest';
import type { Finding, MetricEvidence } from './finding.js';
import { churnOutgrowsLeak, diagnoseFrame, longTurns, rankFindings } from './rank-findings.js';
import { queueingDelay } from './signatures/event-loop-blocked.js';
import { plainView, type PlainMetric } from './source-view.js';

const ev = (value: number, baseline: number): MetricEvidence => ({ value, baseline, ratio: value / baseline });

describe('a saturated loop against a blocked one', () => {
  const flat = (value: number, ref: number): PlainMetric => ({ values: Array(5).fill(value), ref, spread: ref * 0.1 });
  /** An agent whose loop is at 0.97 utilisation (0.4 usually) and CPU 2.5 times its usual, with a given delay p99. */
  const busyAgent = (delayMs: number) =>
    plainView({ metrics: { event_loop_utilization: flat(0.97, 0.4), cpu_usage: flat(50, 20), event_loop_delay_p99_ms: flat(delayMs, 3), handler_latency_p95_ms: flat(90, 30) }, intervalMs: 15_000, labelChanges: {} });

  it('grows the delay that utilisation explains as a queue wait, rho / (1 - rho), from the reference, utilisation capped at 0.95', () => {
    expect(queueingDelay(3, 0.4, 0.4)).toBeCloseTo(3);
    expect(queueingDelay(3, 0.5, 0.9)).toBeCloseTo(27);
    expect(queueingDelay(3, 0.5, 1)).toBeCloseTo(57);
    expect(queueingDelay(3, 0.5, 0.2)).toBeCloseTo(3);
    expect(queueingDelay(Number.NaN, 0.5, 0.9)).toBeNaN();
    expect(queueingDelay(3, 0.5, undefined)).toBeNaN();
  });

  it('names the blocked loop, even at utilisation near 1, when its delay is far above what that utilisation explains', () => {
    const d = diagnoseFrame(busyAgent(600));
    expect(d.causes[0]!.kind).toBe('event_loop_blocked');
    expect(d.symptoms.map((f) => f.kind)).toContain('cpu_saturation');
    expect(Number(d.causes[0]!.facts.queueing_delay_ms)).toBeCloseTo(85.5, 0);
  });

  it('names the saturation when the delay is what a loop that busy gives by queueing', () => {
    const d = diagnoseFrame(busyAgent(150));
    expect(d.causes[0]!.kind).toBe('cpu_saturation');
    expect(d.symptoms.map((f) => f.kind)).toContain('event_loop_blocked');
  });

  it('leaves the saturation the cause when the queueing delay is unknown', () => {
    const blocked: Finding = { kind: 'event_loop_blocked', metric: 'event_loop_delay_p99_ms', confidence: 0.6, severity: 'warning', metrics: { event_loop_delay_p99_ms: ev(900, 3) }, facts: {} };
    expect(longTurns(blocked)).toBe(false);
  });
});

describe('a leak against GC churn', () => {
  const leak = (heap: MetricEvidence): Finding => ({ kind: 'memory_leak', metric: 'heap_used_bytes', confidence: 0.85, severity: 'warning', metrics: { heap_used_bytes: heap }, facts: {} });
  const gc = (pause: MetricEvidence): Finding => ({ kind: 'gc_pressure', metric: 'gc_pause_ms', confidence: 0.8, severity: 'warning', metrics: { gc_pause_ms: pause }, facts: {} });

  it('names the leak when GC time grew about as much as the heap', () => {
    const d = rankFindings([gc(ev(300, 100)), leak(ev(150e6, 100e6))]);
    expect(d.causes.map((f) => f.kind)).toEqual(['memory_leak']);
    expect(d.symptoms.map((f) => f.kind)).toEqual(['gc_pressure']);
  });

  it('names GC churn when GC time grew many times more than the heap (its garbage lifts the sampled heap)', () => {
    const d = rankFindings([leak(ev(146e6, 100e6)), gc(ev(2067, 142))]);
    expect(d.causes.map((f) => f.kind)).toEqual(['gc_pressure']);
    expect(d.symptoms.map((f) => f.kind)).toEqual(['memory_leak']);
  });

  it('keeps the leak as the cause without the ratios it needs', () => {
    expect(churnOutgrowsLeak(gc({ value: 2000, baseline: null, ratio: null }), leak(ev(146e6, 100e6)))).toBe(false);
  });
});
