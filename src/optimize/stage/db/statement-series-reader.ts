import type { MetricSnapshot } from '../../../model/snapshot.js';
import { statementPoints, type StatementReading } from '../../db/statement-series.js';
import { marked, readPrerequisites } from './catalog-reader.js';
import { sqlIdent } from '../../db/index-candidates.js';
import type { DatabaseDirectory } from './database-directory.js';
import type { SqlSession, SessionOpener } from './sql-session.js';

/** Most statements followed per database; the oldest are let go beyond it. */
export const MAX_TRACKED_PER_DATABASE = 200;

interface Followed {
  readonly queryids: Set<string>;
  session: SqlSession | null;
  schema: string | null;
  prev: Map<string, StatementReading>;
  prevAt: number;
}

/**
 * Turns `pg_stat_statements` into the series that judge database changes: at each `sample()`, for
 * every followed statement, the mean time of the calls made since the last sample
 * (`db_statement_mean_ms`) and their rate (`db_statement_calls_per_sec`), of source
 * `<database>:<queryid>`, handed to `append` (the engine stores them like any other series).
 */
export class StatementSeriesReader {
  readonly #followed = new Map<string, Followed>();

  constructor(
    private readonly databases: Pick<DatabaseDirectory, 'urlOf'>,
    private readonly open: SessionOpener,
    private readonly append: (snapshots: readonly MetricSnapshot[]) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Follows these statements of `database` from the next sample on. */
  track(database: string, queryids: readonly string[]): void {
    let f = this.#followed.get(database);
    if (!f) {
      f = { queryids: new Set(), session: null, schema: null, prev: new Map(), prevAt: 0 };
      this.#followed.set(database, f);
    }
    for (const q of queryids) {
      f.queryids.delete(q);
      f.queryids.add(q);
    }
    for (const q of f.queryids) {
      if (f.queryids.size <= MAX_TRACKED_PER_DATABASE) break;
      f.queryids.delete(q);
    }
  }

  /** Stops following these statements. */
  untrack(database: string, queryids: readonly string[]): void {
    const f = this.#followed.get(database);
    for (const q of queryids) f?.queryids.delete(q);
  }

  /** The statements followed, by database. */
  tracked(): Map<string, string[]> {
    return new Map([...this.#followed].map(([db, f]) => [db, [...f.queryids]]));
  }

  /**
   * Reads every followed statement once and appends the points since the previous reading. A
   * database that cannot be read is skipped (its session reopened next time): the errors are returned.
   */
  async sample(): Promise<string[]> {
    const errors: string[] = [];
    for (const [database, f] of this.#followed) {
      if (f.queryids.size === 0) continue;
      try {
        await this.#sampleOne(database, f);
      } catch (err) {
        await f.session?.close().catch(() => undefined);
        f.session = null;
        errors.push(`reading statements of ${database}: ${(err as Error).message}`);
      }
    }
    return errors;
  }

  async #sampleOne(database: string, f: Followed): Promise<void> {
    if (!f.session) {
      const url = await this.databases.urlOf(database);
      if (!url) throw new Error('not a watched database');
      f.session = await this.open(url);
      f.schema = (await readPrerequisites(f.session)).schemas.statements;
    }
    if (f.schema === null) throw new Error('pg_stat_statements is not usable');
    const r = await f.session.query<{ queryid: string; calls: number; total_ms: number }>(
      marked(`SELECT queryid::text AS queryid, sum(calls)::float8 AS calls, sum(total_exec_time)::float8 AS total_ms
        FROM ${sqlIdent(f.schema)}.pg_stat_statements(false)
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND queryid = ANY($1::bigint[])
        GROUP BY queryid`),
      [[...f.queryids]],
    );
    const at = this.now();
    const cur = new Map(r.rows.map((x) => [x.queryid, { calls: x.calls, totalMs: x.total_ms }]));
    const points = statementPoints(database, f.prev, cur, f.prevAt, at);
    f.prev = cur;
    f.prevAt = at;
    if (points.length > 0) this.append(points);
  }

  /** Closes the sessions. */
  async close(): Promise<void> {
    for (const f of this.#followed.values()) {
      await f.session?.close().catch(() => undefined);
      f.session = null;
    }
  }
}
