/**
 * Rank statistics for before/after comparisons: the Mann-Whitney rank-sum test, the Hodges-Lehmann
 * shift with its distribution-free confidence interval, and what they need (normal quantiles,
 * percentiles, lag-1 autocorrelation). Pure functions over plain arrays.
 */

/** Quantile of the standard normal distribution (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) return p === 0 ? -Infinity : p === 1 ? Infinity : Number.NaN;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) => (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/**
 * Quantile of Student's t distribution with `df` degrees of freedom, by the Cornish-Fisher
 * expansion around the normal quantile (Abramowitz and Stegun 26.7.5; within 1 % from 4 degrees of freedom on).
 */
export function tQuantile(p: number, df: number): number {
  const z = normalQuantile(p);
  if (!Number.isFinite(df)) return z;
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df ** 2) + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df ** 3);
}

/** Cumulative distribution of the standard normal (the Chebyshev fit of erfc in Numerical Recipes, error < 1.2e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const y =
    t *
    Math.exp(
      -x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return z >= 0 ? 1 - y / 2 : y / 2;
}

/** Percentile `p` (0-100) of sorted values, linear between ranks; NaN when empty. */
export function percentileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Percentile `p` (0-100) of values in any order. */
export function percentile(values: readonly number[], p: number): number {
  return percentileSorted([...values].sort((x, y) => x - y), p);
}

/** Median of values in any order; NaN when empty. */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Ranks of values (1-based, ties averaged), in their order. */
export function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const out = new Array<number>(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]!.v === order[i]!.v) j++;
    for (let k = i; k <= j; k++) out[order[k]!.i] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

/**
 * Autocorrelations at lags 1..maxLag pooled over several series in time order: each centred on
 * its own mean, products taken within a series only. Zeros when every series is constant.
 */
export function pooledAutocorrelations(series: readonly (readonly number[])[], maxLag: number): number[] {
  const centred = series.map((g) => {
    const mean = g.reduce((a, b) => a + b, 0) / g.length;
    return g.map((v) => v - mean);
  });
  let den = 0;
  for (const d of centred) for (const x of d) den += x * x;
  const out: number[] = [];
  for (let k = 1; k <= maxLag; k++) {
    let num = 0;
    for (const d of centred) for (let i = k; i < d.length; i++) num += d[i]! * d[i - k]!;
    out.push(den > 0 ? num / den : 0);
  }
  return out;
}

/** Largest variance inflation credited to serial correlation. */
const MAX_INFLATION = 50;
/** Fewest degrees of freedom credited to an estimated long-run variance. */
const MIN_DF = 4;

/** How serial correlation widens a comparison: the variance inflation and the degrees of freedom of its estimate. */
export interface SerialCorrection {
  readonly inflation: number;
  /** Degrees of freedom of the estimated variance (Infinity when it is known). */
  readonly df: number;
}

/** No serial correlation: independent samples. */
export const INDEPENDENT: SerialCorrection = { inflation: 1, df: Infinity };

/**
 * Variance inflation of a rank statistic for serially correlated samples: the long-run variance of
 * the groups' ranks over their variance (see `longRunCorrection`). Ranks keep a few outliers from
 * hiding the correlation.
 */
export function serialCorrection(groups: readonly (readonly number[])[]): SerialCorrection {
  return longRunCorrection(groups.map((g) => ranks(g)));
}

/**
 * Variance inflation of a mean for serially correlated samples: the long-run variance of the
 * groups over their variance (Bartlett-weighted autocorrelations up to lag 2 sqrt(n), as in a
 * Newey-West estimate), pooled over the groups so that a short after window borrows the longer
 * before window's estimate. The wide lag window catches slow wander under fast noise (which a
 * lag-1 figure dilutes), and the downward bias of autocorrelations around estimated means is
 * corrected. Such an estimate is itself uncertain (about chi-square with 1.5 n / lags degrees of
 * freedom for the Bartlett kernel), so it comes with its degrees of freedom, for a t rather than
 * a normal critical value. Constant groups are left out. The inflation is never below 1 nor
 * above 50.
 */
