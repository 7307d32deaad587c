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

/**
 * The windows of one series, dense (a range query has at most 11,000 points): the partials in
 * `a` and `b`, `has[k]` set where window `k` (0 = the first point) holds data. Typed arrays
 * rather than an object per window, which cost more in allocation than the query.
 */
export class SeriesWindows {
  readonly a: Float64Array;
  readonly b: Float64Array;
  readonly has: Uint8Array;

  constructor(
    readonly points: number,
    readonly agg: Aggregation,
  ) {
    this.a = new Float64Array(points);
    this.b = new Float64Array(points);
    this.has = new Uint8Array(points);
  }

  /** Folds a partial into window `k` (ignored outside the windows). */
  add(k: number, a: number, b: number): void {
    if (!(k >= 0 && k < this.points)) return;
    if (!this.has[k]) {
      this.has[k] = 1;
      this.a[k] = a;
      this.b[k] = b;
      return;
    }
    const p = { a: this.a[k]!, b: this.b[k]! };
    combinePartial(this.agg, p, { a, b });
    this.a[k] = p.a;
    this.b[k] = p.b;
  }

  /** The partial of window `k`, undefined when it holds no data. */
  partial(k: number): WindowPartial | undefined {
    return this.has[k] ? { a: this.a[k]!, b: this.b[k]! } : undefined;
  }

  /** The value of window `k`, undefined when it holds no data. */
  value(k: number): number | undefined {
    return this.has[k] ? windowValue(this.agg, { a: this.a[k]!, b: this.b[k]! }) : undefined;
  }

  /** Indexes of the windows that hold data, in order. */
  indexes(): number[] {
    const out: number[] = [];
    for (let k = 0; k < this.points; k++) if (this.has[k]) out.push(k);
    return out;
  }
}

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
  const out = series.map(() => new SeriesWindows(plan.points, agg));
  if (series.length === 0) return out;
  const pairs = pairsOf(series);
  const single = agg === 'min' || agg === 'max';
  const visit: RecordVisitor = (s, ts, value, count, lastTs) => {
    const k = Math.floor((ts - plan.originMs) / plan.stepMs);
    if (single) out[s]!.add(k, value, 0);
    else if (agg === 'last') out[s]!.add(k, lastTs, value);
    else out[s]!.add(k, count, value);
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
