import { describe, expect, it } from 'vitest';
import type { Finding, MetricEvidence } from './finding.js';
import { churnOutgrowsLeak, rankFindings } from './rank-findings.js';

const ev = (value: number, baseline: number): MetricEvidence => ({ value, baseline, ratio: value / baseline });



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
