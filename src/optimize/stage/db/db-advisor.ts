import { blockDelta, cacheHit, reportableLockWaits, type BlockReads, type CacheHit } from '../../db/db-health.js';
import { advisorCost, type DbFindings, type MissingPiece, type PlanOutcome } from '../../db/db-findings.js';
import { indexCandidates, tableKey } from '../../db/index-candidates.js';
import { gainBar, indexProposals, type IndexChoiceSettings, type PlannedStatement, type TableTraffic } from '../../db/index-choice.js';
import { dropCandidates, dropProposals, type IndexFacts } from '../../db/index-hygiene.js';
import { scanNeeds } from '../../db/plan-needs.js';
import { missingPieces } from '../../db/prerequisites.js';
import { rankStatements, statementDeltas, totalTimeMs, type RankedStatement, type StatementCounters } from '../../db/statements.js';
import { readPrerequisites, readStatementCounters, readStatementTexts, readStatementsReset, readStatsSince, type ExtensionSchemas } from './catalog-reader.js';
import { TimedSession, type SqlSession } from './sql-session.js';
import { readDatabaseBlocks, readIndexes, readLockWaits, readTableBlocks, readTables } from './table-reader.js';
import { withWhatIf } from './what-if-planner.js';

/** Settings of the database advisor (docs/optimization-db.md). */
export interface DbAdvisorSettings extends IndexChoiceSettings {
  /** Most statements planned in one pass (the most time-consuming first). */
  readonly maxStatements: number;
  /** Days without a scan before an index is reported unused. */
  readonly unusedMinDays: number;
}

/** Statements shown in the ranking. */
export const RANKED_SHOWN = 20;

/** What the advisor keeps of a database from one pass to the next, to read changes over its interval. */
export interface DbAdvisorMemory {
  readonly at: number;
  readonly counters: ReadonlyMap<string, StatementCounters>;
  readonly blocks: BlockReads;
  readonly deadlocks: number;
  readonly tableBlocks: ReadonlyMap<string, BlockReads>;
  /** When each index was first seen (the first pass counts them from the statistics' start). */
  readonly indexesSeen: ReadonlyMap<string, number>;
}

/** One pass over one database. */
export interface AdviseOptions {
  /** Where the database was reached, secrets masked. */
  readonly target: string;
  readonly settings: DbAdvisorSettings;
  /** How many statements to plan this pass (at most `settings.maxStatements`). */
  readonly planLimit?: number;
  readonly memory: DbAdvisorMemory | null;
  /** The advisor's interval, to measure its share of the database's time; null for a one-off pass. */
  readonly windowMs: number | null;
  readonly now?: () => number;
}

const ixKey = (ix: IndexFacts) => `${ix.schema}.${ix.index}`;
const DAY_MS = 86_400_000;

interface StatementsRead {
  readonly ranked: RankedStatement[];
  readonly counters: Map<string, StatementCounters>;
  readonly dbTimeMs: number;
  readonly since: number | null;
}

async function readRanked(q: SqlSession, schema: string, memory: DbAdvisorMemory | null): Promise<StatementsRead> {
  const cur = await readStatementCounters(q, schema);
  const deltas = statementDeltas(memory?.counters ?? null, cur);
  // Texts are read only for the heaviest statements: reading them all means reading pg_stat_statements' text file.
  const heaviest = [...deltas].sort((a, b) => b.totalMs - a.totalMs).slice(0, RANKED_SHOWN * 2);
  const texts = await readStatementTexts(q, schema, heaviest.map((d) => d.queryid));
  const since = memory?.at ?? (await readStatementsReset(q, schema));
  return { ranked: rankStatements(deltas, texts, RANKED_SHOWN), counters: new Map(cur.map((c) => [c.queryid, c])), dbTimeMs: totalTimeMs(deltas), since };
}

interface Planned {
  readonly outcomes: PlanOutcome[];
  readonly planned: PlannedStatement[];
  readonly traffic: Map<string, TableTraffic>;
}

