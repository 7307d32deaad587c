import type { OptimizationAction } from '../../../model/optimization.js';
import { dropIndexDdl } from '../../db/index-candidates.js';
import type { ActionApplier, ActionStep } from '../../proposal.js';
import { marked } from './catalog-reader.js';
import type { DatabaseDirectory } from './database-directory.js';
import type { SessionOpener, SqlSession } from './sql-session.js';

/** An applier's failure, with the step that failed. */
export class IndexApplyError extends Error {
  override readonly name = 'IndexApplyError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The parameters of an index step the applier relies on. */
interface IndexStep {
  readonly database: string;
  readonly schema: string;
  readonly table: string;
  readonly index: string;
  readonly ddl: string;
}

const text = (params: Readonly<Record<string, unknown>>, key: string): string => {
  const v = params[key];
  if (typeof v !== 'string' || v.length === 0) throw new IndexApplyError(`${key}: expected a non-empty string`);
  return v;
};

const unquote = (ident: string) => (ident.startsWith('"') ? ident.slice(1, -1).replace(/""/g, '"') : ident.toLowerCase());
const CREATE = /^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+(?:IF\s+NOT\s+EXISTS\s+)?("(?:[^"]|"")+"|[A-Za-z_][\w$]*)\s+ON\s/i;

/** The index a CREATE INDEX statement creates; the statement must be one CONCURRENTLY build. */
function createdIndex(ddl: string): string {
  const m = CREATE.exec(ddl);
  if (!m) throw new IndexApplyError(`ddl: expected one CREATE INDEX CONCURRENTLY statement naming its index, got: ${ddl}`);
  if (ddl.replace(/'(?:[^']|'')*'/g, "''").replace(/"(?:[^"]|"")*"/g, '""').includes(';')) throw new IndexApplyError('ddl: one statement only');
  return unquote(m[1]!);
}

function indexStep(step: ActionStep): IndexStep {
  const p = step.params;
  const base = { database: text(p, 'database'), schema: text(p, 'schema'), table: text(p, 'table') };
  if (step.action === 'drop_index') return { ...base, index: text(p, 'index'), ddl: dropIndexDdl(base.schema, text(p, 'index')) };
  const ddl = text(p, 'ddl');
  const index = createdIndex(ddl);
  if (p.index !== undefined && p.index !== index) throw new IndexApplyError(`ddl creates ${index}, params name ${String(p.index)}`);
  return { ...base, index, ddl };
}

/** State of an index by name: absent, or on which table and whether its build completed. */
async function indexState(s: SqlSession, schema: string, index: string): Promise<{ table: string; valid: boolean; scans: number } | null> {
  const r = await s.query<{ table: string; valid: boolean; scans: number }>(
    marked(`SELECT t.relname AS table, i.indisvalid AS valid, coalesce(pg_stat_get_numscans(i.indexrelid), 0)::float8 AS scans
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_index i ON i.indexrelid = c.oid JOIN pg_class t ON t.oid = i.indrelid
      WHERE n.nspname = $1 AND c.relname = $2`),
    [schema, index],
  );
  return r.rows[0] ?? null;
}

/** Whether an index exists, is valid and has been scanned: how an applied index is confirmed in use. */
export interface IndexUsage {
  readonly exists: boolean;
  readonly valid: boolean;
  /** Scans since the statistics were reset (pg_stat_user_indexes.idx_scan). */
  readonly scans: number;
}

/** Options of the index applier. */
export interface IndexApplierOptions {
  /** Longest wait for a lock (the table's, or old transactions a concurrent build waits out). */
  readonly lockTimeoutMs?: number;
}

/**
 * Creates and drops indexes on watched databases: `CREATE INDEX CONCURRENTLY` and `DROP INDEX
 * CONCURRENTLY`, so that writes go on, under `lock_timeout` and a session advisory lock per table
 * (two engines never build on one table at once). Idempotent: a valid index of that name on that
 * table is left as it is; an invalid one left by a failed build is dropped and built again; a build
 * that fails drops its invalid remains; dropping an absent index succeeds.
 */
export class IndexApplier implements ActionApplier {
  readonly actions: readonly OptimizationAction[] = ['create_index', 'drop_index'];

  constructor(
    private readonly databases: Pick<DatabaseDirectory, 'urlOf'>,
    private readonly open: SessionOpener,
    private readonly o: IndexApplierOptions = {},
  ) {}

  async apply(step: ActionStep): Promise<void> {
    if (!this.actions.includes(step.action)) throw new IndexApplyError(`not an index action: ${step.action}`);
    const p = indexStep(step);
    await this.#withLockedSession(p, async (s) => {
      if (step.action === 'drop_index') return void (await s.query(marked(p.ddl)));
      const before = await indexState(s, p.schema, p.index);
      if (before && before.table !== p.table) throw new IndexApplyError(`an index ${p.schema}.${p.index} already exists on table ${before.table}`);
      if (before?.valid) return;
      if (before) await s.query(marked(dropIndexDdl(p.schema, p.index)));
      try {
        await s.query(marked(p.ddl));
      } catch (err) {
        await s.query(marked(dropIndexDdl(p.schema, p.index))).catch(() => undefined);
        throw new IndexApplyError(`building ${p.schema}.${p.index} failed: ${(err as Error).message}`, { cause: err });
      }
      const after = await indexState(s, p.schema, p.index);
      if (!after?.valid) throw new IndexApplyError(`${p.schema}.${p.index} is not valid after its build`);
    });
  }

  /** Whether the index of a create_index step exists, is valid and is used (pg_stat_user_indexes.idx_scan). */
  async usage(params: Readonly<Record<string, unknown>>): Promise<IndexUsage> {
    const p = indexStep({ action: 'create_index', params });
    const s = await this.#session(p.database);
    try {
      const st = await indexState(s, p.schema, p.index);
      return { exists: st !== null, valid: st?.valid ?? false, scans: st?.scans ?? 0 };
    } finally {
      await s.close();
    }
  }

  async #session(database: string): Promise<SqlSession> {
    const url = await this.databases.urlOf(database);
    if (!url) throw new IndexApplyError(`database ${database} is not one the engine watches (optimize_databases)`);
    return this.open(url);
  }

  async #withLockedSession(p: IndexStep, fn: (s: SqlSession) => Promise<void>): Promise<void> {
    const s = await this.#session(p.database);
    try {
      await s.query(marked(`SET lock_timeout = ${Math.round(this.o.lockTimeoutMs ?? 5000)}`));
      const key = [`perf-engine:index`, `${p.schema}.${p.table}`];
      await s.query(marked('SELECT pg_advisory_lock(hashtext($1), hashtext($2))'), key);
      try {
        await fn(s);
      } finally {
        await s.query(marked('SELECT pg_advisory_unlock(hashtext($1), hashtext($2))'), key);
      }
    } finally {
      await s.close();
    }
  }
}
