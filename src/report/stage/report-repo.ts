import type { Queryable } from '../../store/db.js';
import type { Report, ReportFormat } from '../report-schema.js';

/** A stored report as listings show it (without its document). */
export interface StoredReportSummary {
  readonly report_id: string;
  readonly created_at: string;
  readonly trigger: string;
  readonly since: string;
  readonly until: string;
  readonly formats: string[];
  readonly summary: Record<string, unknown>;
}

/** A stored report with its document. */
export interface StoredReport extends StoredReportSummary {
  readonly report: Report;
}

const iso = (v: unknown) => new Date(v as string | Date).toISOString();
const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

function summaryOf(row: Record<string, unknown>): StoredReportSummary {
  return {
    report_id: String(row.report_id),
    created_at: iso(row.created_at),
    trigger: String(row.trigger),
    since: iso(row.period_since),
    until: iso(row.period_until),
    formats: (row.formats as string[]) ?? [],
    summary: json<Record<string, unknown>>(row.summary),
  };
}

/** Stores a report. */
export async function insertReport(q: Queryable, id: string, trigger: 'schedule' | 'request', formats: readonly ReportFormat[], report: Report): Promise<void> {
  await q.query(
    `INSERT INTO reports (report_id, created_at, trigger, period_since, period_until, formats, summary, document)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb)`,
    [id, new Date(report.generated_at), trigger, new Date(report.period.since), new Date(report.period.until), [...formats], JSON.stringify(report.summary), JSON.stringify(report)],
  );
}

/** Stored reports, newest first. */
export async function listStoredReports(q: Queryable, limit = 100): Promise<StoredReportSummary[]> {
  const r = await q.query<Record<string, unknown>>(
    `SELECT report_id, created_at, trigger, period_since, period_until, formats, summary FROM reports ORDER BY created_at DESC, report_id LIMIT $1`,
    [limit],
  );
  return r.rows.map(summaryOf);
}

/** One stored report with its document, or null. */
export async function getStoredReport(q: Queryable, id: string): Promise<StoredReport | null> {
  const r = await q.query<Record<string, unknown>>(`SELECT * FROM reports WHERE report_id = $1`, [id]);
  const row = r.rows[0];
  return row ? { ...summaryOf(row), report: json<Report>(row.document) } : null;
}

/** Removes reports created before `beforeMs`; returns how many. */
export async function pruneReports(q: Queryable, beforeMs: number): Promise<number> {
  const r = await q.query(`DELETE FROM reports WHERE created_at < $1`, [new Date(beforeMs)]);
  return r.rowCount;
}
