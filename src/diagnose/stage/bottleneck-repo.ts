import type { BottleneckKind } from '../../model/bottleneck.js';
import type { Severity } from '../../model/severity.js';
import type { Recommendation } from '../../optimize/recommendations.js';
import type { Queryable } from '../../store/db.js';
import type { BottleneckRecord, EpisodeState, RelatedSource } from '../bottleneck-record.js';
import type { BottleneckResolveReason } from '../../model/bottleneck.js';
import type { BottleneckStatus } from '../../model/bottleneck.js';
import type { SourceScope } from '../diagnostic-metrics.js';

/** A bottleneck as `perf-engine bottlenecks --json` and `GET /api/v1/bottlenecks` show it. */
export interface BottleneckView {
  readonly bottleneck_id: string;
  readonly source: string;
  readonly kind: string;
  readonly severity: string;
  readonly metric: string | null;
  readonly status: string;
  readonly started_at: string;
  readonly detected_at: string;
  readonly updated_at: string;
  readonly resolved_at: string | null;
  readonly resolve_reason: string | null;
  readonly summary: string;
  readonly evidence: Record<string, unknown>;
  readonly recommendations: Recommendation[];
  readonly related_sources: RelatedSource[];
  readonly host: string | null;
}

/** Filters of a listing. */
export interface BottleneckFilter {
  /** Only active ones. */
  readonly active?: boolean;
  readonly source?: string;
  /** Detected at or after (epoch ms). */
  readonly since?: number;
  readonly limit?: number;
}

interface Row {
  bottleneck_id: string;
  source: string;
  kind: string;
  severity: string;
  metric: string | null;
  status: string;
  started_at: Date | string | null;
  detected_at: Date | string;
  updated_at: Date | string;
  resolved_at: Date | string | null;
  resolve_reason: string | null;
  summary: string;
  evidence: Record<string, unknown>;
  recommendations: Recommendation[];
  related_sources: RelatedSource[];
  host: string | null;
  scope: string | null;
  state: EpisodeState | Record<string, never>;
}

const COLUMNS = `bottleneck_id, source, kind, severity, metric, status, started_at, detected_at, updated_at, resolved_at,
  resolve_reason, summary, evidence, recommendations, related_sources, host, scope`;

const msOf = (v: Date | string) => new Date(v).getTime();
const isoOf = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());
const date = (ms: number | null) => (ms === null ? null : new Date(ms));

function params(r: BottleneckRecord): unknown[] {
  return [
    r.id,
    r.source,
    r.kind,
    r.severity,
    r.metric,
    r.status,
    date(r.startedAt),
    date(r.detectedAt),
    date(r.updatedAt),
    date(r.resolvedAt),
    r.resolveReason,
    r.summary,
    JSON.stringify(r.evidence),
    JSON.stringify(r.recommendations),
    JSON.stringify(r.related),
    r.host,
    r.scope,
    JSON.stringify(r.status === 'active' ? r.state : {}),
  ];
}

/**
 * Inserts a newly opened bottleneck; false when the source already has an active one (another
 * engine, or a restart that raced), in which case nothing must be published.
 */
export async function insertBottleneck(q: Queryable, r: BottleneckRecord): Promise<boolean> {
  const res = await q.query(
    `INSERT INTO bottlenecks (${COLUMNS}, state)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb, $14::jsonb, $15::jsonb, $16, $17, $18::jsonb)
     ON CONFLICT DO NOTHING`,
    params(r),
  );
  return res.rowCount > 0;
}

/**
 * Writes a later version of a bottleneck (the engine-owned columns; onset and detection time do not
 * change); false when its row is gone.
 */
