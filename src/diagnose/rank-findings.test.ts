import { describe, expect, it } from 'vitest';
import type { Finding, MetricEvidence } from './finding.js';
import { blockOutgrowsSaturation, churnOutgrowsLeak, delayFromUtilisation, rankFindings } from './rank-findings.js';

const ev = (value: number, baseline: number): MetricEvidence => ({ value, baseline, ratio: value / baseline });

function saturation(elu: MetricEvidence, saturated = 'event_loop'): Finding {
  return { kind: 'cpu_saturation', metric: 'event_loop_utilization', confidence: 0.95, severity: 'critical', metrics: { event_loop_utilization: elu }, facts: { saturated } };
}

function blocked(delay: MetricEvidence, elu: MetricEvidence): Finding {
  return { kind: 'event_loop_blocked', metric: 'event_loop_delay_p99_ms', confidence: 0.7, severity: 'warning', metrics: { event_loop_delay_p99_ms: delay, event_loop_utilization: elu }, facts: {} };
}

describe('a saturated loop against a blocked one', () => {
  it('grows the delay utilisation explains as a queue wait does, from a floor, with utilisation capped', () => {
    expect(delayFromUtilisation(10, 0.5, 0.5)).toBeCloseTo(10);
    expect(delayFromUtilisation(10, 0.5, 0.9)).toBeCloseTo(50);
    expect(delayFromUtilisation(1, 0.5, 0.9)).toBeCloseTo(25);
    expect(delayFromUtilisation(10, 0.5, 1)).toBeCloseTo(250);
  });

  it('names the saturation when the delay is what a busy loop of short turns gives', () => {
    const elu = ev(0.97, 0.5);
    const d = rankFindings([blocked(ev(120, 8), elu), saturation(elu)]);
    expect(d.causes.map((f) => f.kind)).toEqual(['cpu_saturation']);
    expect(d.symptoms.map((f) => f.kind)).toEqual(['event_loop_blocked']);
  });

  it('names the blocked loop, even at high utilisation, when its delay is far above what utilisation explains', () => {
    const elu = ev(0.92, 0.6);
    const d = rankFindings([saturation(elu), blocked(ev(300, 4), elu)]);
    expect(d.causes.map((f) => f.kind)).toEqual(['event_loop_blocked']);
    expect(d.symptoms.map((f) => f.kind)).toEqual(['cpu_saturation']);
  });

  it('keeps a saturation from outside the loop (a cgroup quota, all cores busy) as the cause of any delay', () => {
    const elu = ev(0.92, 0.6);
    expect(blockOutgrowsSaturation(blocked(ev(900, 4), elu), saturation(elu, 'cgroup_limit'))).toBe(false);
    expect(rankFindings([saturation(elu, 'all_cores'), blocked(ev(900, 4), elu)]).causes.map((f) => f.kind)).toEqual(['cpu_saturation']);
  });

  it('does not decide without the references it needs', () => {
    const noRef: MetricEvidence = { value: 0.95, baseline: null, ratio: null };
    expect(blockOutgrowsSaturation(blocked(ev(900, 4), noRef), saturation(noRef))).toBe(false);
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
