import type { Severity } from '../../model/severity.js';
import type { Queryable } from '../../store/db.js';
import type { Silence } from '../silences.js';

/** A silence as `perf-engine alerts silences --json` and `GET /api/v1/silences` show it. */
export interface SilenceView {
  readonly silence_id: string;
  readonly source: string;
  readonly metric: string;
  readonly severity: Severity | null;
  readonly starts_at: string;
  readonly ends_at: string;
  readonly comment: string;
  readonly created_by: string | null;
  readonly created_at: string;
  /** In force now. */
  readonly active: boolean;
}

/** What creating a silence takes: a silence before the store stamps its creation time. */
export type NewSilence = Omit<Silence, 'createdAt'>;

const ms = (v: unknown) => new Date(v as string | Date).getTime();

function fromRow(row: Record<string, unknown>): Silence {
  return {
    id: String(row.silence_id),
    sourceGlob: String(row.source_glob),
    metricGlob: String(row.metric_glob),
    severity: (row.severity as Severity | null) ?? null,
    startsAt: ms(row.starts_at),
    endsAt: ms(row.ends_at),
    comment: String(row.comment),
    createdBy: (row.created_by as string | null) ?? null,
    createdAt: ms(row.created_at),
  };
}

/** The API/CLI form of a silence at `now`. */
export function silenceView(s: Silence, now: number): SilenceView {
  return {
    silence_id: s.id,
    source: s.sourceGlob,
    metric: s.metricGlob,
    severity: s.severity,
    starts_at: new Date(s.startsAt).toISOString(),
    ends_at: new Date(s.endsAt).toISOString(),
    comment: s.comment,
    created_by: s.createdBy,
    created_at: new Date(s.createdAt).toISOString(),
    active: now >= s.startsAt && now < s.endsAt,
  };
}

/** Stores a new silence and returns it. */
export async function createSilence(q: Queryable, s: NewSilence): Promise<Silence> {
  const r = await q.query<Record<string, unknown>>(
    `INSERT INTO alert_silences (silence_id, source_glob, metric_glob, severity, starts_at, ends_at, comment, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
    [s.id, s.sourceGlob, s.metricGlob, s.severity, new Date(s.startsAt), new Date(s.endsAt), s.comment, s.createdBy],
  );
  return fromRow(r.rows[0]!);
}

/** Silences not yet expired at `now` (or every one, newest first, with `all`). */
export async function listSilences(q: Queryable, now: number, opts: { all?: boolean } = {}): Promise<Silence[]> {
  const r = await q.query<Record<string, unknown>>(
    `SELECT * FROM alert_silences WHERE $1::boolean OR ends_at > $2 ORDER BY created_at DESC, silence_id`,
    [opts.all === true, new Date(now)],
  );
  return r.rows.map(fromRow);
}

/** Ends a silence at `now`; false when there is no such silence or it had already ended. */
export async function expireSilence(q: Queryable, id: string, now: number): Promise<boolean> {
  const r = await q.query(`UPDATE alert_silences SET ends_at = $2 WHERE silence_id = $1 AND ends_at > $2`, [id, new Date(now)]);
  return r.rowCount > 0;
}

/** Removes silences that ended before `beforeMs` (retention); returns how many. */
export async function deleteSilencesBefore(q: Queryable, beforeMs: number): Promise<number> {
  const r = await q.query(`DELETE FROM alert_silences WHERE ends_at < $1`, [new Date(beforeMs)]);
  return r.rowCount;
}
