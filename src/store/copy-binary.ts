/** A row of `metric_snapshots` ready to be written. */
export interface SnapshotRow {
  /** Epoch milliseconds. */
  readonly ts: number;
  readonly streamId: number;
  readonly setId: number;
  readonly health: string | null;
  /** Encoded values (src/store/value-codec.ts). */
  readonly enc: Buffer;
  /** Raw values at their positions, NULL elsewhere; null when there are none. */
  readonly f8: readonly (number | null)[] | null;
  /** `snapshot_key`: 8 bytes, a big-endian int64 (src/store/snapshot-key.ts). */
  readonly key: Buffer;
}

/** The header every binary COPY payload starts with (then flags and an extension length, both 0). */
export const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** Microseconds between the Unix epoch and PostgreSQL's (2000-01-01). */
export const PG_EPOCH_MS = 946_684_800_000;
export const FLOAT8_OID = 701;
const TWO_32 = 4_294_967_296;

/** Writes the header of a binary COPY payload (signature, flags 0, no extension) at the start of `buf`; returns the next offset. */
export function writeCopyHeader(buf: Buffer): number {
  const o = SIGNATURE.copy(buf, 0);
  return buf.writeInt32BE(0, buf.writeInt32BE(0, o));
}

/**
 * Writes a timestamptz field (its length, then microseconds since PostgreSQL's epoch, rounded;
 * PostgreSQL's `infinity` and `-infinity` for infinite times); returns the next offset.
 */
export function writeCopyTime(buf: Buffer, o: number, ms: number): number {
  o = buf.writeInt32BE(8, o);
  if (ms === Number.POSITIVE_INFINITY) return buf.writeUInt32BE(0xffff_ffff, buf.writeInt32BE(0x7fff_ffff, o));
  if (ms === Number.NEGATIVE_INFINITY) return buf.writeUInt32BE(0, buf.writeInt32BE(-0x8000_0000, o));
  const us = Math.round((ms - PG_EPOCH_MS) * 1000);
  const hi = Math.floor(us / TWO_32);
  o = buf.writeInt32BE(hi, o);
  return buf.writeUInt32BE(us - hi * TWO_32, o);
}

/** Column list matching the rows `encodeSnapshotRows` writes. */
export const SNAPSHOT_COPY_COLUMNS = '(ts, stream_id, set_id, health, enc, f8, snapshot_key)';

function f8Size(f8: readonly (number | null)[] | null): number {
  if (f8 === null) return 4;
  let present = 0;
  for (const v of f8) if (v !== null) present++;
  return 4 + 20 + 4 * f8.length + 8 * present;
}

function rowSize(r: SnapshotRow): number {
  const health = r.health === null ? 0 : Buffer.byteLength(r.health);
  return 2 + (4 + 8) + (4 + 4) * 2 + (4 + health) + (4 + r.enc.length) + f8Size(r.f8) + (4 + 8);
}

/**
 * Encodes rows in PostgreSQL's binary COPY format (header, tuples, trailer), for
 * `COPY metric_snapshots (ts, stream_id, set_id, health, enc, f8, snapshot_key) FROM STDIN (FORMAT binary)`.
 * Binary avoids formatting values as text, which would dominate a text COPY's cost.
 */
export function encodeSnapshotRows(rows: readonly SnapshotRow[]): Buffer {
  let size = SIGNATURE.length + 8 + 2;
  for (const r of rows) size += rowSize(r);
  const buf = Buffer.allocUnsafe(size);
  let o = writeCopyHeader(buf);
  for (const r of rows) {
    o = buf.writeInt16BE(7, o);
    // Not writeCopyTime: unrounded, as rows were always written here (a fraction of a microsecond is
    // cut off, where writeCopyTime rounds), so a snapshot sent again keeps its stored time.
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
    o = buf.writeInt32BE(r.enc.length, o);
    o += r.enc.copy(buf, o);
    o = writeF8Array(buf, o, r.f8);
    o = buf.writeInt32BE(8, o);
    o += r.key.copy(buf, o, 0, 8);
  }
  buf.writeInt16BE(-1, o);
  return buf;
}

/** Writes a float8[] field (with NULL elements) or a NULL field, returning the new offset. */
function writeF8Array(buf: Buffer, offset: number, f8: readonly (number | null)[] | null): number {
  let o = offset;
  if (f8 === null) return buf.writeInt32BE(-1, o);
  o = buf.writeInt32BE(f8Size(f8) - 4, o);
  o = buf.writeInt32BE(1, o);
  o = buf.writeInt32BE(1, o);
  o = buf.writeInt32BE(FLOAT8_OID, o);
  o = buf.writeInt32BE(f8.length, o);
  o = buf.writeInt32BE(1, o);
  for (const v of f8) {
    if (v === null) o = buf.writeInt32BE(-1, o);
    else {
      o = buf.writeInt32BE(8, o);
      o = buf.writeDoubleBE(v, o);
    }
  }
  return o;
}
