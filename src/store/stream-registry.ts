import { createHash } from 'node:crypto';
import type { MetricSnapshot } from '../model/snapshot.js';
import type { Queryable } from './db.js';

/**
 * Key of a stream in memory: source, host and the labels as sorted (name, value) pairs, written as
 * one JSON array. JSON quotes every string, so no two different identities share a key (a key
 * that joined `name=value` mapped `{"a=b": "c"}` and `{"a": "b=c"}` to one stream).
 */
export function streamKey(source: string, host: string | undefined, labels: Readonly<Record<string, string>> | undefined): string {
  const parts: string[] = [source, host ?? ''];
  if (labels) {
    const names = Object.keys(labels);
    if (names.length > 0) {
      names.sort();
      for (const n of names) parts.push(n, labels[n]!);
    }
  }
  return JSON.stringify(parts);
}

/** Key of a metric set: the names in the order the snapshot gave them. */
export function setKey(metrics: Readonly<Record<string, number>>): string {
  let key = '';
  for (const name in metrics) key += key === '' ? name : `,${name}`;
  return key;
}

/** Whether `metrics` names exactly `names`, in that order. */
function sameNames(metrics: Readonly<Record<string, number>>, names: readonly string[]): boolean {
  let i = 0;
  for (const name in metrics) if (names[i++] !== name) return false;
  return i === names.length;
}

/**
 * Most entries each cache holds; beyond, it is emptied and refilled from the database as batches
 * need (one upsert). Keeps memory flat however many streams (process churn) or metric-name lists
 * pass over time; ingest's cardinality limits keep the working set below it.
 */
const MAX_CACHED = 250_000;

interface StreamRow {
  id: number;
  source: string;
  host: string;
  labels: Record<string, string>;
}

/**
 * Maps (source, host, labels) to `metric_streams.id` and metric name lists to `metric_sets.id`,
 * caching both; unseen ones are upserted in bulk. Also tracks last-seen times, written at most
 * every `lastSeenEveryMs` per stream so that frequent snapshots do not rewrite the row each time.
 */
export class StreamRegistry {
  readonly #streams = new Map<string, number>();
  readonly #sets = new Map<string, number>();
  readonly #lastSeenWritten = new Map<number, number>();
  /** The metric names of the latest snapshot whose set key was built, and that key. */
  #lastNames: readonly string[] = [];
  #lastSetKey = '';

  constructor(private readonly lastSeenEveryMs = 10_000) {}

  /**
   * The stream and set id of every snapshot, in order. Keys are computed once per snapshot;
   * unseen streams and sets are upserted in bulk first.
   */
  async resolve(q: Queryable, snapshots: readonly MetricSnapshot[]): Promise<{ streamIds: Int32Array; setIds: Int32Array }> {
    const n = snapshots.length;
    for (const cache of [this.#streams, this.#sets, this.#lastSeenWritten]) if (cache.size > MAX_CACHED) cache.clear();
    const streamKeys = new Array<string>(n);
    const setKeys = new Array<string>(n);
    const missingStreams = new Map<string, MetricSnapshot>();
    const missingSets = new Map<string, readonly string[]>();
    for (let i = 0; i < n; i++) {
      const s = snapshots[i]!;
      const sk = streamKey(s.source, s.host, s.labels);
      streamKeys[i] = sk;
      if (!this.#streams.has(sk)) missingStreams.set(sk, s);
      if (sameNames(s.metrics, this.#lastNames)) {
        // The usual case: a source sends the same metrics each time (no key to build; its hash is cached).
        setKeys[i] = this.#lastSetKey;
        if (!this.#sets.has(this.#lastSetKey)) missingSets.set(this.#lastSetKey, this.#lastNames);
        continue;
      }
      const mk = setKey(s.metrics);
      const names = Object.keys(s.metrics);
      setKeys[i] = mk;
      if (!this.#sets.has(mk)) missingSets.set(mk, names);
      this.#lastNames = names;
      this.#lastSetKey = mk;
    }
    if (missingStreams.size > 0) await this.#upsertStreams(q, [...missingStreams.values()]);
    for (const [key, names] of missingSets) {
      // A list of 1000 names is too large for a btree entry: the unique key is its digest.
      const r = await q.query<{ id: number }>(
        `INSERT INTO metric_sets (names_key, names) VALUES ($1, $2::text[])
         ON CONFLICT (names_key) DO UPDATE SET names_key = EXCLUDED.names_key RETURNING id`,
        [createHash('sha256').update(key).digest('hex'), names],
      );
      this.#sets.set(key, r.rows[0]!.id);
    }
    const streamIds = new Int32Array(n);
    const setIds = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      streamIds[i] = this.#streams.get(streamKeys[i]!)!;
      setIds[i] = this.#sets.get(setKeys[i]!)!;
    }
    return { streamIds, setIds };
  }

  async #upsertStreams(q: Queryable, snaps: MetricSnapshot[]): Promise<void> {
    const r = await q.query<StreamRow>(
      `INSERT INTO metric_streams (source, host, labels)
       SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[])
       ON CONFLICT (stream_key) DO UPDATE SET source = EXCLUDED.source
       RETURNING id, source, host, labels`,
      [snaps.map((s) => s.source), snaps.map((s) => s.host ?? ''), snaps.map((s) => JSON.stringify(s.labels ?? {}))],
    );
    for (const row of r.rows) {
      const labels = typeof row.labels === 'string' ? (JSON.parse(row.labels) as Record<string, string>) : row.labels;
      this.#streams.set(streamKey(row.source, row.host === '' ? undefined : row.host, labels), row.id);
    }
  }

  /** Streams whose last-seen time is due to be written, with the newest timestamp of each. */
  dueLastSeen(rows: readonly { streamId: number; ts: number }[], now: number): Map<number, number> {
    const newest = new Map<number, number>();
    for (const r of rows) {
      const written = this.#lastSeenWritten.get(r.streamId);
      if (written !== undefined && now - written < this.lastSeenEveryMs) continue;
      const prev = newest.get(r.streamId);
      if (prev === undefined || r.ts > prev) newest.set(r.streamId, r.ts);
    }
    return newest;
  }

  /** Records that last-seen was written for these streams at `now`. */
  markLastSeen(ids: Iterable<number>, now: number): void {
    for (const id of ids) this.#lastSeenWritten.set(id, now);
  }
}

/** Streams stored, most recently seen first, at most `limit` (seeds the cardinality limits at start). */
export async function readKnownStreams(q: Queryable, limit: number): Promise<{ source: string; host: string | undefined; labels: Record<string, string> }[]> {
  const r = await q.query<StreamRow>('SELECT id, source, host, labels FROM metric_streams ORDER BY last_seen DESC LIMIT $1', [limit]);
  return r.rows.map((row) => ({
    source: row.source,
    host: row.host === '' ? undefined : row.host,
    labels: typeof row.labels === 'string' ? (JSON.parse(row.labels) as Record<string, string>) : row.labels,
  }));
}