export function longRunCorrection(groups: readonly (readonly number[])[]): SerialCorrection {
  // A constant group (a metric that fell to zero and stayed there) shows no correlation to estimate:
  // counted, it would only shorten the lags' reach and inflate the bias correction.
  const used = groups.filter((g) => g.length >= 4 && g.some((v) => v !== g[0]));
  const n = used.reduce((a, g) => a + g.length, 0);
  if (n === 0) return INDEPENDENT;
  const lags = Math.min(Math.floor(n / 3), Math.ceil(2 * Math.sqrt(n)));
  let f = 1;
  pooledAutocorrelations(used, lags).forEach((r, k) => (f += 2 * (1 - (k + 1) / (lags + 1)) * r));
  // Centring each group on its own mean biases every autocorrelation down by about f / n per
  // group; over the Bartlett weights (summing to `lags`) that takes f * lags * groups / n off.
  const kept = Math.max(0.2, 1 - (lags * used.length) / n);
  const inflation = Math.min(MAX_INFLATION, Math.max(1, Math.max(f, 0) / kept));
  return { inflation, df: Math.max(MIN_DF, (1.5 * n) / lags) };
}

/** Result of a Mann-Whitney comparison of `after` against `before`. */
export interface RankComparison {
  /** Two-sided p-value (normal approximation, tie-corrected, inflated for serial correlation). */
  readonly pValue: number;
  /** Hodges-Lehmann shift: the median of every difference after - before. */
  readonly shift: number;
  /** Confidence interval of the shift at the requested level (infinite ends when the samples are too few). */
  readonly low: number;
  readonly high: number;
}

/** Sum of the ranks of `after` in the pooled sample, with the tie term of the variance. */
function rankSum(before: readonly number[], after: readonly number[]): { w: number; ties: number } {
  const all = [...before.map((v) => ({ v, a: false })), ...after.map((v) => ({ v, a: true }))].sort((x, y) => x.v - y.v);
  let w = 0;
  let ties = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1]!.v === all[i]!.v) j++;
    const rank = (i + j) / 2 + 1;
    const t = j - i + 1;
    ties += t * t * t - t;
    for (let k = i; k <= j; k++) if (all[k]!.a) w += rank;
    i = j + 1;
  }
  return { w, ties };
}

/**
 * Compares `after` with `before`: the Mann-Whitney test of no shift and the Hodges-Lehmann shift
 * with its confidence interval at `confidence` (the order statistics of the pairwise differences
 * that invert the test). `serial` widens both for serially correlated samples.
 */
export function compareRanks(before: readonly number[], after: readonly number[], confidence: number, serial: SerialCorrection = INDEPENDENT): RankComparison {
  const inflation = serial.inflation;
  const n = before.length;
  const m = after.length;
  if (n === 0 || m === 0) return { pValue: 1, shift: Number.NaN, low: -Infinity, high: Infinity };
  const big = n + m;
  const { w, ties } = rankSum(before, after);
  const u = w - (m * (m + 1)) / 2;
  const varU = ((n * m) / 12) * (big + 1 - ties / (big * (big - 1))) * inflation;
  const z = varU > 0 ? (u - (n * m) / 2) / Math.sqrt(varU) : 0;
  const diffs = new Float64Array(n * m);
  let k = 0;
  for (const y of after) for (const x of before) diffs[k++] = y - x;
  diffs.sort();
  const total = diffs.length;
  const shift = total % 2 === 1 ? diffs[(total - 1) / 2]! : (diffs[total / 2 - 1]! + diffs[total / 2]!) / 2;
  const zc = tQuantile(1 - (1 - confidence) / 2, serial.df);
  const c = Math.floor((n * m) / 2 - zc * Math.sqrt(((n * m * (big + 1)) / 12) * inflation));
  const low = c >= 1 ? diffs[c - 1]! : -Infinity;
  const high = c >= 1 ? diffs[total - c]! : Infinity;
  return { pValue: Math.min(1, 2 * (1 - normalCdf(Math.abs(z)))), shift, low, high };
}

/** Medians of consecutive runs of `size` values (the last run may be shorter): fewer, less correlated samples. */
export function blockMedians(values: readonly number[], size: number): number[] {
  if (size <= 1) return [...values];
  const out: number[] = [];
  for (let i = 0; i < values.length; i += size) out.push(median(values.slice(i, i + size)));
  return out;
}
