/** A row of `metric_snapshots` ready to be written. */
export interface SnapshotRow {
  /** Epoch milliseconds. */
  readonly ts: number;
  readonly streamId: number;
  readonly setId: number;
  readonly health: string | null;
  readonly vals: ArrayLike<number>;
}

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** Microseconds between the Unix epoch and PostgreSQL's (2000-01-01). */
const PG_EPOCH_MS = 946_684_800_000;
const FLOAT8_OID = 701;
const TWO_32 = 4_294_967_296;

/** Column list matching the rows `encodeSnapshotRows` writes. */
export const SNAPSHOT_COPY_COLUMNS = '(ts, stream_id, set_id, health, vals)';

function rowSize(r: SnapshotRow): number {
  const health = r.health === null ? 0 : Buffer.byteLength(r.health);
  return 2 + (4 + 8) + (4 + 4) * 2 + (4 + health) + (4 + 20 + 12 * r.vals.length);
}

/**
 * Encodes rows in PostgreSQL's binary COPY format (header, tuples, trailer), for
 * `COPY metric_snapshots (ts, stream_id, set_id, health, vals) FROM STDIN (FORMAT binary)`.
 * Binary avoids formatting every float as text, which dominates a text COPY's cost.
 */
export function encodeSnapshotRows(rows: readonly SnapshotRow[]): Buffer {
  let size = SIGNATURE.length + 8 + 2;
  for (const r of rows) size += rowSize(r);
  const buf = Buffer.allocUnsafe(size);
  let o = SIGNATURE.copy(buf, 0);
  o = buf.writeInt32BE(0, o);
  o = buf.writeInt32BE(0, o);
  for (const r of rows) {
    o = buf.writeInt16BE(5, o);
    const us = (r.ts - PG_EPOCH_MS) * 1000;
    const hi = Math.floor(us / TWO_32);
    o = buf.writeInt32BE(8, o);
    o = buf.writeInt32BE(hi, o);
    o = buf.writeUInt32BE(us - hi * TWO_32, o);
    o = buf.writeInt32BE(4, o);
    o = buf.writeInt32BE(r.streamId, o);
    o = buf.writeInt32BE(4, o);
    o = buf.writeInt32BE(r.setId, o);
    if (r.health === null) o = buf.writeInt32BE(-1, o);
    else {
      const len = buf.write(r.health, o + 4);
      o = buf.writeInt32BE(len, o);
      o += len;
    }
    const n = r.vals.length;
    o = buf.writeInt32BE(20 + 12 * n, o);
    o = buf.writeInt32BE(1, o);
    o = buf.writeInt32BE(0, o);
    o = buf.writeInt32BE(FLOAT8_OID, o);
    o = buf.writeInt32BE(n, o);
    o = buf.writeInt32BE(1, o);
    for (let i = 0; i < n; i++) {
      o = buf.writeInt32BE(8, o);
      o = buf.writeDoubleBE(r.vals[i]!, o);
    }
  }
  buf.writeInt16BE(-1, o);
  return buf;
}
