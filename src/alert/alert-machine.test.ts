import { describe, expect, it } from 'vitest';
import type { ThresholdRule } from '../config/schema.js';
import { endEpisode, INITIAL, stepSample, stepStale, type MachineParams, type SeriesAlert } from './alert-machine.js';
import { effectiveRule, evaluateThreshold } from './threshold-rules.js';

const S = 1000;

/** Runs values sampled every `every` seconds from t=0 through a rule; returns the transitions as text. */
function run(rule: ThresholdRule, values: readonly number[], opts: { every?: number; staleS?: number; keepS?: number; start?: SeriesAlert } = {}) {
  const r = effectiveRule('m', rule, 'src', { keepFiringSeconds: opts.keepS ?? 0 })!;
  const p: MachineParams = { forMs: r.forMs, keepFiringMs: r.keepFiringMs, renotifyMs: r.renotifyMs, staleMs: (opts.staleS ?? 3600) * S, lowest: r.lowest };
  let state = opts.start ?? INITIAL;
  let n = 0;
  const log: string[] = [];
  const ids = new Set<string>();
  values.forEach((v, i) => {
    const ts = i * (opts.every ?? 10) * S;
    const res = stepSample(state, ts, v, evaluateThreshold(r, v), p, () => `a${++n}`);
    state = res.state;
    for (const t of res.transitions) {
      ids.add(t.episode.alertId);
      const extra = t.kind === 'resolved' ? ` ${t.reason}` : t.previousSeverity ? ` from ${t.previousSeverity}` : '';
      log.push(`${t.at / S} ${t.kind} ${t.episode.alertId} ${t.episode.severity}${extra}`);
    }
  });
  return { log, state, ids, p };
}

