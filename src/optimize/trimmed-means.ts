/**
 * Yuen's comparison of trimmed means, widened for serial correlation: the test that sees how far
 * apart two samples are, where a rank test sees only their order. Pure functions over plain arrays.
 */
import { longRunCorrection, tQuantile, type RankComparison } from './rank-stats.js';

/** Share of each end of a sample left out of its trimmed mean (Yuen's usual 20 %). */
export const TRIM = 0.2;
/** Fewest degrees of freedom credited to the comparison. */
const MIN_DF = 4;

/** A sample's trimmed mean, its values winsorized at the same depth (in time order), and the variance term of the mean. */
interface Trimmed {
  readonly mean: number;
  readonly winsorized: number[];
  /** Squared standard error of the trimmed mean for independent samples. */
  readonly d: number;
  /** Values kept by the trimming. */
  readonly kept: number;
}

function trim(values: readonly number[]): Trimmed {
  const n = values.length;
  const sorted = [...values].sort((a, b) => a - b);
  const g = Math.floor(TRIM * n);
  const kept = n - 2 * g;
  let sum = 0;
  for (let i = g; i < n - g; i++) sum += sorted[i]!;
  const lo = sorted[g]!;
  const hi = sorted[n - g - 1]!;
  const winsorized = values.map((v) => Math.min(hi, Math.max(lo, v)));
  const wMean = winsorized.reduce((a, b) => a + b, 0) / n;
  const wVar = winsorized.reduce((a, v) => a + (v - wMean) ** 2, 0) / (n - 1);
  return { mean: sum / kept, winsorized, d: ((n - 1) * wVar) / (kept * (kept - 1)), kept };
}

/**
 * Compares `after` with `before` by the difference of their 20 % trimmed means, with Yuen's
 * standard error (from the winsorized variances) and Welch's degrees of freedom. Both are widened
 * for serial correlation, estimated on the winsorized values of both sides: the variance by the
 * long-run inflation, the degrees of freedom capped by those of that estimate. Returns the
 * difference and its confidence interval at `confidence`, in the shape of a rank comparison (the
 * p-value two-sided, from the same t distribution). Each side needs at
 * least 4 values; with fewer, or with both sides constant and equal, nothing is concluded.
 */
export function compareTrimmedMeans(before: readonly number[], after: readonly number[], confidence: number): RankComparison {
  if (before.length < 4 || after.length < 4) return { pValue: 1, shift: Number.NaN, low: -Infinity, high: Infinity };
  const b = trim(before);
  const a = trim(after);
  const shift = a.mean - b.mean;
  const serial = longRunCorrection([b.winsorized, a.winsorized]);
  const d = b.d + a.d;
  if (d === 0) return shift === 0 ? { pValue: 1, shift, low: 0, high: 0 } : { pValue: 0, shift, low: shift, high: shift };
  const welchDf = (d * d) / ((b.d * b.d) / (b.kept - 1) + (a.d * a.d) / (a.kept - 1));
  const df = Math.max(MIN_DF, Math.min(welchDf, serial.df));
  const se = Math.sqrt(d * serial.inflation);
  const half = tQuantile(1 - (1 - confidence) / 2, df) * se;
  const t = Math.abs(shift) / se;
  return { pValue: twoSidedP(t, df), shift, low: shift - half, high: shift + half };
}

/** Two-sided p-value of a t statistic, by bisection on the quantile function (accurate to about 1e-6). */
function twoSidedP(t: number, df: number): number {
  if (!(t > 0)) return 1;
  let lo = 0.5;
  let hi = 1 - 1e-12;
  if (tQuantile(hi, df) <= t) return 2 * (1 - hi);
  for (let i = 0; i < 50; i++) {
    const mid = (lo + hi) / 2;
    if (tQuantile(mid, df) < t) lo = mid;
    else hi = mid;
  }
  return 2 * (1 - lo);
}
