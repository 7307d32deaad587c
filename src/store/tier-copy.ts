import { FLOAT8_OID, SIGNATURE, writeCopyHeader, writeCopyTime } from './copy-binary.js';
import type { TierBucket } from './tier-buckets.js';

/**
 * Buckets in PostgreSQL's binary COPY format, for the tier writer's staging table on PostgreSQL:
 * float8[] arrays as text would cost a formatted and a parsed number per metric and aggregate.
 */

/** Columns of the rows `encodeTierRows` writes, in order. */
export const TIER_COPY_COLUMNS = '(ts, stream_id, set_id, count, last_ts, min_v, max_v, sum_v, last_v)';

/** Writes `values[from, from + n)` as a one-dimensional float8[] field. */
function writeArray(buf: Buffer, o: number, values: Float64Array, from: number, n: number): number {
  o = buf.writeInt32BE(20 + 12 * n, o);
  o = buf.writeInt32BE(1, o);
  o = buf.writeInt32BE(0, o);
  o = buf.writeInt32BE(FLOAT8_OID, o);
  o = buf.writeInt32BE(n, o);
  o = buf.writeInt32BE(1, o);
  for (let i = from; i < from + n; i++) {
    o = buf.writeInt32BE(8, o);
    o = buf.writeDoubleBE(values[i]!, o);
  }
  return o;
}

/** Encodes buckets for `COPY <table> (ts, stream_id, set_id, count, last_ts, min_v, max_v, sum_v, last_v) FROM STDIN (FORMAT binary)`. */
export function encodeTierRows(rows: readonly TierBucket[]): Buffer {
  let size = SIGNATURE.length + 8 + 2;
  // Per row: field count, two timestamps and three integers with their lengths, four float8[].
  for (const r of rows) size += 2 + 2 * 12 + 3 * 8 + 4 * (4 + 20 + 12 * r.size);
  const buf = Buffer.allocUnsafe(size);
  let o = writeCopyHeader(buf);
  for (const r of rows) {
    o = buf.writeInt16BE(9, o);
    o = writeCopyTime(buf, o, r.start);
    for (const v of [r.streamId, r.setId, r.count]) {
      o = buf.writeInt32BE(4, o);
      o = buf.writeInt32BE(v, o);
    }
    o = writeCopyTime(buf, o, r.lastTs);
    // min_v, max_v, sum_v, last_v: the bucket's values in AGGREGATES order.
    for (let k = 0; k < 4; k++) o = writeArray(buf, o, r.values, k * r.size, r.size);
  }
  buf.writeInt16BE(-1, o);
  return buf;
}
