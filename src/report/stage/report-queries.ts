import type { Queryable } from '../../store/db.js';
import type { ReportAlert, ReportBottleneck, ReportOptimization } from '../report-build.js';

/** A period and an optional source list: what every query of a report is limited to. */
export interface PeriodFilter {
  readonly since: number;
  readonly until: number;
  /** null: every source. */
  readonly sources: readonly string[] | null;
}

const iso = (v: unknown): string => new Date(v as string | Date).toISOString();
const isoOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : iso(v));
const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

/**
 * Sources heard from since the period's start (one row per source: its latest host and last
 * sight). `first_seen` is when the engine first stored a stream, not the time of its first sample,
 * so it cannot bound a period that ends before it (backfilled history).
 */
export async function periodSources(q: Queryable, f: PeriodFilter): Promise<{ source: string; host: string | null; lastSeen: string | null }[]> {
  const r = await q.query<{ source: string; host: string; last_seen: unknown }>(
    `SELECT DISTINCT ON (source) source, host, last_seen FROM metric_streams
     WHERE last_seen >= $1 AND ($2::text[] IS NULL OR source = ANY($2))
     ORDER BY source, last_seen DESC`,
    [new Date(f.since), f.sources],
  );
  return r.rows.map((row) => ({ source: row.source, host: row.host === '' ? null : row.host, lastSeen: isoOrNull(row.last_seen) }));
}

/** Alerts open at some time of the period, newest first. */
export async function periodAlerts(q: Queryable, f: PeriodFilter, limit = 1000): Promise<ReportAlert[]> {
  const r = await q.query<Record<string, unknown>>(
    `SELECT alert_id, source, metric, rule, severity, state, started_at, resolved_at, message FROM alerts
     WHERE state <> 'pending' AND started_at <= $2 AND (resolved_at IS NULL OR resolved_at >= $1) AND ($3::text[] IS NULL OR source = ANY($3))
     ORDER BY started_at DESC, alert_id LIMIT $4`,
    [new Date(f.since), new Date(f.until), f.sources, limit],
  );
  return r.rows.map((row) => ({
    alert_id: String(row.alert_id), source: String(row.source), metric: String(row.metric), rule: String(row.rule), severity: String(row.severity),
    state: String(row.state), started_at: iso(row.started_at), resolved_at: isoOrNull(row.resolved_at), message: String(row.message),
  }));
}

/** Bottlenecks open at some time of the period, newest first ("done" is filled in by the report). */
export async function periodBottlenecks(q: Queryable, f: PeriodFilter, limit = 500): Promise<ReportBottleneck[]> {
  const r = await q.query<Record<string, unknown>>(
    `SELECT bottleneck_id, source, kind, severity, status, metric, detected_at, resolved_at, resolve_reason, summary, evidence, recommendations
     FROM bottlenecks
     WHERE detected_at <= $2 AND (resolved_at IS NULL OR resolved_at >= $1) AND ($3::text[] IS NULL OR source = ANY($3))
     ORDER BY detected_at DESC, bottleneck_id LIMIT $4`,
    [new Date(f.since), new Date(f.until), f.sources, limit],
  );
  return r.rows.map((row) => ({
    bottleneck_id: String(row.bottleneck_id), source: String(row.source), kind: String(row.kind), severity: String(row.severity),
    status: String(row.status), metric: (row.metric as string | null) ?? null, detected_at: iso(row.detected_at), resolved_at: isoOrNull(row.resolved_at),
    resolve_reason: (row.resolve_reason as string | null) ?? null, summary: String(row.summary),
    evidence: json<Record<string, unknown>>(row.evidence) ?? {},
    recommendations: (json<{ action: string; rationale: string }[]>(row.recommendations) ?? []).map((x) => ({ action: String(x.action), rationale: String(x.rationale ?? '') })),
    done: [],
  }));
}

/**
 * Optimizations proposed or applied during the period, or null when the store has no
 * `optimizations` table (the optimization loop's migration 006 not applied).
 */
export async function periodOptimizations(q: Queryable, f: PeriodFilter): Promise<ReportOptimization[] | null> {
  const exists = await q.query<{ t: string | null }>(`SELECT to_regclass('optimizations')::text AS t`);
  if (!exists.rows[0]?.t) return null;
  const r = await q.query<Record<string, unknown>>(
    `SELECT optimization_id, bottleneck_id, source, action, status, impact, applied_at FROM optimizations
     WHERE coalesce(applied_at, proposed_at) BETWEEN $1 AND $2 AND ($3::text[] IS NULL OR source = ANY($3))
     ORDER BY coalesce(applied_at, proposed_at) DESC LIMIT 500`,
    [new Date(f.since), new Date(f.until), f.sources],
  );
  return r.rows.map((row) => {
    const impact = json<{ metric?: string; before?: { p95?: number }; after?: { p95?: number }; change_pct?: number } | null>(row.impact);
    const status = String(row.status);
    return {
      optimization_id: String(row.optimization_id), bottleneck_id: row.bottleneck_id === null ? null : String(row.bottleneck_id),
      source: (row.source as string | null) ?? null, action: String(row.action), status,
      verdict: ['verified', 'ineffective', 'regressed'].includes(status) ? status : null,
      metric: impact?.metric ?? null, before: impact?.before?.p95 ?? null, after: impact?.after?.p95 ?? null,
      change_pct: impact?.change_pct ?? null, applied_at: isoOrNull(row.applied_at),
    };
  });
}
