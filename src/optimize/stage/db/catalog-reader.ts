import { ADVISOR_MARK, type StatementCounters } from '../../db/statements.js';
import type { PrerequisiteState } from '../../db/prerequisites.js';
import { sqlIdent } from '../../db/index-candidates.js';
import type { SqlSession } from './sql-session.js';

/** Prefixes a statement with the advisor's mark, so that pg_stat_statements tells it apart. */
export const marked = (sql: string): string => `${ADVISOR_MARK} ${sql}`;

/** Where the extensions live in the database (their schemas), once created. */
export interface ExtensionSchemas {
  readonly statements: string | null;
  readonly hypopg: string | null;
}

interface PrereqRow {
  database: string;
  role: string;
  version: number;
  pss_schema: string | null;
  hypopg_schema: string | null;
  pss_available: boolean;
  hypopg_available: boolean;
  read_all_stats: boolean;
}

async function preloadSetting(q: SqlSession): Promise<string | null> {
  try {
    const r = await q.query<{ v: string }>(marked("SELECT current_setting('shared_preload_libraries') AS v"));
    return r.rows[0]?.v ?? null;
  } catch {
    return null;
  }
}

/** Whether reading pg_stat_statements fails because the module is not preloaded. */
async function statementsUnloaded(q: SqlSession, schema: string): Promise<boolean> {
  try {
    await q.query(marked(`SELECT 1 FROM ${sqlIdent(schema)}.pg_stat_statements(false) LIMIT 1`));
    return false;
  } catch (err) {
    if (/shared_preload_libraries/.test((err as Error).message)) return true;
    throw err;
  }
}

/** What the database offers the advisor (extensions, preload, privileges) and where the extensions are. */
export async function readPrerequisites(q: SqlSession): Promise<{ state: PrerequisiteState; schemas: ExtensionSchemas }> {
  const r = await q.query<PrereqRow>(
    marked(`SELECT current_database() AS database, current_user AS role, current_setting('server_version_num')::int AS version,
      (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_stat_statements') AS pss_schema,
      (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'hypopg') AS hypopg_schema,
      EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_stat_statements') AS pss_available,
      EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'hypopg') AS hypopg_available,
      pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') AS read_all_stats`),
  );
  const row = r.rows[0]!;
  const setting = await preloadSetting(q);
  let preloaded = setting === null ? null : setting.split(',').some((x) => x.trim().replace(/^"|"$/g, '') === 'pg_stat_statements');
  if (row.pss_schema && preloaded !== false && (await statementsUnloaded(q, row.pss_schema))) preloaded = false;
  else if (row.pss_schema && preloaded === null) preloaded = true;
  const statementsUsable = row.pss_schema !== null && preloaded === true;
  return {
    state: {
      database: row.database,
      role: row.role,
      major: Math.floor(row.version / 10000),
      statements: { available: row.pss_available, created: row.pss_schema !== null, preloaded, preloadSetting: setting },
      readAllStats: row.read_all_stats,
      hypopg: { available: row.hypopg_available, created: row.hypopg_schema !== null },
    },
    schemas: { statements: statementsUsable ? row.pss_schema : null, hypopg: row.hypopg_schema },
  };
}

interface CounterRow {
  queryid: string;
  calls: number;
  total_ms: number;
  rows: number;
  hit: number;
  read: number;
}

/** Cumulative counters of every statement of this database, without their texts (cheap to read). */
export async function readStatementCounters(q: SqlSession, schema: string): Promise<StatementCounters[]> {
  const r = await q.query<CounterRow>(
    marked(`SELECT queryid::text AS queryid, sum(calls)::float8 AS calls, sum(total_exec_time)::float8 AS total_ms, sum(rows)::float8 AS rows,
      sum(shared_blks_hit)::float8 AS hit, sum(shared_blks_read)::float8 AS read
      FROM ${sqlIdent(schema)}.pg_stat_statements(false)
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND queryid IS NOT NULL
      GROUP BY queryid`),
  );
  return r.rows.map((x) => ({ queryid: x.queryid, calls: x.calls, totalMs: x.total_ms, rows: x.rows, sharedBlksHit: x.hit, sharedBlksRead: x.read }));
}

/** Texts of the given statements (one per queryid). */
export async function readStatementTexts(q: SqlSession, schema: string, queryids: readonly string[]): Promise<Map<string, string>> {
  if (queryids.length === 0) return new Map();
  const r = await q.query<{ queryid: string; query: string }>(
    marked(`SELECT DISTINCT ON (queryid) queryid::text AS queryid, query FROM ${sqlIdent(schema)}.pg_stat_statements(true)
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND queryid = ANY($1::bigint[]) AND query IS NOT NULL
      ORDER BY queryid`),
    [queryids],
  );
  return new Map(r.rows.map((x) => [x.queryid, x.query]));
}

/** When pg_stat_statements was last reset (its counters start there), epoch ms; null when unknown. */
export async function readStatementsReset(q: SqlSession, schema: string): Promise<number | null> {
  try {
    const r = await q.query<{ at: Date | null }>(marked(`SELECT stats_reset AS at FROM ${sqlIdent(schema)}.pg_stat_statements_info`));
    return r.rows[0]?.at?.getTime() ?? null;
  } catch {
    return null;
  }
}

/**
 * Start of the window the database's statistics cover (its last reset, else the server's start,
 * which bounds it from below), epoch ms.
 */
export async function readStatsSince(q: SqlSession): Promise<number> {
  const r = await q.query<{ at: Date }>(
    marked(`SELECT coalesce((SELECT stats_reset FROM pg_stat_database WHERE datname = current_database()), pg_postmaster_start_time()) AS at`),
  );
  return r.rows[0]!.at.getTime();
}
