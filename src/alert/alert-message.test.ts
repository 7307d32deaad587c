import { describe, expect, it } from 'vitest';
import type { ThresholdRule } from '../config/schema.js';
import { INITIAL, stepSample, type MachineParams } from './alert-machine.js';
import { describeAlert, formatMetricValue, type AlertTransition } from './alert-message.js';
import { effectiveRule, evaluateThreshold } from './threshold-rules.js';

/** Runs values 10 s apart through a threshold rule of `metric`; returns every transition as the stage passes it on (with the rule's bounds). */
function transitions(metric: string, rule: ThresholdRule, values: readonly number[]): AlertTransition[] {
  const r = effectiveRule(metric, rule, 'web-1', { keepFiringSeconds: 0 })!;
  const p: MachineParams = { forMs: r.forMs, keepFiringMs: r.keepFiringMs, renotifyMs: r.renotifyMs, staleMs: 3_600_000, lowest: r.lowest };
  let state = INITIAL;
  const out: AlertTransition[] = [];
  values.forEach((v, i) => {
    const res = stepSample(state, i * 10_000, v, evaluateThreshold(r, v), p, () => 'a1');
    state = res.state;
    for (const t of res.transitions) {
      out.push({ ...t, source: 'web-1', metric, rule: 'threshold', reference: null, interval: 10_000, bounds: { direction: r.direction, clear: r.clear } });
    }
  });
  return out;
}

const messages = (ts: readonly AlertTransition[]) => ts.map((t) => `${t.kind}: ${describeAlert(t)}`);

describe('alert messages', () => {
  it('round values to a few significant digits and add the unit the metric name carries', () => {
    expect(formatMetricValue('cpu_usage', 56.65665665665666)).toBe('56.66%');
    expect(formatMetricValue('handler_latency_p95_ms', 1234.5678)).toBe('1235 ms');
    expect(formatMetricValue('memory_rss_bytes', 123_456_789)).toBe('117.7 MiB');
    expect(formatMetricValue('disk_write_bytes_per_sec.vda', 3_355_443.2)).toBe('3.2 MiB/s');
    expect(formatMetricValue('disk_util.vda', 99.99999)).toBe('100%');
    expect(formatMetricValue('queue_depth', 56.65665665665666)).toBe('56.66');
    expect(formatMetricValue('error_rate', 0.000123456)).toBe('0.000123');
  });

  it('word an "above" rule at warning and critical, and a de-escalation into the hysteresis band, without saying "below the level" of a firing alert', () => {
    const rule = { warning: 75, critical: 90, clear: 60 };
    expect(messages(transitions('cpu_usage', rule, [50, 80.123456, 95.55555, 70.4, 55]))).toEqual([
      'fired: web-1 cpu_usage at 80.12% above the warning level 75% for 0 s',
      'escalated: web-1 cpu_usage at 95.56% above the critical level 90% for 10 s',
      'deescalated: web-1 cpu_usage at 70.4%, no longer above the warning level 75% but not yet below the clear level 60%, for 20 s',
      'resolved: web-1 cpu_usage resolved after 30 s: back to normal (last value 55%, peak severity critical)',
    ]);
  });

  it('word a "below" rule at warning and critical, and its de-escalation, the other way round', () => {
    const rule: ThresholdRule = { warning: 100, critical: 20, clear: 150, direction: 'below' };
    expect(messages(transitions('free_cache_bytes', rule, [500, 90, 10, 120, 200]))).toEqual([
      'fired: web-1 free_cache_bytes at 90 B below the warning level 100 B for 0 s',
      'escalated: web-1 free_cache_bytes at 10 B below the critical level 20 B for 10 s',
      'deescalated: web-1 free_cache_bytes at 120 B, no longer below the warning level 100 B but not yet above the clear level 150 B, for 20 s',
      'resolved: web-1 free_cache_bytes resolved after 30 s: back to normal (last value 200 B, peak severity critical)',
    ]);
  });

  it('word a de-escalation from critical to a value still beyond the warning level plainly', () => {
    const ts = transitions('event_loop_delay_p99_ms', { warning: 100, critical: 500 }, [600, 200]);
    expect(messages(ts)).toEqual([
      'fired: web-1 event_loop_delay_p99_ms at 600 ms above the critical level 500 ms for 0 s',
      'deescalated: web-1 event_loop_delay_p99_ms at 200 ms above the warning level 100 ms for 10 s',
    ]);
  });
});
