import type { Queryable } from './db.js';
import type { RangePlan, Segment } from './range-plan.js';
import type { SeriesRef } from './series-catalog.js';
import { tierSpec } from './tiers.js';

/** How the samples of a window become one value. */
export const AGGREGATIONS = ['mean', 'min', 'max', 'last', 'count', 'sum'] as const;
/** An aggregation over a window. */
export type Aggregation = (typeof AGGREGATIONS)[number];

/**
 * What a window holds before it becomes a value, so that parts read from different sources (a
 * tier, then the raw samples) or adjacent windows combine exactly. `a` and `b` are: mean and sum:
 * count and sum; count: count; min and max: the value; last: time of the last sample (epoch ms) and its value.
 */
export interface WindowPartial {
  a: number;
  b: number;
}

/** The windows of one series that hold data: window index (0 = the first point) -> partial. */
export type SeriesWindows = Map<number, WindowPartial>;

/** Folds `from` into `into` (same aggregation). */
export function combinePartial(agg: Aggregation, into: WindowPartial, from: WindowPartial): void {
  switch (agg) {
    case 'min':
      into.a = Math.min(into.a, from.a);
      return;
    case 'max':
      into.a = Math.max(into.a, from.a);
      return;
    case 'last':
      if (from.a >= into.a) {
        into.a = from.a;
        into.b = from.b;
      }
      return;
    default:
      into.a += from.a;
      into.b += from.b;
  }
}

/** The value of a window. */
export function windowValue(agg: Aggregation, p: WindowPartial): number {
  switch (agg) {
    case 'mean':
      return p.b / p.a;
    case 'sum':
    case 'last':
      return p.b;
    default:
      return p.a;
  }
}

/** SQL of the partial for an aggregation over a tier's rows `t` (the metric at position `k.idx`). */
function tierPartial(agg: Aggregation): string {
  switch (agg) {
    case 'min':
      return 'min(t.min_v[k.idx]) AS a, 0::float8 AS b';
    case 'max':
      return 'max(t.max_v[k.idx]) AS a, 0::float8 AS b';
    case 'last':
      return `extract(epoch FROM max(t.last_ts))::float8 * 1000 AS a, (array_agg(t.last_v[k.idx] ORDER BY t.last_ts DESC))[1] AS b`;
    case 'count':
      return 'sum(t.count)::float8 AS a, 0::float8 AS b';
    default:
      return 'sum(t.count)::float8 AS a, sum(t.sum_v[k.idx]) AS b';
  }
}

/** SQL of the partial for an aggregation over raw samples: value `x.v` of snapshot `s`. */
function rawPartial(agg: Aggregation): string {
  switch (agg) {
    case 'min':
      return 'min(x.v) AS a, 0::float8 AS b';
    case 'max':
      return 'max(x.v) AS a, 0::float8 AS b';
    case 'last':
      return `extract(epoch FROM max(s.ts))::float8 * 1000 AS a, (array_agg(x.v ORDER BY s.ts DESC))[1] AS b`;
    case 'count':
      return 'count(*)::float8 AS a, 0::float8 AS b';
    default:
      return 'count(*)::float8 AS a, sum(x.v) AS b';
  }
}

/**
 * One segment's query: per series and window, the partial. The stream and set pairs drive an index
 * scan each (every row read once, whatever the number of its metrics asked for), then each row
 * is joined to the metrics wanted of it.
 */
function segmentSql(seg: Segment, agg: Aggregation): string {
  const head = `WITH k AS (SELECT * FROM unnest($1::int[], $2::int[], $3::int[], $4::int[]) AS k(stream_id, set_id, idx, series)),
       p AS (SELECT DISTINCT stream_id, set_id FROM k)`;
  const bin = (col: string) => `date_bin($5::float8 * interval '1 millisecond', ${col}, $6::timestamptz)`;
  if (seg.source === 'raw') {
    return `${head}
      SELECT k.series, ${bin('s.ts')} AS w, ${rawPartial(agg)}
      FROM p JOIN metric_snapshots s ON s.stream_id = p.stream_id AND s.set_id = p.set_id AND s.ts >= $7 AND s.ts < $8
      JOIN k ON k.stream_id = s.stream_id AND k.set_id = s.set_id
      CROSS JOIN LATERAL (SELECT perf_snapshot_value(s.enc, s.f8, k.idx) AS v) x
      GROUP BY 1, 2`;
  }
  return `${head}
    SELECT k.series, ${bin('t.ts')} AS w, ${tierPartial(agg)}
    FROM p JOIN ${tierSpec(seg.source).table} t ON t.stream_id = p.stream_id AND t.set_id = p.set_id AND t.ts >= $7 AND t.ts < $8
    JOIN k ON k.stream_id = t.stream_id AND k.set_id = t.set_id
    GROUP BY 1, 2`;
}

/**
 * Reads the windows of every series over a plan: one query per segment, partials combined where
 * a window spans two segments. Result `i` belongs to `series[i]`.
 */
export async function readWindows(q: Queryable, series: readonly SeriesRef[], plan: RangePlan, agg: Aggregation): Promise<SeriesWindows[]> {
  const out: SeriesWindows[] = series.map(() => new Map());
  if (series.length === 0) return out;
  const keys = { streams: [] as number[], sets: [] as number[], idxs: [] as number[], series: [] as number[] };
  series.forEach((s, i) => {
    for (const p of s.parts) {
      keys.streams.push(s.streamId);
      keys.sets.push(p.setId);
      keys.idxs.push(p.index);
      keys.series.push(i);
    }
  });
  for (const seg of plan.segments) {
    const r = await q.query<{ series: number; w: Date | string; a: number | null; b: number | null }>(segmentSql(seg, agg), [
      keys.streams,
      keys.sets,
      keys.idxs,
      keys.series,
      plan.stepMs,
      new Date(plan.originMs),
      new Date(seg.fromMs),
      new Date(seg.toMs),
    ]);
    for (const row of r.rows) {
      const k = Math.round((new Date(row.w).getTime() - plan.originMs) / plan.stepMs);
      const part = { a: Number(row.a), b: Number(row.b) };
      const windows = out[row.series]!;
      const had = windows.get(k);
      if (had) combinePartial(agg, had, part);
      else windows.set(k, part);
    }
  }
  return out;
}
