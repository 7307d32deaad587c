import { describe, expect, it } from 'vitest';
import type { Sample } from '../model/snapshot.js';
import { Random } from '../tools/simulate/synthetic/random.js';
import { combineVerdict, judgeLook, judgeMetric, lookConfidence, lookTimes, lookWindows, splitWindows, type JudgeSettings, type MetricJudgement } from './impact-judge.js';

const S: JudgeSettings = { settleMs: 60_000, beforeMs: 900_000, afterMs: 900_000, looks: 3, minSamples: 20, minEffect: 0.1, confidence: 0.98 };
const T0 = Date.UTC(2026, 10, 23, 10);

/** A series every 10 s from 15 min before the change to its last look: `value(load, after)` with log-normal noise. */
function stream(seed: number, o: { effect?: number; rise?: number; loadSpread?: number; elasticity?: number } = {}): { latency: Sample[]; load: Sample[] } {
  const r = new Random(seed);
  const latency: Sample[] = [];
  const load: Sample[] = [];
  for (let t = T0 - S.beforeMs; t <= T0 + S.settleMs + S.afterMs; t += 10_000) {
    const after = t >= T0;
    const l = 100 * (after ? 1 + (o.rise ?? 0) : 1) * r.logNormal(o.loadSpread ?? 0.05);
    load.push({ timestamp: t, value: l });
    latency.push({ timestamp: t, value: 40 * (l / 100) ** (o.elasticity ?? 0) * (after ? 1 + (o.effect ?? 0) : 1) * r.logNormal(0.12) });
  }
  return { latency, load };
}

function judge(seed: number, o: Parameters<typeof stream>[1], withLoad: boolean, look = 3) {
  const s = stream(seed, o);
  const w = lookWindows(T0, lookTimes(T0, S)[look - 1]!, S);
  return judgeLook({ metrics: [{ metric: 'handler_latency_p95_ms', source: 'a', direction: 'decrease', values: splitWindows(s.latency, w), load: withLoad ? splitWindows(s.load, w) : null }], look }, S);
}

describe('look schedule', () => {
  it('looks after the settling time at even steps of the after window, the before window ending at the change', () => {
    expect(lookTimes(T0, S).map((t) => (t - T0) / 60_000)).toEqual([6, 11, 16]);
    expect(lookWindows(T0, T0 + 660_000, S)).toEqual({ before: [T0 - 900_000, T0], after: [T0 + 60_000, T0 + 660_000] });
    expect(lookWindows(T0, T0 + 660_000, S, T0 - 100_000).before).toEqual([T0 - 100_000, T0]);
  });

  it("spends the error rate in the O'Brien-Fleming shape: strict early, most of it at the last look, shared among metrics", () => {
    const alpha = [1, 2, 3].map((k) => 1 - lookConfidence(S, k, 1));
    expect(alpha[0]).toBeLessThan(alpha[1]!);
    expect(alpha[1]).toBeLessThan(alpha[2]!);
    expect(alpha.reduce((a, b) => a + b, 0)).toBeCloseTo(0.02, 6);
    expect(1 - lookConfidence(S, 3, 2)).toBeCloseTo(alpha[2]! / 2, 9);
  });
});

