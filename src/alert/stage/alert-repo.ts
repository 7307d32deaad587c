import type { Severity } from '../../model/severity.js';
import type { Queryable } from '../../store/db.js';
import type { Episode } from '../alert-machine.js';
import type { AlertResolveReason } from '../../model/alert.js';
import type { AlertRule } from '../../model/alert.js';
import type { DegradationReference } from '../degradation.js';
import type { RestoredEpisode } from '../alert-evaluator.js';
import type { AlertState } from '../../model/alert.js';

/** Stored states of an alert row. */

/** Everything the engine writes about one alert (acknowledgement columns are never written here). */
export interface AlertRecord {
  readonly source: string;
  readonly metric: string;
  readonly rule: AlertRule;
  readonly episode: Episode;
  readonly state: AlertState;
  readonly resolvedAt: number | null;
  readonly reason: AlertResolveReason | null;
  readonly message: string;
  readonly notified: boolean;
  readonly silencedBy: string | null;
  readonly reference: DegradationReference | null;
  readonly interval: number;
}

/** An alert as `perf-engine alerts --json` and `GET /api/v1/alerts` show it. */
export interface AlertView {
  readonly alert_id: string;
  readonly source: string;
  readonly metric: string;
  readonly rule: string;
  readonly severity: string;
  readonly state: AlertState;
  readonly value: number | null;
  readonly threshold: number | null;
  readonly started_at: string;
  readonly fired_at: string | null;
  readonly resolved_at: string | null;
  readonly last_notified_at: string | null;
  readonly acknowledged_by: string | null;
  readonly acknowledged_at: string | null;
  readonly message: string;
  readonly max_severity: string | null;
  readonly resolve_reason: string | null;
  readonly notified: boolean;
  readonly silenced_by: string | null;
  readonly last_sample_at: string | null;
}

/** The machine's internals kept in `alerts.machine`. */
interface MachineColumn {
  readonly candidate: Severity | null;
  readonly candidateSince: number | null;
  readonly clearingSince: number | null;
  readonly reference: DegradationReference | null;
  readonly interval: number;
}

const ms = (v: unknown): number | null => (v === null || v === undefined ? null : new Date(v as string | Date).getTime());
const isoOf = (v: unknown): string | null => (v === null || v === undefined ? null : new Date(v as string | Date).toISOString());

/** Inserts or updates an alert row (engine-owned columns only, so acknowledgements made meanwhile stay). */
export async function saveAlert(q: Queryable, r: AlertRecord): Promise<void> {
  await saveAlerts(q, [r]);
}

/** Rows per statement of {@link saveAlerts}. */
const SAVE_ROWS = 500;

/** SQLSTATE class of integrity constraint violations: a row refused, not the database gone. */
const CONSTRAINT_VIOLATION = '23';

/**
 * Inserts or updates alert rows as {@link saveAlert} does, up to {@link SAVE_ROWS} in one
 * statement. Each alert at most once. A statement refused for a row it holds (another open
 * episode of its series stored, say) is retried row by row, so that row does not keep the others
 * from being saved, and the first error is thrown after every row was tried; any other error (the
 * database unreachable) is thrown at once, with no row-by-row retry.
 */
export async function saveAlerts(q: Queryable, records: readonly AlertRecord[]): Promise<void> {
  let firstError: unknown = null;
  for (let i = 0; i < records.length; i += SAVE_ROWS) {
    const chunk = records.slice(i, i + SAVE_ROWS);
    try {
      await upsertAlerts(q, chunk);
    } catch (err) {
      if (!String((err as { code?: unknown }).code ?? '').startsWith(CONSTRAINT_VIOLATION)) throw err;
      if (chunk.length === 1) firstError ??= err;
      else
        for (const r of chunk) {
          try {
            await upsertAlerts(q, [r]);
          } catch (rowErr) {
            firstError ??= rowErr;
          }
        }
    }
  }
  if (firstError !== null) throw firstError;
}

async function upsertAlerts(q: Queryable, rs: readonly AlertRecord[]): Promise<void> {
  const column = <V>(f: (r: AlertRecord) => V) => rs.map(f);
  const machine = (r: AlertRecord): MachineColumn => {
    const e = r.episode;
    return { candidate: e.candidate, candidateSince: e.candidateSince, clearingSince: e.clearingSince, reference: r.reference, interval: r.interval };
  };
  const at = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  await q.query(
    `INSERT INTO alerts (alert_id, source, metric, rule, severity, state, value, threshold, started_at, fired_at,
                         resolved_at, last_notified_at, message, max_severity, resolve_reason, notified, silenced_by,
                         last_sample_at, machine, updated_at)
     SELECT * , now() FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::float8[],
                          $9::timestamptz[], $10::timestamptz[], $11::timestamptz[], $12::timestamptz[], $13::text[], $14::text[],
                          $15::text[], $16::boolean[], $17::uuid[], $18::timestamptz[], $19::jsonb[])
     ON CONFLICT (alert_id) DO UPDATE SET
       severity = EXCLUDED.severity, state = EXCLUDED.state, value = EXCLUDED.value, threshold = EXCLUDED.threshold,
       fired_at = EXCLUDED.fired_at, resolved_at = EXCLUDED.resolved_at, last_notified_at = EXCLUDED.last_notified_at,
       message = EXCLUDED.message, max_severity = EXCLUDED.max_severity, resolve_reason = EXCLUDED.resolve_reason,
       notified = EXCLUDED.notified, silenced_by = EXCLUDED.silenced_by, last_sample_at = EXCLUDED.last_sample_at,
       machine = EXCLUDED.machine, updated_at = now()`,
    [
      column((r) => r.episode.alertId),
      column((r) => r.source),
      column((r) => r.metric),
      column((r) => r.rule),
      column((r) => r.episode.severity),
      column((r) => r.state),
      column((r) => r.episode.value),
      column((r) => r.episode.threshold),
      column((r) => at(r.episode.startedAt)),
      column((r) => at(r.episode.firedAt)),
      column((r) => at(r.resolvedAt)),
      column((r) => at(r.episode.lastNotifiedAt)),
      column((r) => r.message),
      column((r) => r.episode.maxSeverity),
      column((r) => r.reason),
      column((r) => r.notified),
      column((r) => r.silencedBy),
      column((r) => at(r.episode.lastTs)),
      column((r) => JSON.stringify(machine(r))),
    ],
  );
}

