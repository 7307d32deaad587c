import { toValidName } from '../../model/metric-names.js';
import type { MetricSnapshot } from '../../model/snapshot.js';
import type { ExpectedMove } from '../proposal.js';

/**
 * The series by which a database change is judged: one statement's mean execution time, from the
 * change of its `pg_stat_statements` counters between two readings.
 */
export const DB_STATEMENT_MEAN_MS = 'db_statement_mean_ms';
/** The statement's calls per second over the same interval: its load, to tell a traffic change from an effect. */
export const DB_STATEMENT_CALLS_PER_SEC = 'db_statement_calls_per_sec';

/** Source name of a statement's series: `<database>:<queryid>` (made a valid name). */
export function statementSource(database: string, queryid: string): string {
  return toValidName(`${database}:${queryid}`);
}

/** The judging metrics of an index: the mean time of each statement it is for, expected to fall. */
export function statementExpectations(database: string, queryids: readonly string[]): ExpectedMove[] {
  return queryids.map((q) => ({ metric: DB_STATEMENT_MEAN_MS, direction: 'decrease', source: statementSource(database, q) }));
}

/** Calls and total execution time of a statement at one reading. */
export interface StatementReading {
  readonly calls: number;
  readonly totalMs: number;
}

/**
 * Points of the statement series between two readings taken `prevAt` and `at` (epoch ms): the mean
 * time of the calls made in between (none when no call was made, so an idle interval never reads as
 * fast) and the call rate. A statement whose counters went down was reset and gives no point.
 */
export function statementPoints(
  database: string,
  prev: ReadonlyMap<string, StatementReading>,
  cur: ReadonlyMap<string, StatementReading>,
  prevAt: number,
  at: number,
): MetricSnapshot[] {
  const seconds = (at - prevAt) / 1000;
  if (!(seconds > 0)) return [];
  const out: MetricSnapshot[] = [];
  for (const [queryid, c] of cur) {
    const p = prev.get(queryid);
    if (!p) continue;
    const calls = c.calls - p.calls;
    const ms = c.totalMs - p.totalMs;
    if (calls < 0 || ms < 0) continue;
    const metrics: Record<string, number> = { [DB_STATEMENT_CALLS_PER_SEC]: calls / seconds };
    if (calls > 0) metrics[DB_STATEMENT_MEAN_MS] = ms / calls;
    out.push({ source: statementSource(database, queryid), timestamp: at, metrics });
  }
  return out;
}