/** Plans the heaviest plannable statements and costs their index candidates with hypothetical indexes. */
async function planStatements(q: SqlSession, ranked: readonly RankedStatement[], schemas: ExtensionSchemas, indexes: readonly IndexFacts[], limit: number): Promise<Planned> {
  const out: Planned = { outcomes: [], planned: [], traffic: new Map() };
  for (const statement of ranked.filter((s) => s.plannable).slice(0, limit)) {
    try {
      const p = await withWhatIf(q, statement.query, schemas.hypopg, async (w) => {
        const needs = scanNeeds(w.plan);
        const tables = await readTables(q, needs, indexes);
        for (const [k, t] of tables.traffic) out.traffic.set(k, t);
        const costed = [];
        if (schemas.hypopg !== null) {
          for (const c of indexCandidates(needs, tables.facts)) {
            try {
              costed.push(await w.withIndex(c));
            } catch {
              // The planner refused this candidate; the others still count.
            }
          }
        }
        return { statement, costBefore: w.plan['Total Cost'] ?? Number.NaN, costed };
      });
      out.planned.push(p);
      out.outcomes.push({ queryid: statement.queryid, costBefore: p.costBefore, candidates: p.costed.length, proposed: null, error: null });
    } catch (err) {
      out.outcomes.push({ queryid: statement.queryid, costBefore: null, candidates: 0, proposed: null, error: (err as Error).message });
    }
  }
  return out;
}

async function readHealth(q: SqlSession, memory: DbAdvisorMemory | null) {
  const blocks = await readDatabaseBlocks(q);
  const tableBlocks = await readTableBlocks(q);
  const waits = await readLockWaits(q);
  const tables = new Map([...tableBlocks].map(([t, b]) => [t, blockDelta(memory?.tableBlocks.get(t), b)]));
  const cache: CacheHit = cacheHit(blockDelta(memory?.blocks, blocks), tables);
  const deadlocks = memory && blocks.deadlocks >= memory.deadlocks ? blocks.deadlocks - memory.deadlocks : blocks.deadlocks;
  return { blocks, tableBlocks, cache, deadlocks, lockWaits: reportableLockWaits(waits) };
}

/**
 * One pass of the database advisor: what is missing, statements ranked by the time they took over
 * the window (since the last pass, else since pg_stat_statements was reset), index proposals for
 * the heaviest (generic plans costed with hypothetical indexes), unused and duplicate indexes, lock
 * waits and the cache hit ratio, and what the pass itself cost. Only reads: planning happens in a
 * read-only transaction that is rolled back.
 */
export async function adviseDatabase(session: SqlSession, o: AdviseOptions): Promise<{ findings: DbFindings; memory: DbAdvisorMemory }> {
  const now = o.now ?? Date.now;
  const q = new TimedSession(session);
  const { state, schemas } = await readPrerequisites(q);
  const missing: MissingPiece[] = missingPieces(state);
  const db = state.database;
  const indexes = await readIndexes(q);
  const statsSince = await readStatsSince(q);
  const at = now();
  const stmts = schemas.statements !== null ? await readRanked(q, schemas.statements, o.memory) : null;
  const plan = stmts ? await planStatements(q, stmts.ranked, schemas, indexes, Math.min(o.planLimit ?? o.settings.maxStatements, o.settings.maxStatements)) : null;
  const create = plan ? indexProposals(db, plan.planned, (c) => gainBar(o.settings, plan.traffic.get(tableKey(c.schema, c.table)))) : [];
  const seen = new Map(indexes.map((ix) => [ixKey(ix), o.memory?.indexesSeen.get(ixKey(ix)) ?? (o.memory ? at : statsSince)]));
  const observedDays = (ix: IndexFacts) => (at - Math.max(statsSince, seen.get(ixKey(ix)) ?? statsSince)) / DAY_MS;
  const drops = dropProposals(db, dropCandidates(indexes, observedDays, o.settings.unusedMinDays), stmts?.ranked ?? []);
  const health = await readHealth(q, o.memory);
  const outcomes = (plan?.outcomes ?? []).map((p) => ({ ...p, proposed: create.find((c) => (c.params.queryids as string[]).includes(p.queryid))?.key ?? null }));
  const findings: DbFindings = {
    database: db,
    target: o.target,
    at,
    since: stmts?.since ?? null,
    missing,
    statements: stmts?.ranked ?? [],
    planned: outcomes,
    proposals: [...create, ...drops],
    lockWaits: health.lockWaits,
    deadlocks: health.deadlocks,
    statsSince,
    cache: health.cache,
    cost: advisorCost(q.statements, q.ms, o.windowMs, stmts ? stmts.dbTimeMs : null),
    error: null,
  };
  const memory: DbAdvisorMemory = {
    at,
    counters: stmts?.counters ?? new Map(),
    blocks: health.blocks,
    deadlocks: health.blocks.deadlocks,
    tableBlocks: health.tableBlocks,
    indexesSeen: seen,
  };
  return { findings, memory };
}
