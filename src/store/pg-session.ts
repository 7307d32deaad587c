import pg from 'pg';
import type { QueryResult } from './db.js';

/**
 * One connection to a PostgreSQL database, as it is: no schema created, no search_path set. For
 * work that needs a single session (prepared statements, session settings, advisory locks,
 * `CREATE INDEX CONCURRENTLY` outside a transaction) on databases the engine watches but does not own.
 */
export interface PgSession {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  close(): Promise<void>;
}

/** Options of a session. */
export interface PgSessionOptions {
  readonly applicationName?: string;
  readonly connectTimeoutMs?: number;
}

/** Opens one connection to `url`; numeric and bigint values come back as strings, as with the pool. */
export async function openPgSession(url: string, o: PgSessionOptions = {}): Promise<PgSession> {
  const client = new pg.Client({
    connectionString: url,
    application_name: o.applicationName ?? 'perf-engine',
    connectionTimeoutMillis: o.connectTimeoutMs ?? 10_000,
  });
  client.on('error', () => {
    // A lost connection fails the next query, which the caller sees.
  });
  await client.connect();
  return {
    async query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      const r = await client.query(sql, params as unknown[] | undefined);
      return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
    },
    async close(): Promise<void> {
      await client.end();
    },
  };
}
