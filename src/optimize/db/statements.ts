/**
 * Statements of a watched database as `pg_stat_statements` counts them: counters per `queryid`,
 * their change between two readings, and the ranking by time consumed.
 */

/** Marks every statement the advisor sends, so that it never ranks or plans its own work. */
export const ADVISOR_MARK = '/* perf-engine:db-advisor */';

/** Cumulative counters of one statement (all users of the database summed). */
export interface StatementCounters {
  readonly queryid: string;
  readonly calls: number;
  /** Total execution time, in milliseconds. */
  readonly totalMs: number;
  readonly rows: number;
  readonly sharedBlksHit: number;
  readonly sharedBlksRead: number;
}

/** A statement ranked by the time it consumed over a window. */
export interface RankedStatement extends StatementCounters {
  readonly query: string;
  readonly meanMs: number;
  /** Share of the database's statement time over the window, in percent. */
  readonly sharePct: number;
  /** Whether the advisor can plan it (SELECT, WITH, UPDATE, DELETE or INSERT ... SELECT). */
  readonly plannable: boolean;
}

/**
 * What each statement consumed between two readings. A statement absent before counts from zero;
 * one whose calls went down was reset (`pg_stat_statements_reset`) and counts from its reset.
 */
export function statementDeltas(
  prev: ReadonlyMap<string, StatementCounters> | null,
  cur: readonly StatementCounters[],
): StatementCounters[] {
  const out: StatementCounters[] = [];
  for (const c of cur) {
    const p = prev?.get(c.queryid);
    if (!p || c.calls < p.calls || c.totalMs < p.totalMs) {
      if (c.calls > 0) out.push(c);
      continue;
    }
    const calls = c.calls - p.calls;
    if (calls <= 0) continue;
    out.push({
      queryid: c.queryid,
      calls,
      totalMs: c.totalMs - p.totalMs,
      rows: Math.max(0, c.rows - p.rows),
      sharedBlksHit: Math.max(0, c.sharedBlksHit - p.sharedBlksHit),
      sharedBlksRead: Math.max(0, c.sharedBlksRead - p.sharedBlksRead),
    });
  }
  return out;
}

/** Total statement time of a window, in milliseconds. */
export function totalTimeMs(deltas: readonly StatementCounters[]): number {
  return deltas.reduce((sum, d) => sum + d.totalMs, 0);
}

/** The statements that consumed the most time first, with their texts (those without are left out). */
export function rankStatements(
  deltas: readonly StatementCounters[],
  texts: ReadonlyMap<string, string>,
  limit: number,
): RankedStatement[] {
  const total = totalTimeMs(deltas);
  return deltas
    .filter((d) => texts.has(d.queryid) && !isAdvisorStatement(texts.get(d.queryid)!))
    .sort((a, b) => b.totalMs - a.totalMs || a.queryid.localeCompare(b.queryid))
    .slice(0, limit)
    .map((d) => {
      const query = texts.get(d.queryid)!;
      return {
        ...d,
        query,
        meanMs: d.totalMs / d.calls,
        sharePct: total > 0 ? (100 * d.totalMs) / total : 0,
        plannable: isPlannable(query),
      };
    });
}

/** True for a statement the advisor sent itself. */
export function isAdvisorStatement(query: string): boolean {
  return query.includes(ADVISOR_MARK);
}

/** Text with comments and string literals blanked, so that keywords and `$n` are read only from code. */
function codeOnly(query: string): string {
  return query
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/--[^\n]*/g, ' ')
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/\$([A-Za-z_]\w*)?\$[\s\S]*?\$\1\$/g, "''");
}

/**
 * Whether a statement can be planned with `EXPLAIN`: reads and writes that scan tables. Utility
 * statements (DDL, COPY, VACUUM, SET...) and `INSERT ... VALUES` have no scan to improve.
 */
export function isPlannable(query: string): boolean {
  const code = codeOnly(query).trim().replace(/^\(+\s*/, '');
  // SELECT ... INTO creates a table and cannot be prepared.
  if (/^select\b/i.test(code)) return !/\binto\b/i.test(code);
  if (/^(with|update|delete)\b/i.test(code)) return true;
  return /^insert\b[\s\S]*\bselect\b/i.test(code);
}

/** Highest `$n` parameter of a normalized statement (0 when it has none). */
export function parameterCount(query: string): number {
  let max = 0;
  for (const m of codeOnly(query).matchAll(/\$(\d+)/g)) max = Math.max(max, Number(m[1]));
  return max;
}
