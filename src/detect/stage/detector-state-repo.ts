import type { Queryable } from '../../store/db.js';
import type { LoadRequest, SavedState, SeriesLoad } from '../stream/series-load.js';

/** How far back history is read for a series without saved state (covers day-of-week seasonality). */
const HISTORY_WINDOW_MS = 15 * 86_400_000;

/**
 * Loads what a batch of new series start from: the saved detector state (`detector_state`) and
 * the latest `historyLimit` stored samples (`system_metrics`) after that state and before the
 * series' first live sample, oldest first. Two statements for the whole batch.
 */
export async function loadSeries(q: Queryable, requests: readonly LoadRequest[], historyLimit: number): Promise<(SeriesLoad | null)[]> {
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
  if (historyLimit > 0) {
    const after = requests.map((r, i) => Math.max(found.get(i)?.t ?? Number.NEGATIVE_INFINITY, r.before - HISTORY_WINDOW_MS));
    const before = requests.map((r) => r.before);
    const history = await q.query<{ i: number | string; t: number; value: number }>(
      `SELECT r.i::int AS i, (extract(epoch FROM h.ts) * 1000)::float8 AS t, h.value
       FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[]) WITH ORDINALITY AS r(source, metric, after_ms, before_ms, i)
       CROSS JOIN LATERAL (
         SELECT m.ts, m.value FROM system_metrics m
         WHERE m.source = r.source AND m.metric = r.metric
           AND m.ts > to_timestamp(r.after_ms / 1000.0) AND m.ts < to_timestamp(r.before_ms / 1000.0)
         ORDER BY m.ts DESC LIMIT $5
       ) h`,
      [sources, metrics, after, before, historyLimit],
    );
    for (const row of history.rows) {
      const i = Number(row.i) - 1;
      timestamps[i]!.push(Number(row.t));
      values[i]!.push(Number(row.value));
    }
  }
  return requests.map((_, i) => {
    const ts = timestamps[i]!.reverse();
    const vs = values[i]!.reverse();
    const saved = found.get(i);
    if (!saved && ts.length === 0) return null;
    return { state: saved ? new Uint8Array(saved.state) : null, timestamps: ts, values: vs };
  });
}

/** Upserts detector states (one statement for the whole list). */
export async function saveStates(q: Queryable, states: readonly SavedState[]): Promise<void> {
  if (states.length === 0) return;
  await q.query(
    `INSERT INTO detector_state (source, metric, state, last_ts, updated_at)
     SELECT s, m, decode(h, 'hex'), to_timestamp(t / 1000.0), now()
     FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[]) AS r(s, m, h, t)
     ON CONFLICT (source, metric) DO UPDATE
       SET state = EXCLUDED.state, last_ts = EXCLUDED.last_ts, updated_at = EXCLUDED.updated_at`,
    [
      states.map((s) => s.source),
      states.map((s) => s.metric),
      states.map((s) => Buffer.from(s.state.buffer, s.state.byteOffset, s.state.byteLength).toString('hex')),
      states.map((s) => s.lastTs),
    ],
  );
}

/** Deletes states not saved since `beforeMs` (series gone longer than the retention); returns how many. */
export async function deleteStatesBefore(q: Queryable, beforeMs: number): Promise<number> {
  const r = await q.query('DELETE FROM detector_state WHERE updated_at < $1', [new Date(beforeMs)]);
  return r.rowCount;
}
