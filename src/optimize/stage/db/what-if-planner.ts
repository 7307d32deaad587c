import { hypotheticalDdl, sqlIdent, type IndexCandidate } from '../../db/index-candidates.js';
import type { CostedCandidate } from '../../db/index-choice.js';
import { topPlan, usesIndex, type PlanNode } from '../../db/plan-needs.js';
import { parameterCount } from '../../db/statements.js';
import { marked } from './catalog-reader.js';
import type { SqlSession } from './sql-session.js';

const STATEMENT = 'pe_advisor_stmt';

/**
 * Opens a planning transaction: read-only, generic plans, never a wait on a lock or a long run.
 * One round trip (several statements without parameters go in one message).
 */
const BEGIN = script(
  'BEGIN TRANSACTION READ ONLY',
  "SELECT set_config('plan_cache_mode', 'force_generic_plan', true), set_config('statement_timeout', '5s', true), set_config('lock_timeout', '500ms', true)",
);

/** Statements without parameters sent in one message, each marked as the advisor's. */
function script(...statements: string[]): string {
  return statements.map(marked).join('; ');
}

/**
 * The generic plan of a normalized statement (`$n` parameters), with plain EXPLAIN, never
 * ANALYZE: PostgreSQL 15 has no `EXPLAIN (GENERIC_PLAN)`, so the statement is prepared with
 * parameters of unknown type (the planner infers them from their context) and explained as an
 * EXECUTE with NULLs while `plan_cache_mode = force_generic_plan`, so no value shapes the plan.
 * Runs inside the caller's read-only transaction; the prepared statement is removed afterwards.
 */
async function genericPlan(q: SqlSession, query: string): Promise<PlanNode> {
  const text = query.trim().replace(/;\s*$/, '');
  const n = parameterCount(text);
  await q.query(marked(`PREPARE ${STATEMENT} AS ${text}`));
  const args = n > 0 ? `(${Array.from({ length: n }, () => 'NULL').join(', ')})` : '';
  const r = await q.query<{ 'QUERY PLAN': unknown }>(marked(`EXPLAIN (FORMAT JSON, VERBOSE) EXECUTE ${STATEMENT}${args}`));
  await q.query(marked(`DEALLOCATE ${STATEMENT}`));
  const plan = topPlan(r.rows[0]?.['QUERY PLAN']);
  if (!plan) throw new Error('EXPLAIN gave no plan');
  return plan;
}

/** A statement's plan without index, and a way to cost it with one hypothetical index at a time. */
export interface WhatIf {
  readonly plan: PlanNode;
  /** The statement's plan and cost with `candidate` as a hypothetical index (needs HypoPG). */
  withIndex(candidate: IndexCandidate): Promise<CostedCandidate>;
}

/**
 * Plans `query` in a read-only transaction that is rolled back, and hands `use` the plan and a
 * costing function; the hypothetical indexes (HypoPG, in `hypopgSchema`) live only in this session
 * and are removed after each costing and at the end.
 */
export async function withWhatIf<T>(q: SqlSession, query: string, hypopgSchema: string | null, use: (w: WhatIf) => Promise<T>): Promise<T> {
  await q.query(BEGIN);
  let result: T;
  try {
    const plan = await genericPlan(q, query);
    const h = hypopgSchema === null ? null : sqlIdent(hypopgSchema);
    result = await use({
      plan,
      async withIndex(candidate) {
        if (h === null) throw new Error('HypoPG is not available');
        // A candidate the planner refuses (a type without a btree operator class...) must not end the transaction.
        await q.query(marked('SAVEPOINT pe_candidate'));
        try {
          const created = await q.query<{ indexrelid: number; indexname: string; size: string }>(
            marked(`SELECT indexrelid, indexname, ${h}.hypopg_relation_size(indexrelid)::text AS size FROM ${h}.hypopg_create_index($1)`),
            [hypotheticalDdl(candidate)],
          );
          const hypo = created.rows[0]!;
          const after = await genericPlan(q, query);
          await q.query(marked(`SELECT ${h}.hypopg_drop_index($1)`), [hypo.indexrelid]);
          await q.query(marked('RELEASE SAVEPOINT pe_candidate'));
          return { candidate, costAfter: after['Total Cost'] ?? Number.NaN, used: usesIndex(after, hypo.indexname), sizeBytes: Number(hypo.size) };
        } catch (err) {
          await q.query(script('ROLLBACK TO SAVEPOINT pe_candidate', 'DEALLOCATE ALL', `SELECT ${h}.hypopg_reset()`));
          throw err;
        }
      },
    });
  } catch (err) {
    // After a failure the session may be gone; the first error is the one worth reporting.
    await cleanUp(q, hypopgSchema).catch(() => undefined);
    throw err;
  }
  await cleanUp(q, hypopgSchema);
  return result;
}

/** Ends the planning transaction and removes what outlives it: PREPAREd statements and hypothetical indexes belong to the session. */
async function cleanUp(q: SqlSession, hypopgSchema: string | null): Promise<void> {
  const reset = hypopgSchema === null ? [] : [`SELECT ${sqlIdent(hypopgSchema)}.hypopg_reset()`];
  await q.query(script('ROLLBACK', 'DEALLOCATE ALL', ...reset));
}
