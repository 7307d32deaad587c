import type { Queryable } from '../../store/db.js';
import { planRange, type StoreLayout } from '../../store/range-plan.js';
import { readWindows, type SeriesWindows } from '../../store/range-query.js';
import { findSeries, type SeriesRef } from '../../store/series-catalog.js';
import type { ReportChart } from '../report-schema.js';
import type { PeriodFilter } from './report-queries.js';

/** Steps a report's charts use: each a multiple of a tier's width, so the coarsest tier that fits is read whole. */
const CHART_STEPS_S = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

/** The step for at most `maxPoints` points over the period: the smallest usual step that is long enough. */
export function chartStepMs(since: number, until: number, maxPoints: number): number {
  const wanted = (until - since) / Math.max(1, maxPoints) / 1000;
  return (CHART_STEPS_S.find((s) => s >= wanted) ?? Math.ceil(wanted / 86400) * 86400) * 1000;
}

/** Folds a series' windows into the chart of its source and metric (the streams of one source share its buckets). */
class ChartAccumulator {
  readonly lo: Float64Array;
  readonly hi: Float64Array;
  readonly n: Float64Array;
  readonly sum: Float64Array;

  constructor(points: number) {
    this.lo = new Float64Array(points).fill(Infinity);
    this.hi = new Float64Array(points).fill(-Infinity);
    this.n = new Float64Array(points);
    this.sum = new Float64Array(points);
  }

  add(min: SeriesWindows, max: SeriesWindows, mean: SeriesWindows): void {
    for (let k = 0; k < mean.points; k++) {
      if (!mean.has[k]) continue;
      this.n[k]! += mean.a[k]!;
      this.sum[k]! += mean.b[k]!;
      if (min.has[k] && min.a[k]! < this.lo[k]!) this.lo[k] = min.a[k]!;
      if (max.has[k] && max.a[k]! > this.hi[k]!) this.hi[k] = max.a[k]!;
    }
  }

  points(originMs: number, stepMs: number): [number, number, number, number][] {
    const out: [number, number, number, number][] = [];
    for (let k = 0; k < this.n.length; k++) {
      const mean = this.sum[k]! / this.n[k]!;
      if (!(this.n[k]! > 0) || !Number.isFinite(mean) || !Number.isFinite(this.lo[k]!) || !Number.isFinite(this.hi[k]!)) continue;
      out.push([originMs + k * stepMs + stepMs / 2, this.lo[k]!, mean, this.hi[k]!]);
    }
    return out;
  }
}

/**
 * The period's series of the given metrics (as stored), in windows of `stepMs` (min, mean, max),
 * read as `GET /api/v1/query_range` reads them: the planner chooses the coarsest tier the step
 * and the period allow (src/store/range-plan.ts), the newest minutes not yet in it come from
 * finer tiers and the raw samples, and the raw samples alone when the tiers are off. Windows are
 * aligned on multiples of the step and cover the whole period; a point sits at its window's middle.
 */
export async function periodSeries(q: Queryable, layout: StoreLayout, f: PeriodFilter, metrics: readonly string[], stepMs: number, now: number): Promise<Omit<ReportChart, 'marks'>[]> {
  const originMs = Math.floor(f.since / stepMs) * stepMs;
  const endMs = Math.max(originMs + stepMs, Math.ceil(f.until / stepMs) * stepMs);
  const plan = planRange(originMs + stepMs, endMs, stepMs, now, layout);
  const wantedMetrics = new Set(metrics);
  const wantedSources = f.sources === null ? null : new Set(f.sources);
  const refs = await findSeries(q, {
    fromMs: plan.originMs,
    toMs: plan.endMs,
    ...(f.sources !== null && f.sources.length === 1 ? { source: f.sources[0]! } : {}),
    accept: (s) => wantedMetrics.has(s.metric) && (wantedSources === null || wantedSources.has(s.source)),
    indexed: layout.tiers.length > 0,
  });
  if (refs.length === 0) return [];
  const [min, max, mean] = [await readWindows(q, refs, plan, 'min'), await readWindows(q, refs, plan, 'max'), await readWindows(q, refs, plan, 'mean')];
  const charts = new Map<string, { ref: SeriesRef; acc: ChartAccumulator }>();
  refs.forEach((ref, i) => {
    const key = `${ref.source}\u0000${ref.metric}`;
    let c = charts.get(key);
    if (!c) charts.set(key, (c = { ref, acc: new ChartAccumulator(plan.points) }));
    c.acc.add(min[i]!, max[i]!, mean[i]!);
  });
  const order = (a: SeriesRef, b: SeriesRef) => (a.source < b.source ? -1 : a.source > b.source ? 1 : metrics.indexOf(a.metric) - metrics.indexOf(b.metric));
  return [...charts.values()]
    .sort((a, b) => order(a.ref, b.ref))
    .map(({ ref, acc }) => ({ source: ref.source, metric: ref.metric, step_ms: stepMs, points: acc.points(plan.originMs, stepMs) }))
    .filter((c) => c.points.length > 0);
}
