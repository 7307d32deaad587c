import type { Queryable } from '../../store/db.js';
import type { ReportAlert, ReportBottleneck, ReportOptimization } from '../report-build.js';
import type { ReportChart } from '../report-schema.js';

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

/**
 * The period's series of the given metrics, bucketed into `step` ms (min, mean, max) in the
 * database. Each snapshot's value is found by its position in the snapshot's name list instead of
 * unnesting every value through `system_metrics`, and it is decoded as `perf_snapshot_value`
 * (migration 001) does, with the width, tag and offset computed first in their own lateral
 * (OFFSET 0 keeps them plain columns): passed as expressions, they stop PostgreSQL from inlining
 * `perf_read_be` and `perf_unzigzag`, and a call per value costs several times the decoding
 * (bench/report.ts). `date_part` gives float8 where `extract` computes in numeric. Streams of one
 * source (other hosts or labels) share its buckets.
 */
export async function periodCharts(q: Queryable, f: PeriodFilter, metrics: readonly string[], step: number): Promise<Omit<ReportChart, 'marks'>[]> {
  const r = await q.query<{ source: string; k: string | number; b: number; lo: number; mean: number; hi: number }>(
    `SELECT st.source, x.k, x.b, min(x.v) AS lo, avg(x.v) AS mean, max(x.v) AS hi FROM (
         SELECT s.stream_id, p.k, floor(date_part('epoch', s.ts) * 1000 / $4) AS b,
                CASE WHEN d.tag = 255 THEN s.f8[p.i]
                     ELSE perf_unzigzag(z.z)::float8 / ('{1,10,100,1000,10000,100000,1000000}'::float8[])[d.tag + 1] END AS v
         FROM metric_snapshots s
         JOIN (SELECT ms.id, u.k, array_position(ms.names, u.mm) AS i
               FROM metric_sets ms, unnest($5::text[]) WITH ORDINALITY AS u(mm, k)
               WHERE array_position(ms.names, u.mm) IS NOT NULL) p ON p.id = s.set_id
         CROSS JOIN LATERAL (SELECT get_byte(s.enc, 0) AS w, get_byte(s.enc, p.i) AS tag,
                                    (length(s.enc) - 1) / (1 + get_byte(s.enc, 0)) + 1 + (p.i - 1) * get_byte(s.enc, 0) AS o OFFSET 0) d
         CROSS JOIN LATERAL (SELECT CASE WHEN d.tag = 255 THEN 0 ELSE perf_read_be(s.enc, d.o, d.w) END AS z OFFSET 0) z
         WHERE s.ts >= $1 AND s.ts <= $2
           AND ($3::text[] IS NULL OR s.stream_id IN (SELECT id FROM metric_streams WHERE source = ANY($3)))
         OFFSET 0) x
     JOIN metric_streams st ON st.id = x.stream_id
     WHERE x.v IS NOT NULL
     GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    [new Date(f.since), new Date(f.until), f.sources, step, [...metrics]],
  );
  const charts = new Map<string, Omit<ReportChart, 'marks'> & { points: [number, number, number, number][] }>();
  for (const row of r.rows) {
    const metric = metrics[Number(row.k) - 1]!;
    const key = `${row.source}\u0000${metric}`;
    let c = charts.get(key);
    if (!c) charts.set(key, (c = { source: row.source, metric, step_ms: step, points: [] }));
    c.points.push([Number(row.b) * step + step / 2, row.lo, row.mean, row.hi]);
  }
  return [...charts.values()];
}
