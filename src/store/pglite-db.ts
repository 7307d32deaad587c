import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { Db, QueryResult, Queryable } from './db.js';
import { quoteIdent } from './db.js';

interface PgliteQueryable {
  query<R>(sql: string, params?: unknown[]): Promise<{ rows: R[]; affectedRows?: number }>;
  exec(sql: string): Promise<unknown>;
}

function wrap(q: PgliteQueryable): Queryable {
  return {
    query: async <R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> => {
      const r = await q.query<R>(sql, params as unknown[] | undefined);
      return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
    },
    exec: async (sql: string) => {
      await q.exec(sql);
    },
  };
}

/**
 * Opens the embedded PGlite database in `dataDir` (created when missing). One process at a time
 * may open a data folder: the engine holds a lock file beside it.
 */
export async function openPgliteDb(dataDir: string | null, schema: string): Promise<Db> {
  if (dataDir !== null) mkdirSync(dataDir, { recursive: true });
  const lite = dataDir === null ? new PGlite() : new PGlite(dataDir);
  await lite.waitReady;
  await lite.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}; SET search_path TO ${quoteIdent(schema)}`);
  const base = wrap(lite);
  return {
    kind: 'pglite',
    schema,
    query: base.query,
    exec: base.exec,
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) => lite.transaction((tx) => fn(wrap(tx))) as Promise<T>,
    async ping() {
      await lite.query('SELECT 1');
    },
    async close() {
      await lite.close();
    },
  };
}
