import type { Db } from './db.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';

/** Advisory lock key that serialises migrations across engine instances sharing a database. */
const MIGRATION_LOCK = 0x70657266;

/** What `migrate` did. */
export interface MigrateResult {
  readonly applied: readonly { version: number; name: string }[];
  readonly current: number;
}

/**
 * Applies every migration not yet recorded in `schema_migrations`, all in one transaction (all
 * or nothing). Idempotent; safe to run from several engines at once (an advisory lock serialises them).
 */
export async function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrateResult> {
  await db.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
  )`);
  const applied: { version: number; name: string }[] = [];
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    const done = new Set(
      (await tx.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version),
    );
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await tx.exec(m.up);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push({ version: m.version, name: m.name });
    }
  });
  const current = migrations.reduce((v, m) => Math.max(v, m.version), 0);
  return { applied, current };
}