/** Removes a pending alert that never fired. */
export async function deleteAlert(q: Queryable, alertId: string): Promise<void> {
  await q.query(`DELETE FROM alerts WHERE alert_id = $1 AND state = 'pending'`, [alertId]);
}

/** An open alert as stored, with the notification state the engine keeps beside the machine. */
export interface StoredOpenAlert extends RestoredEpisode {
  readonly notified: boolean;
  readonly silencedBy: string | null;
  readonly acknowledgedBy: string | null;
}

/** Every pending or firing alert, as the machine needs it to continue after a restart. */
export async function loadOpenAlerts(q: Queryable): Promise<StoredOpenAlert[]> {
  const r = await q.query<Record<string, unknown>>(`SELECT * FROM alerts WHERE state IN ('pending', 'firing') ORDER BY started_at`);
  return r.rows.map((row) => {
    const m = (typeof row.machine === 'string' ? JSON.parse(row.machine) : row.machine) as Partial<MachineColumn>;
    const episode: Episode = {
      alertId: String(row.alert_id),
      phase: row.state === 'firing' ? 'firing' : 'pending',
      severity: row.severity as Severity,
      maxSeverity: (row.max_severity ?? row.severity) as Severity,
      startedAt: ms(row.started_at)!,
      firedAt: ms(row.fired_at),
      lastNotifiedAt: ms(row.last_notified_at),
      clearingSince: m.clearingSince ?? null,
      candidate: m.candidate ?? null,
      candidateSince: m.candidateSince ?? null,
      value: Number(row.value),
      threshold: row.threshold === null ? null : Number(row.threshold),
      lastTs: ms(row.last_sample_at) ?? ms(row.started_at)!,
    };
    return {
      source: String(row.source),
      metric: String(row.metric),
      rule: row.rule as AlertRule,
      episode,
      reference: m.reference ?? null,
      interval: m.interval ?? 0,
      notified: Boolean(row.notified),
      silencedBy: (row.silenced_by as string | null) ?? null,
      acknowledgedBy: (row.acknowledged_by as string | null) ?? null,
    };
  });
}

function view(row: Record<string, unknown>): AlertView {
  return {
    alert_id: String(row.alert_id),
    source: String(row.source),
    metric: String(row.metric),
    rule: String(row.rule),
    severity: String(row.severity),
    state: row.state as AlertState,
    value: row.value === null ? null : Number(row.value),
    threshold: row.threshold === null ? null : Number(row.threshold),
    started_at: isoOf(row.started_at)!,
    fired_at: isoOf(row.fired_at),
    resolved_at: isoOf(row.resolved_at),
    last_notified_at: isoOf(row.last_notified_at),
    acknowledged_by: (row.acknowledged_by as string | null) ?? null,
    acknowledged_at: isoOf(row.acknowledged_at),
    message: String(row.message),
    max_severity: (row.max_severity as string | null) ?? null,
    resolve_reason: (row.resolve_reason as string | null) ?? null,
    notified: Boolean(row.notified),
    silenced_by: (row.silenced_by as string | null) ?? null,
    last_sample_at: isoOf(row.last_sample_at),
  };
}

/** Alerts, newest first; `state` filters, `limit` caps. */
export async function listAlerts(q: Queryable, opts: { state?: AlertState; limit?: number } = {}): Promise<AlertView[]> {
  const r = await q.query<Record<string, unknown>>(
    `SELECT * FROM alerts WHERE ($1::text IS NULL OR state = $1) ORDER BY started_at DESC, alert_id LIMIT $2`,
    [opts.state ?? null, opts.limit ?? 1000],
  );
  return r.rows.map(view);
}

/** Outcome of an acknowledgement. */
export type AckResult = { readonly ok: true; readonly alert: AlertView } | { readonly ok: false; readonly reason: 'not_found' | 'not_open' };

/** Acknowledges an open alert (until it resolves); acknowledging again replaces who and when. */
export async function acknowledgeAlert(q: Queryable, alertId: string, by: string, at: number): Promise<AckResult> {
  const r = await q.query<Record<string, unknown>>(
    `UPDATE alerts SET acknowledged_by = $2, acknowledged_at = $3
     WHERE alert_id = $1 AND state IN ('pending', 'firing') RETURNING *`,
    [alertId, by, new Date(at)],
  );
  if (r.rows.length > 0) return { ok: true, alert: view(r.rows[0]!) };
  const exists = await q.query(`SELECT 1 FROM alerts WHERE alert_id = $1`, [alertId]);
  return { ok: false, reason: exists.rows.length > 0 ? 'not_open' : 'not_found' };
}

/** Who acknowledged each open alert (for the running engine to pick up acknowledgements made elsewhere). */
export async function openAcknowledgements(q: Queryable): Promise<Map<string, string>> {
  const r = await q.query<{ alert_id: string; acknowledged_by: string }>(
    `SELECT alert_id, acknowledged_by FROM alerts WHERE state IN ('pending', 'firing') AND acknowledged_at IS NOT NULL`,
  );
  return new Map(r.rows.map((row) => [String(row.alert_id), String(row.acknowledged_by)]));
}
