import type { Queryable } from '../../store/db.js';
import { LOAD_AGAIN, type LoadRequest, type SeriesLoad } from '../stream/series-load.js';
import { STATE_COPY_COLUMNS, type StateBatch } from './detector-state-copy.js';

/** How far back history is read for a series without saved state (covers day-of-week seasonality). */
export const HISTORY_WINDOW_MS = 15 * 86_400_000;

/** Runs `fn` in a transaction (the history read sets a statement timeout local to it). */
export interface Transactional extends Queryable {
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
}

/** A series' history range: after `afterMs`, before `beforeMs`. */
interface HistoryRange {
  readonly i: number;
  readonly afterMs: number;
  readonly beforeMs: number;
}

/**
 * Splits ranges into groups whose union spans at most one history window and a day, oldest first:
 * each group is one statement whose constant time bounds let the planner keep only the
 * partitions of that span (series that appear together normally fall in one group).
 */
export function groupRanges(ranges: readonly HistoryRange[]): HistoryRange[][] {
  const sorted = [...ranges].sort((a, b) => a.beforeMs - b.beforeMs);
  const groups: HistoryRange[][] = [];
  let group: HistoryRange[] = [];
  let from = Infinity;
  for (const r of sorted) {
    if (group.length > 0 && r.beforeMs - Math.min(from, r.afterMs) > HISTORY_WINDOW_MS + 86_400_000) {
      groups.push(group);
      group = [];
      from = Infinity;
    }
    group.push(r);
    from = Math.min(from, r.afterMs);
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/**
 * The statement reading the latest `$5` samples of each (source, metric) in its range. The
 * constant bounds `$6` and `$7` (the union of the ranges) are what the planner prunes partitions
 * with; the per-series bounds inside the lateral join cannot be used for that.
 *
 * It reads the tables, not the `system_metrics` view, and walks each of the source's streams in
 * its own lateral step, so that every stream is read newest first through the (stream_id, ts)
 * index whatever the statistics say. Through the view, a day's partition that filled since it was
 * last analysed (a cold start, the first hours of a day) was planned as a scan of the partition by
 * time joined to the streams by hash, repeated for every series: 80 ms a batch of 128 new series
 * at 10,000 sources, against 8 ms at 1,000. The metric's position in its set is a column of its own
 * (the `OFFSET 0` keeps the planner from folding it back into an expression): passed as an
 * expression, it kept `perf_read_be` from being inlined, a SQL function call per value read.
 */
export const HISTORY_SQL = `SELECT r.i::int AS i, (extract(epoch FROM h.ts) * 1000)::float8 AS t, h.value
       FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $8::int[]) AS r(source, metric, after_ms, before_ms, i)
       CROSS JOIN LATERAL (
         SELECT x.ts, x.value FROM metric_streams st
         CROSS JOIN LATERAL (
           SELECT s.ts, perf_snapshot_value(s.enc, s.f8, p.i) AS value
           FROM metric_snapshots s JOIN metric_sets ms ON ms.id = s.set_id
           CROSS JOIN LATERAL (SELECT array_position(ms.names, r.metric) AS i OFFSET 0) p
           WHERE s.stream_id = st.id AND p.i IS NOT NULL
             AND s.ts > $6::timestamptz AND s.ts < $7::timestamptz
             AND s.ts > to_timestamp(r.after_ms / 1000.0) AND s.ts < to_timestamp(r.before_ms / 1000.0)
           ORDER BY s.ts DESC LIMIT $5
         ) x
         WHERE st.source = r.source
         ORDER BY x.ts DESC LIMIT $5
       ) h
       LIMIT $9`;

/** The parameters of HISTORY_SQL for a group of ranges; `rowCap` cuts the whole answer short (default: never). */
export function historyParams(requests: readonly LoadRequest[], group: readonly HistoryRange[], historyLimit: number, rowCap = group.length * historyLimit): unknown[] {
  const from = Math.min(...group.map((r) => r.afterMs));
  const to = Math.max(...group.map((r) => r.beforeMs));
  return [
    group.map((r) => requests[r.i]!.source),
    group.map((r) => requests[r.i]!.metric),
    group.map((r) => r.afterMs),
    group.map((r) => r.beforeMs),
    historyLimit,
    new Date(Math.floor(from)),
    new Date(Math.ceil(to)),
    group.map((r) => r.i),
    rowCap,
  ];
}

/** How the history read is bounded. */
export interface HistoryReadOptions {
  /** Statement timeout of each history statement (`detect_warmup_timeout_ms`). */
  readonly timeoutMs: number;
  /** Told of a history statement that its timeout cancelled, with how many series it was for (they start without history). */
  readonly onTimeout?: (series: number) => void;
  /**
   * Most rows one statement may bring back. A group whose series could bring more is read at once
   * with the answer capped one row past this. When the cap is reached (the series really have that
   * much history), only the first `maxRows / historyLimit` of them are read, again, and the others
   * are answered {@link LOAD_AGAIN}. New series, with little or no history, so take one statement
   * per batch; memory stays within about two capped answers.
   */
  readonly maxRows?: number;
}

/** SQLSTATE of a statement cancelled by its timeout. */
export const QUERY_CANCELED = '57014';

/**
 * Loads what a batch of new series start from: the saved detector state (`detector_state`) and
 * the latest `historyLimit` stored samples (`system_metrics`) after that state and before the
 * series' first live sample, oldest first. The history is read under a statement timeout, with
 * time bounds that prune partitions; the series of a statement that times out start from their
 * saved state alone, or cold (`onTimeout` is told).
 */
export async function loadSeries(q: Transactional, requests: readonly LoadRequest[], historyLimit: number, opts: HistoryReadOptions = { timeoutMs: 5000 }): Promise<(SeriesLoad | null | typeof LOAD_AGAIN)[]> {
  if (requests.length === 0) return [];
  const sources = requests.map((r) => r.source);
  const metrics = requests.map((r) => r.metric);
  const states = await q.query<{ i: number | string; state: Uint8Array; t: number }>(
    `SELECT r.i::int AS i, d.state, (extract(epoch FROM d.last_ts) * 1000)::float8 AS t
     FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS r(source, metric, i)
     JOIN detector_state d ON d.source = r.source AND d.metric = r.metric`,
    [sources, metrics],
  );
  const found = new Map<number, { state: Uint8Array; t: number }>();
  for (const row of states.rows) found.set(Number(row.i) - 1, { state: row.state, t: Number(row.t) });
  const timestamps: number[][] = requests.map(() => []);
  const values: number[][] = requests.map(() => []);
  const again = new Set<number>();
  if (historyLimit > 0) {
    const ranges = requests.map((r, i) => ({ i, afterMs: Math.max(found.get(i)?.t ?? Number.NEGATIVE_INFINITY, r.before - HISTORY_WINDOW_MS), beforeMs: r.before }));
    for (const group of groupRanges(ranges.filter((r) => r.afterMs < r.beforeMs))) {
      const { rows, notRead } = await readGroup(q, requests, group, historyLimit, opts);
      for (const r of notRead) again.add(r.i);
      for (const row of rows) {
        const i = Number(row.i);
        timestamps[i]!.push(Number(row.t));
        values[i]!.push(Number(row.value));
      }
    }
  }
  return requests.map((_, i) => {
    if (again.has(i)) return LOAD_AGAIN;
    const ts = timestamps[i]!.reverse();
    const vs = values[i]!.reverse();
    const saved = found.get(i);
    if (!saved && ts.length === 0) return null;
    return { state: saved ? new Uint8Array(saved.state) : null, timestamps: ts, values: vs };
  });
}

type HistoryRow = { i: number | string; t: number; value: number };

/**
 * The history rows of one group of ranges: in one statement when they fit `opts.maxRows`; else,
 * for as many series as surely fit, with the others left `notRead` (see `maxRows`).
 */
async function readGroup(
  q: Transactional,
  requests: readonly LoadRequest[],
  group: readonly HistoryRange[],
  historyLimit: number,
  opts: HistoryReadOptions,
): Promise<{ rows: readonly HistoryRow[]; notRead: readonly HistoryRange[] }> {
  const max = opts.maxRows ?? Infinity;
  const read = async (part: readonly HistoryRange[], cap?: number): Promise<readonly HistoryRow[]> => {
    const history = await readHistory(q, HISTORY_SQL, historyParams(requests, part, historyLimit, cap), opts.timeoutMs);
    if (history === null) opts.onTimeout?.(part.length);
    return history?.rows ?? [];
  };
  if (group.length * historyLimit <= max) return { rows: await read(group), notRead: [] };
  const whole = await read(group, max + 1);
  if (whole.length <= max) return { rows: whole, notRead: [] };
  const fit = Math.max(1, Math.floor(max / historyLimit));
  return { rows: await read(group.slice(0, fit)), notRead: group.slice(fit) };
}

/** Runs the history statement under a statement timeout, without JIT; null when the timeout cancelled it. */
async function readHistory(q: Transactional, sql: string, params: unknown[], timeoutMs: number) {
  try {
    return await q.transaction(async (tx) => {
      // Both local to the transaction, in one round trip. No JIT: compiling a batch's index lookups
      // would take longer than running them.
      await tx.query(`SELECT set_config('statement_timeout', $1, true), set_config('jit', 'off', true)`, [String(Math.max(1, Math.floor(timeoutMs)))]);
      return tx.query<HistoryRow>(sql, params);
    });
  } catch (err) {
    if ((err as { code?: string }).code === QUERY_CANCELED) return null;
    throw err;
  }
}

const UPSERT_STATE = `ON CONFLICT (source, metric) DO UPDATE
       SET state = EXCLUDED.state, last_ts = EXCLUDED.last_ts, updated_at = EXCLUDED.updated_at`;

/**
 * Upserts a batch of detector states, each series at most once. On PostgreSQL (a binary batch) in
 * one transaction, through a binary COPY into a temporary staging table (detector-state-copy.ts
 * says why); on PGlite in one statement from arrays.
 */
export async function saveStateBatch(q: Transactional, batch: StateBatch): Promise<void> {
  if (batch.count === 0) return;
  if (batch.binary) {
    await q.transaction(async (tx) => {
      await tx.query(`CREATE TEMP TABLE IF NOT EXISTS perf_detector_state_stage (source text, metric text, state bytea, last_ts timestamptz) ON COMMIT DELETE ROWS`);
      await tx.copyBinary!(`COPY perf_detector_state_stage ${STATE_COPY_COLUMNS} FROM STDIN (FORMAT binary)`, batch.payload());
      await tx.query(
        `INSERT INTO detector_state (source, metric, state, last_ts, updated_at)
         SELECT source, metric, state, last_ts, now() FROM perf_detector_state_stage
         ${UPSERT_STATE}`,
      );
    });
    return;
  }
  const c = batch.columns();
  await q.query(
    `INSERT INTO detector_state (source, metric, state, last_ts, updated_at)
     SELECT s, m, decode(h, 'hex'), to_timestamp(t / 1000.0), now()
     FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[]) AS r(s, m, h, t)
     ${UPSERT_STATE}`,
    [c.sources, c.metrics, c.hex, c.times],
  );
}

/** Deletes states not saved since `beforeMs` (series gone longer than the retention); returns how many. */
export async function deleteStatesBefore(q: Queryable, beforeMs: number): Promise<number> {
  const r = await q.query('DELETE FROM detector_state WHERE updated_at < $1', [new Date(beforeMs)]);
  return r.rowCount;
}
