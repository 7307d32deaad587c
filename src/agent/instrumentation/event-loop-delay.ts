import type { DelayBucket } from '../../profile/analysis/event-loop-report.js';

const round3 = (v: number): number => Math.round(v * 1000) / 1000;

/**
 * Turns the percentile iteration of Node's delay histogram (`IntervalHistogram.percentiles`:
 * percentile level → nanoseconds, as HdrHistogram walks its buckets) into histogram buckets: the
 * samples at most `le_ms` and above the previous bucket. A value first reached at level p and
 * last reported at level p' holds at least p'% of the samples and fewer than the next value's
 * level, so its cumulative count is ceil(p'% · count); the tail, where each value is a handful
 * of samples, comes out exact. Delays are reported beyond the monitor's `resolutionMs` (the
 * timer's own period is not delay).
 */
export function delayBuckets(percentiles: Iterable<readonly [number, number]>, count: number, resolutionMs: number): DelayBucket[] {
  const points = [...percentiles].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const lastLevel = new Map<number, number>();
  for (const [p, ns] of points) lastLevel.set(ns, p);
  const values = [...lastLevel.keys()].sort((a, b) => a - b);
  const out: DelayBucket[] = [];
  let previous = 0;
  values.forEach((ns, i) => {
    const level = lastLevel.get(ns)!;
    const cumulative = i === values.length - 1 ? count : Math.min(count, Math.ceil((level * count) / 100 - 1e-9));
    const n = cumulative - previous;
    if (n <= 0) return;
    previous = cumulative;
    const le = round3(Math.max(0, ns / 1e6 - resolutionMs));
    const last = out[out.length - 1];
    if (last && last.le_ms === le) out[out.length - 1] = { le_ms: le, count: last.count + n };
    else out.push({ le_ms: le, count: n });
  });
  return out;
}

/**
 * The q-th percentile of the delay a message arriving at a random moment would wait for the
 * loop, from the delay histogram's buckets. Node's monitor records one sample per timer turn, so a
 * 250 ms block is one sample among a hundred short ones and an unweighted p99 never sees it,
 * although the loop was stuck a quarter of the second. Here each sample counts for the time it
 * covers: a turn late by `s` ms (beyond the resolution) left the loop busy for the last `s` ms of
 * its `s + resolution`, and a message arriving then waited between 0 and `s`. The answer `w`
 * solves Σ count·max(0, s − w) = (1 − q/100)·Σ count·(s + resolution), exactly, piecewise-linearly.
 */
export function arrivalDelayPercentile(buckets: readonly DelayBucket[], resolutionMs: number, q: number): number {
  let total = 0;
  for (const b of buckets) total += b.count * (b.le_ms + resolutionMs);
  const target = (1 - q / 100) * total;
  if (total <= 0) return 0;
  const desc = [...buckets].filter((b) => b.le_ms > 0 && b.count > 0).sort((a, b) => b.le_ms - a.le_ms);
  let count = 0;
  let sum = 0;
  for (let k = 0; k < desc.length; k++) {
    count += desc[k]!.count;
    sum += desc[k]!.count * desc[k]!.le_ms;
    const floor = desc[k + 1]?.le_ms ?? 0;
    if (sum - count * floor >= target) return round3(Math.max(floor, (sum - target) / count));
  }
  return 0;
}
