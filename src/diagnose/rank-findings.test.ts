import { describe, expect, it } from 'vitest';
import type { Finding, MetricEvidence } from './finding.js';
import { blockOutgrowsSaturation, delayFromUtilisation, rankFindings } from './rank-findings.js';

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
