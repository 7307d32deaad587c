import { OPEN_OPTIMIZATION_STATUSES, type OptimizationActor, type OptimizationStatus } from '../../model/optimization.js';
import type { Db, Queryable } from '../../store/db.js';
import type { OptimizationStatusMessage } from '../../wire/optimizing.js';
import type { Transition } from '../optimization-machine.js';
import { statusMessage, type Impact, type Judgement, type OptimizationRecord } from '../optimization-record.js';

/** A database that runs transactions. */
export type Transactional = Pick<Db, 'transaction'>;

const OPEN_SQL = `(${OPEN_OPTIMIZATION_STATUSES.map((s) => `'${s}'`).join(', ')})`;

const COLUMNS = `optimization_id, key, origin, bottleneck_id, source, action, params, undo, rationale, predicted, expect, status, status_at, reason,
  proposed_at, applied_at, applied_by, rolled_back_at, rolled_back_by, impact, judging, judging_due, intent, version`;

interface Row {
  optimization_id: string;
  key: string;
  origin: OptimizationRecord['origin'];
  bottleneck_id: string | null;
  source: string | null;
  action: OptimizationRecord['action'];
  params: unknown;
  undo: unknown;
  rationale: string;
  predicted: unknown;
  expect: unknown;
  status: OptimizationStatus;
  status_at: Date | string;
  reason: string | null;
  proposed_at: Date | string;
  applied_at: Date | string | null;
  applied_by: OptimizationActor | null;
  rolled_back_at: Date | string | null;
  rolled_back_by: OptimizationActor | null;
  judging: unknown;
  intent: OptimizationRecord['intent'];
  version: number;
}

const json = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));
const ms = (v: Date | string) => new Date(v).getTime();
const msOrNull = (v: Date | string | null) => (v === null ? null : ms(v));
const date = (v: number | null) => (v === null ? null : new Date(v));

function fromRow(r: Row): OptimizationRecord {
  const judging = json<{ change?: Judgement | null; rollback?: Judgement | null }>(r.judging);
  return {
    id: r.optimization_id,
    key: r.key,
    origin: r.origin,
    bottleneckId: r.bottleneck_id,
    source: r.source,
    action: r.action,
    params: json(r.params),
    undo: json(r.undo),
    rationale: r.rationale,
    predicted: json(r.predicted),
    expect: json(r.expect),
    status: r.status,
    statusAt: ms(r.status_at),
    reason: r.reason,
    proposedAt: ms(r.proposed_at),
    appliedAt: msOrNull(r.applied_at),
    appliedBy: r.applied_by,
    rolledBackAt: msOrNull(r.rolled_back_at),
    rolledBackBy: r.rolled_back_by,
    change: judging.change ?? null,
    rollback: judging.rollback ?? null,
    intent: r.intent,
    version: r.version,
  };
}

/** True while a judgement of the record waits for data. */
const due = (r: OptimizationRecord) => (r.status === 'applied' && r.change !== null && r.change.verdict === null) || (r.status === 'rolled_back' && r.rollback !== null && r.rollback.verdict === null);

function values(r: OptimizationRecord): unknown[] {
  return [
    r.id,
    r.key,
    r.origin,
    r.bottleneckId,
    r.source,
    r.action,
    JSON.stringify(r.params),
    r.undo === null ? null : JSON.stringify(r.undo),
    r.rationale,
    JSON.stringify(r.predicted),
    JSON.stringify(r.expect),
    r.status,
    date(r.statusAt),
    r.reason,
    date(r.proposedAt),
    date(r.appliedAt),
    r.appliedBy,
    date(r.rolledBackAt),
    r.rolledBackBy,
    r.change?.verdict?.impact ? JSON.stringify(r.change.verdict.impact) : null,
    JSON.stringify({ change: r.change, rollback: r.rollback }),
    due(r),
    r.intent,
    r.version,
  ];
}

async function addTransition(q: Queryable, r: OptimizationRecord, t: Transition): Promise<void> {
  await q.query(
    `INSERT INTO optimization_transitions (optimization_id, seq, event, status, at, actor, reason, message)
     SELECT $1, coalesce(max(seq), 0) + 1, $2, $3, $4, $5, $6, $7::jsonb FROM optimization_transitions WHERE optimization_id = $1`,
    [r.id, t.event, t.status, new Date(t.at), t.by, t.reason, JSON.stringify(statusMessage(r))],
  );
}

