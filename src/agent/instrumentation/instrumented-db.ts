import { performance } from 'node:perf_hooks';
import type { Db, QueryResult, Queryable } from '../../store/db.js';
import type { WorkStats } from './work-stats.js';

function timed<T>(stats: WorkStats, run: () => Promise<T>): Promise<T> {
  const t0 = stats.begin() ? performance.now() : -1;
  const took = (): number => (t0 >= 0 ? performance.now() - t0 : -1);
  let p: Promise<T>;
  try {
    p = run();
  } catch (err) {
    stats.end(took(), true);
    throw err;
  }
  return p.then(
    (r) => {
      stats.end(took(), false);
      return r;
    },
    (err: unknown) => {
      stats.end(took(), true);
      throw err;
    },
  );
}

function instrumentQueryable(q: Queryable, stats: WorkStats): Queryable {
  return {
    query: <R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> => timed(stats, () => q.query<R>(sql, params)),
    exec: (sql: string) => timed(stats, () => q.exec(sql)),
    ...(q.copyBinary ? { copyBinary: q.copyBinary } : {}),
  };
}

/**
 * The database handle an SDK agent's code receives: the same `Db`, with every `query` and `exec`
 * (inside transactions too) counted into `stats` and timed (sampled at high rates, see
 * `WorkStats`) from the call to its settlement, pool wait included: that is what the caller waits
 * for. Bulk copies pass through uncounted.
 */
export function instrumentDb(db: Db, stats: WorkStats): Db {
  const q = instrumentQueryable(db, stats);
  return {
    kind: db.kind,
    schema: db.schema,
    query: q.query,
    exec: q.exec,
    ...(db.copyBinary ? { copyBinary: db.copyBinary } : {}),
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) => db.transaction((tx) => fn(instrumentQueryable(tx, stats))),
    ...(db.pool ? { pool: db.pool } : {}),
    ping: () => db.ping(),
    close: () => db.close(),
  };
}
