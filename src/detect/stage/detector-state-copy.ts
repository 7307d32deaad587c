import type { SavedState } from '../stream/series-load.js';

/**
 * Detector states in PostgreSQL's binary COPY format, for the checkpoint's staging table. A
 * checkpoint saves every series updated since the last one (20,000 in the soak), and as text
 * each state went through a hex string twice its size and an array literal built from those: a
 * burst of about 9 MB of V8 heap per 1,000 states that outlived young collections while their
 * statement ran, and stepped the engine's RSS up by about 20 MB at each checkpoint. In binary a
 * state is copied once, outside the V8 heap.
 */

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** Milliseconds between the Unix epoch and PostgreSQL's (2000-01-01). */
const PG_EPOCH_MS = 946_684_800_000;

/** Columns of the rows `encodeStateRows` writes, in order. */
export const STATE_COPY_COLUMNS = '(source, metric, state, last_ts)';

/** Microseconds since PostgreSQL's epoch; PostgreSQL's infinities for infinite times. */
function pgMicros(ms: number): bigint {
  if (ms === Number.POSITIVE_INFINITY) return 0x7fff_ffff_ffff_ffffn;
  if (ms === Number.NEGATIVE_INFINITY) return -0x8000_0000_0000_0000n;
  return BigInt(Math.round((ms - PG_EPOCH_MS) * 1000));
}

/** Encodes states for `COPY <table> (source, metric, state, last_ts) FROM STDIN (FORMAT binary)`. */
export function encodeStateRows(states: readonly SavedState[]): Buffer {
  let size = SIGNATURE.length + 8 + 2;
  for (const s of states) size += 2 + 4 + Buffer.byteLength(s.source) + 4 + Buffer.byteLength(s.metric) + 4 + s.state.byteLength + 4 + 8;
  const buf = Buffer.allocUnsafe(size);
  let o = SIGNATURE.copy(buf, 0);
  o = buf.writeInt32BE(0, o);
  o = buf.writeInt32BE(0, o);
  const text = (v: string) => {
    const n = buf.write(v, o + 4, 'utf8');
    buf.writeInt32BE(n, o);
    o += 4 + n;
  };
  for (const s of states) {
    o = buf.writeInt16BE(4, o);
    text(s.source);
    text(s.metric);
    o = buf.writeInt32BE(s.state.byteLength, o);
    o += Buffer.from(s.state.buffer, s.state.byteOffset, s.state.byteLength).copy(buf, o);
    o = buf.writeInt32BE(8, o);
    o = buf.writeBigInt64BE(pgMicros(s.lastTs), o);
  }
  buf.writeInt16BE(-1, o);
  return buf;
}
