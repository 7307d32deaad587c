import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Db, DbPool, QueryResult, Queryable } from './db.js';
import { quoteIdent } from './db.js';

// Timestamps come back as Date from pg; bigint (int8) as string. Both are mapped by callers.

/** Options of the PostgreSQL handle. */
export interface PgDbOptions {
  readonly url: string;
  readonly schema: string;
  readonly poolSize?: number;
  readonly applicationName?: string;
}

function copyOver(client: pg.PoolClient): (copySql: string, payload: Buffer) => Promise<void> {
  return (copySql, payload) =>
    new Promise<void>((resolve, reject) => {
      const stream = client.query(copyFrom(copySql));
      stream.on('finish', () => resolve());
      stream.on('error', reject);
      stream.end(payload);
    });
}

function wrapClient(client: pg.PoolClient): Queryable {
  return {
    query: async <R>(sql: string, params?: readonly unknown[]) => {
      const r = await client.query(sql, params as unknown[] | undefined);
      return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
    },
    exec: async (sql: string) => {
      await client.query(sql);
    },
    copyBinary: copyOver(client),
  };
}

/** A pg pool with its wait and hold times counted, resizable while in use. */
interface CountedPool extends DbPool {
  /**
   * Runs `fn` on a pooled client. When `fn` fails, the client is closed if `broken()` says so
   * (by default always, as `pool.query` does).
   */
  withClient<T>(fn: (client: pg.PoolClient) => Promise<T>, broken?: () => boolean): Promise<T>;
}

function countedPool(pool: pg.Pool): CountedPool {
  let acquired = 0;
  let waitMs = 0;
  let holdMs = 0;
  return {
    async withClient<T>(fn: (client: pg.PoolClient) => Promise<T>, broken = () => true): Promise<T> {
      const t0 = performance.now();
      const client = await pool.connect();
      const t1 = performance.now();
      acquired++;
      waitMs += t1 - t0;
      let close = false;
      try {
        return await fn(client);
      } catch (err) {
        close = broken();
        throw err;
      } finally {
        holdMs += performance.now() - t1;
        // A pool shrunk by `resize` also closes connections as they come back, until it fits.
        client.release(close || pool.totalCount > pool.options.max);
      }
    },
    stats: () => ({ max: pool.options.max, total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, acquired, waitMs, holdMs }),
    resize(next: number): void {
      if (!Number.isInteger(next) || next < 1) throw new RangeError(`pool size must be an integer >= 1, not ${next}`);
      pool.options.max = next;
    },
  };
}

/** Opens a pool on PostgreSQL, creating the schema when missing. */
export async function openPgDb(o: PgDbOptions): Promise<Db> {
  const bootstrap = new pg.Client({ connectionString: o.url, application_name: o.applicationName ?? 'perf-engine' });
  await bootstrap.connect();
  try {
    await bootstrap.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(o.schema)}`);
  } finally {
    await bootstrap.end();
  }
  const max = o.poolSize ?? 6;
  const pool = new pg.Pool({
    connectionString: o.url,
    max,
    application_name: o.applicationName ?? 'perf-engine',
    options: `-c search_path=${o.schema}`,
    idleTimeoutMillis: 30_000,
  });
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it on next use.
  });
  const counted = countedPool(pool);
  const db: Db = {
    kind: 'postgres',
    schema: o.schema,
    async query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      const r = await counted.withClient((c) => c.query(sql, params as unknown[] | undefined));
      return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
    },
    async exec(sql: string): Promise<void> {
      await counted.withClient((c) => c.query(sql));
    },
    copyBinary: (copySql: string, payload: Buffer): Promise<void> =>
      counted.withClient(
        (c) => copyOver(c)(copySql, payload),
        () => false,
      ),
    transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      let rollbackFailed = false;
      return counted.withClient(
        async (client) => {
          try {
            await client.query('BEGIN');
            const result = await fn(wrapClient(client));
            await client.query('COMMIT');
            return result;
          } catch (err) {
            try {
              await client.query('ROLLBACK');
            } catch {
              rollbackFailed = true;
            }
            throw err;
          }
        },
        // Rolled back, the connection is reusable; only a failed ROLLBACK leaves it unusable.
        () => rollbackFailed,
      );
    },
    async ping(): Promise<void> {
      await counted.withClient((c) => c.query('SELECT 1'));
    },
    async close(): Promise<void> {
      await pool.end();
    },
    pool: { stats: counted.stats, resize: counted.resize },
  };
  return db;
}
