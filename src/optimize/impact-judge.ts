import type { OptimizationConfig } from '../config/optimization-schema.js';
import type { ExpectDirection } from '../model/optimization.js';
import type { Sample } from '../model/snapshot.js';
import { controlForLoad, type BeforeAfter } from './load-control.js';
import { blockMedians, compareRanks, type RankComparison, median, normalCdf, percentileSorted, serialCorrection } from './rank-stats.js';
import { compareTrimmedMeans } from './trimmed-means.js';

/** How changes are judged (docs/optimization.md#judging); times in milliseconds of event time. */
export interface JudgeSettings {
  /** Time after the change left out while the system settles. */
  readonly settleMs: number;
  /** Length of the window before the change. */
  readonly beforeMs: number;
  /** Length of the window after the settling time, at the last look. */
  readonly afterMs: number;
  /** Looks at the data, evenly spread over the after window; a clear verdict may come at an earlier one. */
  readonly looks: number;
  /** Fewest samples on each side for a look to count. */
  readonly minSamples: number;
  /** Smallest relative change that is a verdict (0.1: 10 %). */
  readonly minEffect: number;
  /** Confidence of the whole judgement, shared among its looks and metrics (Bonferroni). */
  readonly confidence: number;
}

/** The judge settings of a configuration. */
export function judgeSettings(c: Pick<OptimizationConfig, `optimization_${'settle' | 'before' | 'after'}_seconds` | 'optimization_looks' | 'optimization_min_samples' | 'optimization_min_effect_pct' | 'optimization_confidence'>): JudgeSettings {
  return {
    settleMs: c.optimization_settle_seconds * 1000,
    beforeMs: c.optimization_before_seconds * 1000,
    afterMs: c.optimization_after_seconds * 1000,
    looks: c.optimization_looks,
    minSamples: c.optimization_min_samples,
    minEffect: c.optimization_min_effect_pct / 100,
    confidence: c.optimization_confidence,
  };
}

/** Most samples a side is compared on; longer windows are reduced to medians of consecutive runs. */
export const MAX_PER_SIDE = 100;

/** Event times of the looks of a change made at `appliedAt`, the last one closing the after window. */
export function lookTimes(appliedAt: number, s: JudgeSettings): number[] {
  return Array.from({ length: s.looks }, (_, i) => appliedAt + s.settleMs + Math.round((s.afterMs * (i + 1)) / s.looks));
}

/** The before window `[from, until)` and the after window `[from, until]` of a look ending at `lookAt`. */
export function lookWindows(appliedAt: number, lookAt: number, s: JudgeSettings, notBefore = -Infinity): { before: [number, number]; after: [number, number] } {
  return { before: [Math.max(notBefore, appliedAt - s.beforeMs), appliedAt], after: [appliedAt + s.settleMs, lookAt] };
}

/** What one metric of a change showed at a look. */
export type MetricOutcome = 'verified' | 'regressed' | 'ineffective' | 'waiting' | 'insufficient';

/** The tests a judgement can rest on: rank-sum with the Hodges-Lehmann shift, or Yuen's trimmed means. */
export type JudgeMethod = 'mann_whitney_hodges_lehmann' | 'yuen_trimmed_means';

/** Median, 95th percentile and mean of a side (raw values). */
export interface SideSummary {
  readonly p50: number;
  readonly p95: number;
  readonly mean: number;
}

/** The judgement of one metric. */
export interface MetricJudgement {
  readonly metric: string;
  readonly source: string | null;
  readonly direction: ExpectDirection;
  readonly outcome: MetricOutcome;
  readonly before: SideSummary;
  readonly after: SideSummary;
  /** Estimated relative change in percent (Hodges-Lehmann shift), negative when lower. */
  readonly changePct: number;
  /** Its confidence interval, percent (null ends: unbounded). */
  readonly ciPct: readonly [number | null, number | null];
  readonly pValue: number;
  /** The interval excludes no change. */
  readonly significant: boolean;
  /** The test whose estimate and interval these are (see `compareBothWays`). */
  readonly method: JudgeMethod;
  readonly samples: { readonly before: number; readonly after: number };
  readonly loadControlled: boolean;
  readonly reason: string;
}