/** How long a key whose change regressed and was rolled back is not proposed again. */
export const REGRESSED_KEY_HOLD_MS = 86_400_000;

/**
 * Stores a new optimization (with its `proposed` transition when `announce`), unless its key
 * already has an open one (or one that regressed and was rolled back within a day): then returns
 * that one's id.
 */
export async function insertOptimization(db: Transactional, r: OptimizationRecord, announce: boolean): Promise<{ id: string; created: boolean }> {
  return db.transaction(async (t) => {
    const held = await t.query<{ optimization_id: string }>(
      `SELECT optimization_id FROM optimizations WHERE key = $1 AND (status IN ${OPEN_SQL}
         OR (status = 'rolled_back' AND judging->'change'->'verdict'->>'outcome' = 'regressed' AND rolled_back_at > $2))
       ORDER BY proposed_at DESC LIMIT 1`,
      [r.key, new Date(r.proposedAt - REGRESSED_KEY_HOLD_MS)],
    );
    if (held.rows.length > 0) return { id: held.rows[0]!.optimization_id, created: false };
    const placeholders = values(r).map((_, i) => `$${i + 1}`).join(', ');
    const res = await t.query(`INSERT INTO optimizations (${COLUMNS}) VALUES (${placeholders}) ON CONFLICT (key) WHERE status IN ${OPEN_SQL} DO NOTHING`, values(r));
    if (res.rowCount === 0) {
      const other = await t.query<{ optimization_id: string }>(`SELECT optimization_id FROM optimizations WHERE key = $1 AND status IN ${OPEN_SQL}`, [r.key]);
      return { id: other.rows[0]!.optimization_id, created: false };
    }
    if (announce) await addTransition(t, r, { event: 'proposed', status: 'proposed', at: r.proposedAt, by: 'engine', reason: null });
    return { id: r.id, created: true };
  });
}

/**
 * Writes the next version of an optimization (and its transition, to be published), if nobody
 * wrote it since `expected` was read; false otherwise (the caller reads it again).
 */
export async function saveOptimization(db: Transactional, expected: number, r: OptimizationRecord, t: Transition | null): Promise<boolean> {
  return db.transaction(async (q) => {
    const v = values({ ...r, version: expected + 1 });
    const sets = COLUMNS.split(',').map((c, i) => `${c.trim()} = $${i + 1}`).slice(1).join(', ');
    const res = await q.query(`UPDATE optimizations SET ${sets}, updated_at = now() WHERE optimization_id = $1 AND version = $${v.length + 1}`, [...v, expected]);
    if (res.rowCount === 0) return false;
    if (t !== null) await addTransition(q, { ...r, version: expected + 1 }, t);
    return true;
  });
}

/** One optimization, or null. */
export async function getOptimization(q: Queryable, id: string): Promise<OptimizationRecord | null> {
  const r = await q.query<Row>(`SELECT ${COLUMNS} FROM optimizations WHERE optimization_id = $1`, [id]);
  return r.rows[0] ? fromRow(r.rows[0]) : null;
}

/** Filters of a listing. */
export interface OptimizationFilter {
  readonly status?: OptimizationStatus;
  /** The source it is for, or whose series judge it. */
  readonly source?: string;
  readonly limit?: number;
}

/** Optimizations, newest first (by the time they were proposed). */
export async function listOptimizations(q: Queryable, f: OptimizationFilter = {}): Promise<OptimizationRecord[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (f.status) where.push(`status = $${params.push(f.status)}`);
  if (f.source) where.push(`(source = $${params.push(f.source)} OR expect @> jsonb_build_array(jsonb_build_object('source', $${params.length}::text)))`);
  const r = await q.query<Row>(
    `SELECT ${COLUMNS} FROM optimizations ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY proposed_at DESC, optimization_id LIMIT $${params.push(f.limit ?? 100)}`,
    params,
  );
  return r.rows.map(fromRow);
}

/** Optimizations whose change or rollback is being judged. */
export async function dueOptimizations(q: Queryable): Promise<OptimizationRecord[]> {
  return (await q.query<Row>(`SELECT ${COLUMNS} FROM optimizations WHERE judging_due ORDER BY status_at`)).rows.map(fromRow);
}

