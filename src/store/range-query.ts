import type { Queryable } from './db.js';
import type { RangePlan } from './range-plan.js';
import type { SeriesRef } from './series-catalog.js';
import { decodeRawRecords, decodeTierRecords, segmentRowsParams, segmentRowsSql, tierColumn, type PairWant, type RecordVisitor } from './segment-rows.js';

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

/** The stream and set pairs of the series, each with the positions and series indexes wanted of it. */
function pairsOf(series: readonly SeriesRef[]): PairWant[] {
  const pairs = new Map<string, { streamId: number; setId: number; idxs: number[]; series: number[] }>();
  series.forEach((s, i) => {
    for (const part of s.parts) {
      const key = `${s.streamId}:${part.setId}`;
      let p = pairs.get(key);
      if (!p) pairs.set(key, (p = { streamId: s.streamId, setId: part.setId, idxs: [], series: [] }));
      p.idxs.push(part.index);
      p.series.push(i);
    }
  });
  return [...pairs.values()];
}

/**
 * Reads the windows of every series over a plan: one query per segment returning the rows read
 * packed (src/store/segment-rows.ts), binned into windows here; partials combine where a window
 * spans two segments. Result `i` belongs to `series[i]`.
 */
export async function readWindows(q: Queryable, series: readonly SeriesRef[], plan: RangePlan, agg: Aggregation): Promise<SeriesWindows[]> {
  const out: SeriesWindows[] = series.map(() => new Map());
  if (series.length === 0) return out;
  const pairs = pairsOf(series);
  const visit: RecordVisitor = (s, ts, value, count, lastTs) => {
    const k = Math.floor((ts - plan.originMs) / plan.stepMs);
    const part = agg === 'min' || agg === 'max' ? { a: value, b: 0 } : agg === 'last' ? { a: lastTs, b: value } : { a: count, b: value };
    const windows = out[s]!;
    const had = windows.get(k);
    if (had) combinePartial(agg, had, part);
    else windows.set(k, part);
  };
  for (const seg of plan.segments) {
    const r = await q.query<{ no: number; packed: Uint8Array }>(segmentRowsSql(seg.source, tierColumn(agg)), segmentRowsParams(pairs, seg));
    for (const row of r.rows) {
      const pair = pairs[row.no - 1]!;
      if (seg.source === 'raw') decodeRawRecords(row.packed, pair, visit);
      else decodeTierRecords(row.packed, pair, visit);
    }
  }
  return out;
}