/** One metric to judge: its samples, and the load of its source when it publishes one. */
export interface MetricInput {
  readonly metric: string;
  readonly source: string | null;
  readonly direction: ExpectDirection;
  readonly values: BeforeAfter;
  readonly load: BeforeAfter | null;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

function summary(samples: readonly Sample[]): SideSummary {
  const v = samples.map((s) => s.value).sort((a, b) => a - b);
  const mean = v.length > 0 ? v.reduce((a, b) => a + b, 0) / v.length : Number.NaN;
  return { p50: percentileSorted(v, 50), p95: percentileSorted(v, 95), mean };
}

/** The values to compare, on their comparison scale, and how a shift there becomes a relative change. */
function comparable(input: MetricInput): { before: number[]; after: number[]; relative: (d: number) => number; loadControlled: boolean; outside: number } {
  const raw = [...input.values.before, ...input.values.after];
  const positive = raw.every((s) => s.value > 0);
  const transform = positive ? Math.log : (v: number) => v;
  const scaleOf = () => {
    const m = Math.abs(median(input.values.before.map((s) => s.value)));
    return m > 0 ? m : 1;
  };
  const scale = positive ? 1 : scaleOf();
  const relative = positive ? (d: number) => Math.exp(d) - 1 : (d: number) => d / scale;
  const controlled = input.load ? controlForLoad(input.values, input.load, transform) : null;
  if (controlled) {
    return { before: controlled.before, after: controlled.after, relative, loadControlled: true, outside: controlled.outsideRange.before + controlled.outsideRange.after };
  }
  return { before: input.values.before.map((s) => transform(s.value)), after: input.values.after.map((s) => transform(s.value)), relative, loadControlled: false, outside: 0 };
}

/**
 * Two tests at half the error rate each (Bonferroni, so together they keep `confidence`): the
 * rank test, robust to hiccups but blind to distance, whose largest possible statistic (perfect
 * separation) can fall short of a serial-correlation-widened critical value on a few dozen
 * samples however large the change; and Yuen's trimmed-means test, which sees the distance. The
 * first that excludes no change gives the shift and interval; else the rank test's.
 */
function compareBothWays(before: readonly number[], after: readonly number[], confidence: number): RankComparison & { method: JudgeMethod } {
  const each = 1 - (1 - confidence) / 2;
  const excludesZero = (x: RankComparison) => x.low > 0 || x.high < 0;
  const ranked = { ...compareRanks(before, after, each, serialCorrection([before, after])), method: 'mann_whitney_hodges_lehmann' as const };
  if (excludesZero(ranked)) return ranked;
  const trimmed = compareTrimmedMeans(before, after, each);
  return excludesZero(trimmed) ? { ...trimmed, method: 'yuen_trimmed_means' } : ranked;
}

/**
 * Judges one metric at a look: the samples before and after (controlled for load when given) are
 * compared at `confidence` by a Mann-Whitney test and Yuen's trimmed-means test, both widened for
 * serial correlation (`compareBothWays`); the Hodges-Lehmann shift, or the difference of trimmed
 * means when only that test decides, gives the change and its interval. A significant change of at least the
 * minimum effect is `verified` (the expected way) or `regressed` (the other way); anything else
 * is `ineffective` at the last look and `waiting` before it. Too few samples: `insufficient`.
 */
export function judgeMetric(input: MetricInput, s: JudgeSettings, confidence: number, last: boolean): MetricJudgement {
  const c = comparable(input);
  const base = { metric: input.metric, source: input.source, direction: input.direction, before: summary(input.values.before), after: summary(input.values.after), loadControlled: c.loadControlled };
  const samples = { before: c.before.length, after: c.after.length };
  if (samples.before < s.minSamples || samples.after < s.minSamples) {
    const why = c.outside > 0 ? `; ${c.outside} samples lay outside the load range both sides share` : '';
    const reason = `${samples.before} samples before and ${samples.after} after, fewer than the ${s.minSamples} needed on each side${why}`;
    return { ...base, outcome: 'insufficient', changePct: Number.NaN, ciPct: [null, null], pValue: 1, significant: false, method: 'mann_whitney_hodges_lehmann', samples, reason };
  }
  const before = blockMedians(c.before, Math.ceil(c.before.length / MAX_PER_SIDE));
  const after = blockMedians(c.after, Math.ceil(c.after.length / MAX_PER_SIDE));
  const r = compareBothWays(before, after, confidence);
  const change = c.relative(r.shift);
  const significant = r.low > 0 || r.high < 0;
  const better = input.direction === 'decrease' ? change < 0 : change > 0;
  const big = Math.abs(change) >= s.minEffect;
  const outcome: MetricOutcome = significant && big ? (better ? 'verified' : 'regressed') : last ? 'ineffective' : 'waiting';
  const pct = (d: number) => (Number.isFinite(d) ? round2(100 * c.relative(d)) : null);
  const changePct = round2(100 * change);
  const reason = significant
    ? `${input.metric} changed by ${changePct}%${big ? '' : `, less than the minimum effect of ${round2(100 * s.minEffect)}%`}`
    : `no significant change of ${input.metric} (estimate ${changePct}%)`;
  return { ...base, outcome, changePct, ciPct: [pct(r.low), pct(r.high)], pValue: r.pValue, significant, method: r.method, samples, reason };
}

/** The verdict of a change at a look, from the judgements of its metrics. */
export interface Verdict {
  readonly outcome: 'verified' | 'regressed' | 'ineffective' | 'waiting' | 'failed';
  /** The metric the verdict rests on (the worst regression, else the largest improvement, else the first judged). */
  readonly deciding: MetricJudgement | null;
  readonly metrics: readonly MetricJudgement[];
  readonly reason: string;
}

const byChange = (a: MetricJudgement, b: MetricJudgement) => Math.abs(b.changePct) - Math.abs(a.changePct);

/**
 * Combines the metrics of a change: any regression decides at once; before the last look a change
 * is verified early only when every metric is; at the last look one verified metric verifies it,
 * metrics without enough samples are passed over, and none judged at all is a failure.
 */
export function combineVerdict(metrics: readonly MetricJudgement[], last: boolean): Verdict {
  const of = (o: MetricOutcome) => metrics.filter((m) => m.outcome === o).sort(byChange);
  const regressed = of('regressed');
  if (regressed.length > 0) return { outcome: 'regressed', deciding: regressed[0]!, metrics, reason: regressed[0]!.reason };
  const verified = of('verified');
  if (!last) {
    const all = verified.length === metrics.length && metrics.length > 0;
    return all ? { outcome: 'verified', deciding: verified[0]!, metrics, reason: verified[0]!.reason } : { outcome: 'waiting', deciding: null, metrics, reason: 'not decided yet' };
  }
  if (verified.length > 0) return { outcome: 'verified', deciding: verified[0]!, metrics, reason: verified[0]!.reason };
  const judged = metrics.filter((m) => m.outcome === 'ineffective');
  if (judged.length > 0) return { outcome: 'ineffective', deciding: judged[0]!, metrics, reason: judged.map((m) => m.reason).join('; ') };
  return { outcome: 'failed', deciding: null, metrics, reason: `cannot be judged: ${metrics.map((m) => `${m.metric}: ${m.reason}`).join('; ') || 'no metric to judge'}` };
}

/**
 * Confidence of each test at look `look` (1-based) of `s.looks`, so that the whole judgement
 * (every look, every metric) keeps `s.confidence`. The error rate is spent over the looks in the
 * O'Brien-Fleming shape (critical value c * sqrt(looks / look): an early look decides only a large
 * change, and the last look keeps most of the power), with c set so that the looks' rates add up
 * to the total (a Bonferroni bound, slightly conservative); then shared equally among the metrics.
 */
export function lookConfidence(s: JudgeSettings, look: number, metrics: number): number {
  const alpha = 1 - s.confidence;
  const k = Math.max(1, s.looks);
  const spent = (c: number) => Array.from({ length: k }, (_, i) => 2 * (1 - normalCdf(c * Math.sqrt(k / (i + 1))))).reduce((a, b) => a + b, 0);
  let lo = 0;
  let hi = 10;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (spent(mid) > alpha) lo = mid;
    else hi = mid;
  }
  const atLook = 2 * (1 - normalCdf(hi * Math.sqrt(k / Math.min(k, Math.max(1, look)))));
  return 1 - atLook / Math.max(1, metrics);
}

/** Samples of a change's metrics, read for one look. */
export interface LookInput {
  readonly metrics: readonly MetricInput[];
  /** Which look this is, from 1 to the settings' `looks` (the last: the after window is complete). */
  readonly look: number;
}

/** Judges a change at one look: every metric, then the combined verdict. */
export function judgeLook(input: LookInput, s: JudgeSettings): Verdict {
  const confidence = lookConfidence(s, input.look, input.metrics.length);
  const last = input.look >= s.looks;
  return combineVerdict(input.metrics.map((m) => judgeMetric(m, s, confidence, last)), last);
}

/** The samples of a series read for a look, split into its before and after windows. */
export function splitWindows(samples: readonly Sample[], w: { before: readonly [number, number]; after: readonly [number, number] }): BeforeAfter {
  return {
    before: samples.filter((s) => s.timestamp >= w.before[0] && s.timestamp < w.before[1]),
    after: samples.filter((s) => s.timestamp >= w.after[0] && s.timestamp <= w.after[1]),
  };
}