export async function updateBottleneck(q: Queryable, r: BottleneckRecord): Promise<boolean> {
  const p = params(r);
  const res = await q.query(
    `UPDATE bottlenecks SET severity = $2, metric = $3, status = $4, updated_at = $5, resolved_at = $6, resolve_reason = $7,
       summary = $8, evidence = $9::jsonb, recommendations = $10::jsonb, related_sources = $11::jsonb, state = $12::jsonb
     WHERE bottleneck_id = $1`,
    [p[0], p[3], p[4], p[5], p[8], p[9], p[10], p[11], p[12], p[13], p[14], p[17]],
  );
  return res.rowCount > 0;
}

/**
 * Resolves, as stale, active rows that carry no state to continue from (rows written before
 * migration 003, or by hand): left active, they would hold their source's one active slot forever.
 */
export async function resolveStatelessBottlenecks(q: Queryable, now: number): Promise<number> {
  const res = await q.query(
    `UPDATE bottlenecks SET status = 'resolved', resolved_at = $1, updated_at = $1, resolve_reason = 'stale', state = '{}'::jsonb
     WHERE status = 'active' AND NOT (coalesce(state, '{}'::jsonb) ? 'latest' AND state ? 'peak')`,
    [new Date(now)],
  );
  return res.rowCount;
}

/** The active bottlenecks with the state to continue them (at start). */
export async function loadActiveBottlenecks(q: Queryable): Promise<BottleneckRecord[]> {
  const { rows } = await q.query<Row>(`SELECT ${COLUMNS}, state FROM bottlenecks WHERE status = 'active'`);
  const out: BottleneckRecord[] = [];
  for (const r of rows) {
    const state = r.state as EpisodeState;
    if (!state || !state.latest || !state.peak) continue;
    out.push({
      id: r.bottleneck_id,
      source: r.source,
      kind: r.kind as BottleneckKind,
      severity: r.severity as Severity,
      metric: r.metric ?? state.latest.metric,
      status: r.status as BottleneckStatus,
      startedAt: msOf(r.started_at ?? r.detected_at),
      detectedAt: msOf(r.detected_at),
      updatedAt: msOf(r.updated_at),
      resolvedAt: null,
      resolveReason: r.resolve_reason as BottleneckResolveReason | null,
      summary: r.summary,
      evidence: r.evidence,
      recommendations: r.recommendations,
      related: r.related_sources ?? [],
      host: r.host,
      scope: (r.scope ?? 'agent') as SourceScope,
      state,
    });
  }
  return out;
}

/** Bottlenecks newest first (by detection time), filtered. */
export async function listBottlenecks(q: Queryable, f: BottleneckFilter = {}): Promise<BottleneckView[]> {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.active) where.push(`status = 'active'`);
  if (f.source !== undefined) {
    args.push(f.source);
    where.push(`source = $${args.length}`);
  }
  if (f.since !== undefined) {
    args.push(new Date(f.since));
    where.push(`detected_at >= $${args.length}`);
  }
  args.push(f.limit ?? 100);
  const { rows } = await q.query<Row>(
    `SELECT ${COLUMNS} FROM bottlenecks ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY detected_at DESC, bottleneck_id LIMIT $${args.length}`,
    args,
  );
  return rows.map(viewOf);
}

/** One bottleneck, or null. */
export async function getBottleneck(q: Queryable, id: string): Promise<BottleneckView | null> {
  const { rows } = await q.query<Row>(`SELECT ${COLUMNS} FROM bottlenecks WHERE bottleneck_id = $1`, [id]);
  return rows[0] ? viewOf(rows[0]) : null;
}

function viewOf(r: Row): BottleneckView {
  return {
    bottleneck_id: r.bottleneck_id,
    source: r.source,
    kind: r.kind,
    severity: r.severity,
    metric: r.metric,
    status: r.status,
    started_at: isoOf(r.started_at ?? r.detected_at)!,
    detected_at: isoOf(r.detected_at)!,
    updated_at: isoOf(r.updated_at)!,
    resolved_at: isoOf(r.resolved_at),
    resolve_reason: r.resolve_reason,
    summary: r.summary,
    evidence: r.evidence,
    recommendations: r.recommendations,
    related_sources: r.related_sources ?? [],
    host: r.host,
  };
}
