import { createHash } from 'node:crypto';

/**
 * The key that makes a stored snapshot unique among the snapshots of its stream at its time
 * (`metric_snapshots.snapshot_key`, unique with `stream_id` and `ts`; migration 004). It is part
 * of the storage format: changing either digest would let a redelivered message be stored again.
 *
 * - A snapshot whose message carried a `Nats-Msg-Id` is keyed by that id and the snapshot's
 *   position in the message: SHA-256 of `"m" || id || 0x00 || int32be(position)`.
 * - Any other snapshot is keyed by its content: SHA-256 of `"c" || int32be(set_id) || health ||
 *   0x00 || enc || float64be of each raw value in order`, where `set_id` names the metric list
 *   and `enc` the encoded values (docs/storage.md). Its stream (source, host, labels) and time are
 *   the other columns of the unique index.
 *
 * The key is the first 8 bytes of the digest, read as a signed big-endian int64.
 */
export type SnapshotKey = Buffer;

const ZERO = Buffer.from([0]);

function int32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeInt32BE(n, 0);
  return b;
}

/** Key of the snapshot at `index` of a message sent with the message id `msgId`. */
export function messageIdKey(msgId: string, index: number): SnapshotKey {
  return createHash('sha256').update('m').update(msgId).update(ZERO).update(int32(index)).digest().subarray(0, 8);
}

/** Key of a snapshot from its content: metric set, health and encoded values. */
export function contentKey(setId: number, health: string | null, enc: Buffer, f8: readonly (number | null)[] | null): SnapshotKey {
  const h = createHash('sha256').update('c').update(int32(setId));
  if (health !== null) h.update(health);
  h.update(ZERO).update(enc);
  if (f8 !== null) {
    const raw = Buffer.allocUnsafe(8);
    for (const v of f8) {
      if (v === null) continue;
      raw.writeDoubleBE(v, 0);
      h.update(raw);
    }
  }
  return h.digest().subarray(0, 8);
}

/** The key as PostgreSQL `bigint` text (for parameters). */
export function keyText(key: SnapshotKey): string {
  return key.readBigInt64BE(0).toString();
}
