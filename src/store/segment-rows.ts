import { PG_EPOCH_MS } from './copy-binary.js';
import type { DataSource, Segment } from './range-plan.js';
import { tierSpec } from './tiers.js';
import { decodeValueAt } from './value-codec.js';

/**
 * Reading the rows of a range query's segment in bulk. A query returns, per stream and metric set
 * (and per day for raw samples, whose count the points cap does not bound), one bytea packing
 * every row read (PostgreSQL's binary send formats), and JS
 * decodes the values wanted and bins them into windows: parsing 10^5 result rows, or grouping
 * 10^5 values in SQL, costs far more than reading them (docs/history.md#how-a-query-reads).
 */

/** A stream and metric set a query reads, with the positions wanted of it and the series each becomes. */
export interface PairWant {
  readonly streamId: number;
  readonly setId: number;
  /** 1-based positions in the set's names. */
  readonly idxs: readonly number[];
  /** Series index of each position. */
  readonly series: readonly number[];
}

/** The tier column that holds what an aggregation needs. */
export function tierColumn(agg: 'mean' | 'min' | 'max' | 'last' | 'count' | 'sum'): string {
  return agg === 'min' ? 'min_v' : agg === 'max' ? 'max_v' : agg === 'last' ? 'last_v' : 'sum_v';
}

/**
 * The query of a segment. Parameters: stream ids, set ids, lowest and highest position wanted
 * per pair, segment start and end. A tier record is `ts, count, last_ts, column[lo:hi]`; a raw
 * record is `ts, length(enc), enc, f8` (f8 as an array, or an empty one's 4 zero bytes).
 */
export function segmentRowsSql(source: DataSource, column: string): string {
  const record =
    source === 'raw'
      ? `timestamptz_send(r.ts) || int4send(length(r.enc)) || r.enc || coalesce(array_send(r.f8), int4send(0))`
      : `timestamptz_send(r.ts) || int4send(r.count) || timestamptz_send(r.last_ts) || array_send(r.${column}[p.lo:p.hi])`;
  const table = source === 'raw' ? 'metric_snapshots' : tierSpec(source).table;
  return `WITH p AS (SELECT u.stream_id, u.set_id, u.lo, u.hi, u.no::int AS no
                   FROM unnest($1::int[], $2::int[], $3::int[], $4::int[]) WITH ORDINALITY AS u(stream_id, set_id, lo, hi, no))
    SELECT p.no, string_agg(${record}, ''::bytea) AS packed
    FROM p JOIN ${table} r ON r.stream_id = p.stream_id AND r.set_id = p.set_id AND r.ts >= $5 AND r.ts < $6
    GROUP BY p.no${source === 'raw' ? ", date_trunc('day', r.ts)" : ''}`;
}

/** The parameters of `segmentRowsSql` for some pairs. */
export function segmentRowsParams(pairs: readonly PairWant[], seg: Segment): unknown[] {
  return [
    pairs.map((p) => p.streamId),
    pairs.map((p) => p.setId),
    pairs.map((p) => Math.min(...p.idxs)),
    pairs.map((p) => Math.max(...p.idxs)),
    new Date(seg.fromMs),
    new Date(seg.toMs),
  ];
}

/** The epoch ms of a binary timestamp (int8 microseconds since 2000-01-01) at byte `at`. */
function pgTime(v: DataView, at: number): number {
  return (v.getInt32(at) * 4_294_967_296 + v.getUint32(at + 4)) / 1000 + PG_EPOCH_MS;
}

/** What one record gives for one wanted metric: its time, value, samples behind it and last sample's time. */
export type RecordVisitor = (series: number, ts: number, value: number, count: number, lastTs: number) => void;

/** Decodes the packed tier records of one pair, calling `visit` for each wanted metric of each record. */
export function decodeTierRecords(bytes: Uint8Array, pair: PairWant, visit: RecordVisitor): void {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = Math.min(...pair.idxs);
  let at = 0;
  while (at < v.byteLength) {
    const ts = pgTime(v, at);
    const count = v.getInt32(at + 8);
    const lastTs = pgTime(v, at + 12);
    const n = v.getInt32(at + 20 + 12);
    const elems = at + 40;
    for (let j = 0; j < pair.idxs.length; j++) visit(pair.series[j]!, ts, v.getFloat64(elems + 12 * (pair.idxs[j]! - lo) + 4), count, lastTs);
    at = elems + 12 * n;
  }
}

/** The values of a binary float8[] at byte `at` (null elements as null), and the bytes it took. */
function readFloat8Array(v: DataView, at: number): { values: (number | null)[] | null; length: number } {
  if (v.getInt32(at) === 0) return { values: null, length: 4 };
  const n = v.getInt32(at + 12);
  const values: (number | null)[] = [];
  let o = at + 20;
  for (let i = 0; i < n; i++) {
    const len = v.getInt32(o);
    o += 4;
    if (len < 0) values.push(null);
    else {
      values.push(v.getFloat64(o));
      o += len;
    }
  }
  return { values, length: o - at };
}

/** Decodes the packed raw records of one pair, calling `visit` for each wanted metric of each record. */
export function decodeRawRecords(bytes: Uint8Array, pair: PairWant, visit: RecordVisitor): void {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at < v.byteLength) {
    const ts = pgTime(v, at);
    const len = v.getInt32(at + 8);
    const enc = at + 12;
    const f8 = readFloat8Array(v, enc + len);
    for (let j = 0; j < pair.idxs.length; j++) visit(pair.series[j]!, ts, decodeValueAt(v, enc, len, pair.idxs[j]! - 1, f8.values), 1, ts);
    at = enc + len + f8.length;
  }
}
