import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Db, QueryResult, Queryable } from './db.js';
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

/**
 * Checks a client out of the pool with an error listener for as long as it is out: pg emits
 * 'error' on a client whose connection drops (server restart, outage), and a checked-out client has
 * no listener, so that would be an uncaught exception that kills the process. The statement under
 * way fails with the error anyway; the client is then destroyed instead of returned.
 */
async function checkOut(pool: pg.Pool): Promise<{ client: pg.PoolClient; release(broken: boolean): void }> {
  const client = await pool.connect();
  let lost = false;
  const onError = () => {
    lost = true;
  };
  client.on('error', onError);
  return {
    client,
    release(broken: boolean) {
      client.off('error', onError);
      client.release(broken || lost);
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
  const pool = new pg.Pool({
    connectionString: o.url,
    max: o.poolSize ?? 6,
    application_name: o.applicationName ?? 'perf-engine',
    options: `-c search_path=${o.schema}`,
    idleTimeoutMillis: 30_000,
  });
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it on next use.
  });
  const db: Db = {
    kind: 'postgres',
    schema: o.schema,
    async query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      const r = await pool.query(sql, params as unknown[] | undefined);
      return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
    },
    async exec(sql: string): Promise<void> {
      await pool.query(sql);
    },
    async copyBinary(copySql: string, payload: Buffer): Promise<void> {
      const { client, release } = await checkOut(pool);
      let broken = false;
      try {
        await copyOver(client)(copySql, payload);
      } catch (err) {
        broken = true;
        throw err;
      } finally {
        release(broken);
      }
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const { client, release } = await checkOut(pool);
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await fn(wrapClient(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true;
        }
        throw err;
      } finally {
        release(broken);
      }
    },
    async ping(): Promise<void> {
      await pool.query('SELECT 1');
    },
    async close(): Promise<void> {
      await pool.end();
    },
  };
  return db;
}
