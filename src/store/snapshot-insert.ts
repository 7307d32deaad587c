import type { MetricSnapshot } from '../model/snapshot.js';
import type { Queryable } from './db.js';
import { SNAPSHOT_COPY_COLUMNS, encodeSnapshotRows, type SnapshotRow } from './copy-binary.js';
import { contentKey, keyText, messageIdKey } from './snapshot-key.js';
import { encodeValues } from './value-codec.js';

const INSERT_CHUNK_ROWS = 5000;

/** Snapshots that arrived together, with the publisher's message id when it set one. */
export interface KeyedSnapshots {
  readonly snapshots: readonly MetricSnapshot[];
  readonly msgId: string | undefined;
}

/**
 * The rows of the groups' snapshots (their stream and set ids given in the same order), each keyed
 * by its message id and position in the message, or else by its content.
 */
export function snapshotRows(groups: readonly KeyedSnapshots[], streamIds: Int32Array, setIds: Int32Array): SnapshotRow[] {
  const rows: SnapshotRow[] = [];
  for (const g of groups) {
    for (let j = 0; j < g.snapshots.length; j++) {
      const s = g.snapshots[j]!;
      const i = rows.length;
      const health = s.health ?? null;
      const { enc, f8 } = encodeValues(Object.values(s.metrics));
      const key = g.msgId !== undefined ? messageIdKey(g.msgId, j) : contentKey(setIds[i]!, health, enc, f8);
      rows.push({ ts: s.timestamp, streamId: streamIds[i]!, setId: setIds[i]!, health, enc, f8, key });
    }
  }
  return rows;
}

/**
 * Inserts rows into `metric_snapshots`, skipping those already stored (same stream, time and
 * snapshot key), and returns how many were inserted.
 *
 * On PostgreSQL the rows go in one binary COPY, which cannot skip conflicts: unless `checked`,
 * a row already stored fails the COPY with 23505 (the writer then retries the batch checked).
 * Checked, the rows already stored and repeats within the batch are left out first. On PGlite,
 * multi-row INSERTs with ON CONFLICT DO NOTHING.
 */
export async function insertSnapshotRows(tx: Queryable, rows: readonly SnapshotRow[], checked: boolean): Promise<InsertedRows> {
  if (!tx.copyBinary) {
    const count = await insertSkippingConflicts(tx, rows);
    return { count, rows: count === rows.length ? rows : null };
  }
  const fresh = checked ? await withoutStored(tx, distinctRows(rows)) : rows;
  if (fresh.length > 0) {
    await tx.copyBinary(`COPY metric_snapshots ${SNAPSHOT_COPY_COLUMNS} FROM STDIN (FORMAT binary)`, encodeSnapshotRows(fresh));
  }
  return { count: fresh.length, rows: fresh };
}

/** What an insert stored: how many rows, and which (null when the database did not say which). */
export interface InsertedRows {
  readonly count: number;
  readonly rows: readonly SnapshotRow[] | null;
}

/** The rows without repeats of the same (stream, time, key), first occurrence kept. */
function distinctRows(rows: readonly SnapshotRow[]): SnapshotRow[] {
  const seen = new Set<string>();
  const out: SnapshotRow[] = [];
  for (const r of rows) {
    const id = `${r.streamId}|${r.ts}|${r.key.toString('hex')}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(r);
  }
  return out;
}

/** The rows that `metric_snapshots` does not hold yet (one index probe each). */
async function withoutStored(tx: Queryable, rows: readonly SnapshotRow[]): Promise<SnapshotRow[]> {
  if (rows.length === 0) return [];
  const stored = await tx.query<{ i: number }>(
    `SELECT k.i::int AS i
     FROM unnest($1::int[], $2::timestamptz[], $3::int8[]) WITH ORDINALITY AS k(stream_id, ts, key, i)
     WHERE EXISTS (SELECT 1 FROM metric_snapshots m
                   WHERE m.stream_id = k.stream_id AND m.ts = k.ts AND m.snapshot_key = k.key)`,
    [rows.map((r) => r.streamId), rows.map((r) => new Date(r.ts).toISOString()), rows.map((r) => keyText(r.key))],
  );
  if (stored.rows.length === 0) return [...rows];
  const skip = new Set(stored.rows.map((r) => r.i - 1));
  return rows.filter((_, i) => !skip.has(i));
}

async function insertSkippingConflicts(tx: Queryable, rows: readonly SnapshotRow[]): Promise<number> {
  let inserted = 0;
  for (let start = 0; start < rows.length; start += INSERT_CHUNK_ROWS) {
    const chunk = rows.slice(start, start + INSERT_CHUNK_ROWS);
    const params: unknown[] = [];
    const tuples = chunk.map((r) => {
      const b = params.length;
      params.push(new Date(r.ts), r.streamId, r.setId, r.health, r.enc, r.f8 && float8ArrayLiteral(r.f8), keyText(r.key));
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}::bytea, $${b + 6}::float8[], $${b + 7}::int8)`;
    });
    const r = await tx.query(
      `INSERT INTO metric_snapshots ${SNAPSHOT_COPY_COLUMNS} VALUES ${tuples.join(',')} ON CONFLICT DO NOTHING`,
      params,
    );
    inserted += r.rowCount;
  }
  return inserted;
}

/** A float8[] literal that keeps -0 (a driver's String(-0) would turn it into 0). */
function float8ArrayLiteral(values: readonly (number | null)[]): string {
  return `{${values.map((v) => (v === null ? 'NULL' : Object.is(v, -0) ? '-0' : String(v))).join(',')}}`;
}