describe('alert state machine on threshold rules', () => {
  it('fires at once and resolves once with the seed rule {"critical": 90}', () => {
    const { log } = run({ critical: 90 }, [50, 95, 97, 96, 80, 70]);
    expect(log).toEqual(['10 fired a1 critical', '40 resolved a1 critical cleared']);
  });

  it('does not fire at the level itself (strictly beyond)', () => {
    expect(run({ critical: 90 }, [90, 90, 90]).log).toEqual([]);
  });

  it('holds for for_seconds in event time before firing, and cancels a pending alert that drops back', () => {
    expect(run({ critical: 90, for_seconds: 30 }, [95, 95, 95, 80, 95, 95, 95, 95]).log).toEqual([
      '0 pending a1 critical',
      '30 cancelled a1 critical',
      '40 pending a2 critical',
      '70 fired a2 critical',
    ]);
  });

  it('fires on the sample that completes the hold, even when samples are sparse', () => {
    expect(run({ critical: 90, for_seconds: 25 }, [95, 95, 95, 95], { every: 20 }).log).toEqual(['0 pending a1 critical', '40 fired a1 critical']);
  });

  it('applies hysteresis: resolves only once the value crosses back past clear', () => {
    const { log } = run({ warning: 80, clear: 70 }, [85, 79, 75, 71, 85, 69, 85]);
    expect(log).toEqual(['0 fired a1 warning', '50 resolved a1 warning cleared', '60 fired a2 warning']);
  });

  it('ignores a clear level on the wrong side of the lowest level', () => {
    expect(run({ warning: 80, clear: 95 }, [85, 82, 79]).log).toEqual(['0 fired a1 warning', '20 resolved a1 warning cleared']);
  });

  it('handles direction below with its own hysteresis', () => {
    const { log } = run({ warning: 20, critical: 10, direction: 'below', clear: 25 }, [30, 15, 5, 22, 26]);
    expect(log).toEqual([
      '10 fired a1 warning',
      '20 escalated a1 critical from warning',
      '30 deescalated a1 warning from critical',
      '40 resolved a1 warning cleared',
    ]);
  });

  it('escalates within the episode after the hold and de-escalates after keep_firing_seconds', () => {
    const { log, ids } = run({ warning: 75, critical: 90, for_seconds: 20 }, [80, 80, 80, 95, 95, 95, 85, 85, 85, 60, 60, 60], { keepS: 20 });
    expect(log).toEqual([
      '0 pending a1 warning',
      '20 fired a1 warning',
      '50 escalated a1 critical from warning',
      '80 deescalated a1 warning from critical',
      '90 resolved a1 warning cleared',
    ]);
    expect(ids.size).toBe(1);
  });

  it('does not escalate on a single spike shorter than the hold', () => {
    const { log } = run({ warning: 75, critical: 90, for_seconds: 20 }, [80, 80, 80, 95, 80, 80, 60]);
    expect(log).toEqual(['0 pending a1 warning', '20 fired a1 warning', '60 resolved a1 warning cleared']);
  });

  it('fires critical directly when pending ends above the critical level, and keeps one alert id', () => {
    const { log } = run({ warning: 75, critical: 90, for_seconds: 10 }, [80, 95, 95, 50]);
    expect(log).toEqual(['0 pending a1 warning', '10 fired a1 critical', '30 resolved a1 critical cleared']);
  });

  it('keeps firing at the only severity while between clear and the level', () => {
    const { log } = run({ critical: 90, clear: 80 }, [95, 85, 85, 85, 79]);
    expect(log).toEqual(['0 fired a1 critical', '40 resolved a1 critical cleared']);
  });

  it('re-notifies at renotify_seconds while firing, in event time', () => {
    const { log } = run({ critical: 90, renotify_seconds: 30 }, [95, 95, 95, 95, 95, 95, 95, 50]);
    expect(log).toEqual(['0 fired a1 critical', '30 renotify a1 critical', '60 renotify a1 critical', '70 resolved a1 critical cleared']);
  });

  it('merges a flap: a return within keep_firing_seconds continues the episode (one firing, one resolved)', () => {
    const { log, ids } = run({ critical: 90 }, [95, 85, 95, 85, 95, 85, 85, 85, 85], { keepS: 25 });
    expect(log).toEqual(['0 fired a1 critical', '50 resolved a1 critical cleared']);
    expect(ids.size).toBe(1);
  });

  it('without keep_firing_seconds a flapping series raises one episode per crossing', () => {
    const { log } = run({ critical: 90 }, [95, 85, 95, 85], { keepS: 0 });
    expect(log).toEqual(['0 fired a1 critical', '10 resolved a1 critical cleared', '20 fired a2 critical', '30 resolved a2 critical cleared']);
  });

  it('ignores late, out-of-order and duplicate samples', () => {
    const r = effectiveRule('m', { critical: 90 }, 's', { keepFiringSeconds: 0 })!;
    const p: MachineParams = { forMs: 0, keepFiringMs: 0, renotifyMs: 0, staleMs: 60 * S, lowest: r.lowest };
    const a = stepSample(INITIAL, 10 * S, 95, evaluateThreshold(r, 95), p, () => 'x');
    const late = stepSample(a.state, 5 * S, 10, evaluateThreshold(r, 10), p, () => 'y');
    expect(late.late).toBe(true);
    expect(late.state).toBe(a.state);
    expect(stepSample(a.state, 10 * S, 10, evaluateThreshold(r, 10), p, () => 'y').late).toBe(true);
  });

  it('ends an episode as stale when the series resumes after a gap longer than staleMs', () => {
    const r = effectiveRule('m', { critical: 90 }, 's', { keepFiringSeconds: 0 })!;
    const p: MachineParams = { forMs: 0, keepFiringMs: 0, renotifyMs: 0, staleMs: 60 * S, lowest: r.lowest };
    const a = stepSample(INITIAL, 0, 95, evaluateThreshold(r, 95), p, () => 'a1');
    const b = stepSample(a.state, 500 * S, 96, evaluateThreshold(r, 96), p, () => 'a2');
    expect(b.transitions.map((t) => `${t.at / S} ${t.kind} ${t.episode.alertId} ${t.reason ?? ''}`)).toEqual([
      '60 resolved a1 stale',
      '500 fired a2 ',
    ]);
  });

  it('ends an episode as stale on the wall-clock sweep, dated last sample + staleMs', () => {
    const { state, p } = run({ critical: 90 }, [95, 95], { staleS: 60 });
    const r = stepStale(state, p);
    expect(r.transitions.map((t) => [t.kind, t.at / S, t.reason])).toEqual([['resolved', 70, 'stale']]);
    expect(r.state.episode).toBeNull();
    expect(stepStale(r.state, p).transitions).toEqual([]);
  });

  it('stretches staleness to three sampling intervals for series sampled less often than staleMs', () => {
    const { log } = run({ critical: 90 }, [50, 50, 95, 96, 97, 50], { every: 300, staleS: 60 });
    expect(log).toEqual(['600 fired a1 critical', '1500 resolved a1 critical cleared']);
    const stale = run({ critical: 90 }, [50, 50, 95], { every: 300, staleS: 60 });
    expect(stepStale(stale.state, stale.p).transitions.map((t) => [t.kind, t.at / S])).toEqual([['resolved', 600 + 900]]);
  });

  it('cancels (never resolves) a pending episode that goes stale', () => {
    const { state, p } = run({ critical: 90, for_seconds: 600 }, [95, 95], { staleS: 60 });
    expect(stepStale(state, p).transitions.map((t) => t.kind)).toEqual(['cancelled']);
  });

  it('continues a restored episode across a restart gap without resolving or firing again', () => {
    const first = run({ critical: 90 }, [95, 95], { staleS: 60 });
    const restored: SeriesAlert = { ...first.state, resumed: true };
    const r = effectiveRule('m', { critical: 90 }, 's', { keepFiringSeconds: 0 })!;
    const later = stepSample(restored, 900 * S, 96, evaluateThreshold(r, 96), first.p, () => 'new');
    expect(later.transitions).toEqual([]);
    expect(later.state.episode?.alertId).toBe('a1');
    const after = stepSample(later.state, 910 * S, 50, evaluateThreshold(r, 50), first.p, () => 'new');
    expect(after.transitions.map((t) => `${t.kind} ${t.episode.alertId}`)).toEqual(['resolved a1']);
  });

  it('ends an episode when its rule is removed', () => {
    const { state } = run({ critical: 90 }, [95]);
    const r = endEpisode(state, 5 * S, 'rule_removed');
    expect(r.transitions.map((t) => [t.kind, t.reason, t.at])).toEqual([['resolved', 'rule_removed', 5 * S]]);
  });

  it('applies the first matching per-source override', () => {
    const rule: ThresholdRule = { warning: 75, critical: 90, overrides: [{ source: 'batch-*', critical: 98 }, { source: 'batch-1', critical: 50 }] };
    const batch = effectiveRule('cpu_usage', rule, 'batch-1', { keepFiringSeconds: 0 })!;
    expect([batch.warning, batch.critical]).toEqual([75, 98]);
    const other = effectiveRule('cpu_usage', rule, 'web-1', { keepFiringSeconds: 0 })!;
    expect([other.warning, other.critical]).toEqual([75, 90]);
    expect(evaluateThreshold(batch, 95).trigger).toBe('warning');
    expect(evaluateThreshold(other, 95).trigger).toBe('critical');
  });
});