/** Proposals not yet applied and with no action under way (the engine may be waiting to apply them). */
export async function openProposals(q: Queryable): Promise<OptimizationRecord[]> {
  return (await q.query<Row>(`SELECT ${COLUMNS} FROM optimizations WHERE status = 'proposed' AND intent IS NULL ORDER BY status_at`)).rows.map(fromRow);
}

/** Optimizations with an action of the engine's own begun and not recorded as done. */
export async function unfinishedIntents(q: Queryable): Promise<OptimizationRecord[]> {
  return (await q.query<Row>(`SELECT ${COLUMNS} FROM optimizations WHERE intent IS NOT NULL ORDER BY status_at`)).rows.map(fromRow);
}

/** A step of an optimization's history, as `optimizations show` prints it. */
export interface TransitionView {
  readonly seq: number;
  readonly event: Transition['event'];
  readonly status: OptimizationStatus;
  readonly at: string;
  readonly by: OptimizationActor;
  readonly reason: string | null;
  readonly recorded_at: string;
  readonly published_at: string | null;
}

/** The history of an optimization, oldest first. */
export async function transitionsOf(q: Queryable, id: string): Promise<TransitionView[]> {
  const r = await q.query<{ seq: number; event: Transition['event']; status: OptimizationStatus; at: Date | string; actor: OptimizationActor; reason: string | null; recorded_at: Date | string; published_at: Date | string | null }>(
    `SELECT seq, event, status, at, actor, reason, recorded_at, published_at FROM optimization_transitions WHERE optimization_id = $1 ORDER BY seq`,
    [id],
  );
  const iso = (v: Date | string) => new Date(v).toISOString();
  return r.rows.map((t) => ({ seq: t.seq, event: t.event, status: t.status, at: iso(t.at), by: t.actor, reason: t.reason, recorded_at: iso(t.recorded_at), published_at: t.published_at === null ? null : iso(t.published_at) }));
}

/**
 * Publishes stored transitions not yet announced, oldest first, through `publish`, and marks them
 * published in the same transaction (rows locked, skipping those another engine holds). A crash
 * between the two announces a transition again: at least once, never lost.
 */
export async function drainOutbox(db: Transactional, publish: (m: OptimizationStatusMessage) => void, limit = 200): Promise<number> {
  return db.transaction(async (q) => {
    const r = await q.query<{ optimization_id: string; seq: number; message: unknown }>(
      `SELECT optimization_id, seq, message FROM optimization_transitions WHERE published_at IS NULL
       ORDER BY recorded_at, optimization_id, seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    for (const row of r.rows) publish(json<OptimizationStatusMessage>(row.message));
    if (r.rows.length > 0) {
      await q.query(
        `UPDATE optimization_transitions t SET published_at = now() FROM unnest($1::uuid[], $2::int[]) AS d(id, seq) WHERE t.optimization_id = d.id AND t.seq = d.seq`,
        [r.rows.map((x) => x.optimization_id), r.rows.map((x) => x.seq)],
      );
    }
    return r.rows.length;
  });
}

/** The latest judged optimizations of a source (or of series of it), newest verdict first. */
export async function recentVerdicts(q: Queryable, source: string, limit = 10): Promise<{ id: string; action: OptimizationRecord['action']; status: OptimizationStatus; impact: Impact; params: Record<string, unknown> }[]> {
  const r = await q.query<{ optimization_id: string; action: OptimizationRecord['action']; status: OptimizationStatus; impact: unknown; params: unknown }>(
    `SELECT optimization_id, action, status, impact, params FROM optimizations
     WHERE impact IS NOT NULL AND (source = $1 OR expect @> jsonb_build_array(jsonb_build_object('source', $1::text)))
     ORDER BY status_at DESC LIMIT $2`,
    [source, limit],
  );
  return r.rows.map((x) => ({ id: x.optimization_id, action: x.action, status: x.status, impact: json<Impact>(x.impact), params: json(x.params) }));
}

/** Deletes finished optimizations (not proposed, applied or being judged) untouched for longer than the retention. */
export async function deleteOldOptimizations(q: Queryable, before: number): Promise<number> {
  const r = await q.query(`DELETE FROM optimizations WHERE updated_at < $1 AND status NOT IN ('proposed', 'applied') AND NOT judging_due`, [new Date(before)]);
  return r.rowCount;
}