describe('judgeMetric', () => {
  it('verifies a 30% drop of a metric expected to decrease, with the measured change and its interval', () => {
    const v = judge(1, { effect: -0.3 }, false);
    expect(v.outcome).toBe('verified');
    const m = v.deciding!;
    expect(m.changePct).toBeGreaterThan(-38);
    expect(m.changePct).toBeLessThan(-22);
    expect(m.ciPct[0]).toBeLessThan(m.changePct);
    expect(m.ciPct[1]).toBeGreaterThan(m.changePct);
    expect(m.significant).toBe(true);
    expect(m.method).toBe('mann_whitney_hodges_lehmann');
    expect(m.before.p50).toBeGreaterThan(m.after.p50);
    expect(m.samples).toEqual({ before: 90, after: 91 });
  });

  it('calls a 30% rise of that metric a regression, and no change ineffective at the last look, waiting before it', () => {
    expect(judge(2, { effect: 0.3 }, false).outcome).toBe('regressed');
    expect(judge(3, {}, false).outcome).toBe('ineffective');
    expect(judge(3, {}, false, 2).outcome).toBe('waiting');
  });

  it('needs the minimum number of samples on each side', () => {
    const s = stream(4);
    const w = lookWindows(T0, lookTimes(T0, S)[0]!, S);
    const few = { before: splitWindows(s.latency, w).before.slice(0, 10), after: splitWindows(s.latency, w).after };
    const m = judgeMetric({ metric: 'x', source: null, direction: 'decrease', values: few, load: null }, S, 0.99, true);
    expect(m.outcome).toBe('insufficient');
    expect(m.reason).toMatch(/10 samples before .* fewer than the 20 needed/);
  });

  it('verifies a 99% drop on 15 wandering readings a side, which the rank test alone, widened for the wander, could never call significant', () => {
    const few: JudgeSettings = { ...S, looks: 1, minSamples: 12, confidence: 0.9 };
    const methods = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      const r = new Random(seed);
      let x = 0;
      // A statement's mean time wandering with the machine's load: a random walk on the log scale.
      const side = (from: number, ms: number) => Array.from({ length: 15 }, (_, i) => ({ timestamp: from + i, value: ms * Math.exp((x += 0.1 * r.normal())) }));
      const before = side(0, 40);
      const after = side(100, 0.4);
      const m = judgeMetric({ metric: 'db_statement_mean_ms', source: null, direction: 'decrease', values: { before, after }, load: null }, few, 0.9, true);
      expect(m.outcome, `seed ${seed}: ${m.reason}, p ${m.pValue}`).toBe('verified');
      expect(m.changePct).toBeLessThan(-95);
      expect(m.ciPct[1]).toBeLessThan(-10);
      methods.add(m.method);
    }
    // Where the rank test alone could not decide, the trimmed means did.
    expect([...methods].sort()).toEqual(['mann_whitney_hodges_lehmann', 'yuen_trimmed_means']);
  });

  it('compares raw values relative to the median before when some are not positive', () => {
    const before = Array.from({ length: 40 }, (_, i) => ({ timestamp: i, value: i % 4 }));
    const after = Array.from({ length: 40 }, (_, i) => ({ timestamp: 100 + i, value: (i % 4) + 3 }));
    const m = judgeMetric({ metric: 'queue_depth', source: null, direction: 'decrease', values: { before, after }, load: null }, S, 0.98, true);
    expect(m.outcome).toBe('regressed');
    expect(m.changePct).toBe(200);
  });
});

describe('load control', () => {
  it('does not call a traffic rise at the change a regression when the source publishes its load', () => {
    const o = { rise: 0.4, loadSpread: 0.2, elasticity: 1 };
    expect(judge(5, o, false).outcome).toBe('regressed');
    const controlled = judge(5, o, true);
    expect(controlled.outcome).toBe('ineffective');
    expect(controlled.deciding!.loadControlled).toBe(true);
  });

  it('still finds a real effect amid the traffic rise', () => {
    expect(judge(6, { rise: 0.4, loadSpread: 0.2, elasticity: 1, effect: -0.3 }, true).outcome).toBe('verified');
  });

  it('refuses to judge when the load after the change lies outside the range seen before', () => {
    const v = judge(7, { rise: 1, loadSpread: 0.05, elasticity: 1 }, true);
    expect(v.outcome).toBe('failed');
    expect(v.reason).toMatch(/outside the load range both sides share/);
  });
});

describe('combineVerdict', () => {
  const m = (metric: string, outcome: MetricJudgement['outcome'], changePct: number): MetricJudgement => ({
    metric,
    source: null,
    direction: 'decrease',
    outcome,
    changePct,
    before: { p50: 1, p95: 1, mean: 1 },
    after: { p50: 1, p95: 1, mean: 1 },
    ciPct: [null, null],
    pValue: 1,
    significant: outcome === 'verified' || outcome === 'regressed',
    method: 'mann_whitney_hodges_lehmann',
    samples: { before: 30, after: 30 },
    loadControlled: false,
    reason: `${metric} ${outcome}`,
  });

  it('lets any regression decide, verifies early only when every metric is verified, and passes over unjudged metrics at the end', () => {
    expect(combineVerdict([m('a', 'verified', -30), m('b', 'regressed', 12)], false)).toMatchObject({ outcome: 'regressed', deciding: { metric: 'b' } });
    expect(combineVerdict([m('a', 'verified', -30), m('b', 'waiting', 2)], false).outcome).toBe('waiting');
    expect(combineVerdict([m('a', 'verified', -30), m('b', 'verified', -50)], false)).toMatchObject({ outcome: 'verified', deciding: { metric: 'b' } });
    expect(combineVerdict([m('a', 'verified', -30), m('b', 'insufficient', Number.NaN)], true).outcome).toBe('verified');
    expect(combineVerdict([m('a', 'ineffective', -3), m('b', 'insufficient', Number.NaN)], true).outcome).toBe('ineffective');
    expect(combineVerdict([m('a', 'insufficient', Number.NaN)], true)).toMatchObject({ outcome: 'failed', reason: 'cannot be judged: a: a insufficient' });
  });
});
