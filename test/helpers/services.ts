import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { pino, type Logger } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { openPgDb } from '../../src/store/pg-db.js';
import type { Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { openPgliteDb } from '../../src/store/pglite-db.js';

/** The real PostgreSQL the integration tests use (CI starts it). */
export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** The real NATS server the integration tests use (CI starts it). */
export const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

/** A logger that prints nothing (set TEST_LOG=debug to see lines). */
export function quietLogger(): Logger {
  return pino({ level: process.env.TEST_LOG ?? 'silent' });
}

/** A fresh schema name, unique per test run. */
export function uniqueSchema(prefix = 't'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** Opens the real PostgreSQL on a new schema (migrated unless told not to); `drop` removes it. */
export async function testDatabase(opts: { migrate?: boolean } = {}): Promise<{ db: Db; schema: string; drop(): Promise<void> }> {
  const schema = uniqueSchema();
  const db = await openPgDb({ url: PG_URL, schema, poolSize: 4 });
  if (opts.migrate !== false) await migrate(db);
  return {
    db,
    schema,
    async drop() {
      await db.close();
      await dropSchema(schema);
    },
  };
}

/** A migrated database for a store test, and how to get rid of it. */
export type TestBackend = [name: string, open: () => Promise<{ db: Db; close(): Promise<void> }>];

/** The two backends a store test runs on: the real PostgreSQL (a new schema) and an in-memory PGlite. */
export function bothBackends(pgName = 'PostgreSQL', pgliteName = 'PGlite'): TestBackend[] {
  return [
    [
      pgName,
      async () => {
        const t = await testDatabase();
        return { db: t.db, close: () => t.drop() };
      },
    ],
    [
      pgliteName,
      async () => {
        const db = await openPgliteDb(null, 'public');
        await migrate(db);
        return { db, close: () => db.close() };
      },
    ],
  ];
}

/**
 * Opens a backend of {@link bothBackends} before the enclosing `describe`'s tests (its own
 * `beforeAll` hooks, registered after this call, run after it) and closes it after them.
 */
export function openedBackend(open: TestBackend[1]): { readonly db: Db } {
  let opened: { db: Db; close(): Promise<void> } | null = null;
  beforeAll(async () => {
    opened = await open();
  });
  afterAll(async () => opened?.close());
  return {
    get db(): Db {
      if (opened === null) throw new Error('openedBackend: the backend is opened in beforeAll, read db in a hook or a test');
      return opened.db;
    },
  };
}

/** Drops a schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await c.end();
  }
}

/** Resolves when `check` returns true, polling; rejects after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, everyMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
