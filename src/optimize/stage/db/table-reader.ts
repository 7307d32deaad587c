import type { BlockReads, LockWait } from '../../db/db-health.js';
import { tableKey, type TableFacts } from '../../db/index-candidates.js';
import type { TableTraffic } from '../../db/index-choice.js';
import type { IndexFacts } from '../../db/index-hygiene.js';
import { marked } from './catalog-reader.js';
import type { SqlSession } from './sql-session.js';

interface IndexRow {
  schema: string;
  table: string;
  index: string;
  method: string;
  keys: string[];
  signature: string[];
  include_count: number;
  predicate: string | null;
  unique: boolean;
  primary: boolean;
  constraint: boolean;
  valid: boolean;
  scans: number;
  size_bytes: number;
  definition: string;
}

/** Every index of the database's user tables, with its keys, flags, scans and size. */
export async function readIndexes(q: SqlSession): Promise<IndexFacts[]> {
  const r = await q.query<IndexRow>(
    marked(`SELECT s.schemaname AS schema, s.relname AS table, s.indexrelname AS index, am.amname AS method,
      array(SELECT coalesce(a.attname::text, pg_get_indexdef(i.indexrelid, k, true)) FROM generate_series(1, i.indnkeyatts) k
        LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1] AND i.indkey[k - 1] <> 0 ORDER BY k) AS keys,
      array(SELECT pg_get_indexdef(i.indexrelid, k, true) || '|' || i.indclass[k - 1] || '|' || i.indcollation[k - 1] || '|' || i.indoption[k - 1]
        FROM generate_series(1, i.indnkeyatts) k ORDER BY k) AS signature,
      (i.indnatts - i.indnkeyatts)::int AS include_count, pg_get_expr(i.indpred, i.indrelid) AS predicate,
      i.indisunique AS unique, i.indisprimary AS primary,
      EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) AS constraint,
      i.indisvalid AS valid, s.idx_scan::float8 AS scans, pg_relation_size(s.indexrelid)::float8 AS size_bytes,
      pg_get_indexdef(i.indexrelid) AS definition
      FROM pg_stat_user_indexes s JOIN pg_index i ON i.indexrelid = s.indexrelid
      JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
      ORDER BY 1, 2, 3`),
  );
  return r.rows.map((x) => ({
    schema: x.schema,
    table: x.table,
    index: x.index,
    method: x.method,
    keys: x.keys,
    keySignature: x.signature,
    includeCount: x.include_count,
    predicate: x.predicate,
    unique: x.unique,
    primary: x.primary,
    constraint: x.constraint,
    valid: x.valid,
    scans: x.scans,
    sizeBytes: x.size_bytes,
    definition: x.definition,
  }));
}

/** What candidates need of the tables a statement scans: row estimates, usable btree indexes, traffic. */
export interface TableReadings {
  readonly facts: Map<string, TableFacts>;
  readonly traffic: Map<string, TableTraffic>;
}

/** Row estimates and traffic of the given tables; their usable indexes come from `indexes`. */
export async function readTables(
  q: SqlSession,
  tables: readonly { readonly schema: string; readonly table: string }[],
  indexes: readonly IndexFacts[],
): Promise<TableReadings> {
  const facts = new Map<string, TableFacts>();
  const traffic = new Map<string, TableTraffic>();
  if (tables.length === 0) return { facts, traffic };
  const r = await q.query<{ schema: string; table: string; rows: number; written: number; read: number }>(
    marked(`SELECT n.nspname AS schema, c.relname AS table, c.reltuples::float8 AS rows,
      coalesce(s.n_tup_ins + s.n_tup_upd + s.n_tup_del, 0)::float8 AS written,
      (coalesce(s.seq_tup_read, 0) + coalesce(s.idx_tup_fetch, 0))::float8 AS read
      FROM unnest($1::text[], $2::text[]) AS t(schema, name)
      JOIN pg_namespace n ON n.nspname = t.schema JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = t.name
      LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid`),
    [tables.map((t) => t.schema), tables.map((t) => t.table)],
  );
  for (const row of r.rows) {
    const key = tableKey(row.schema, row.table);
    const usable = indexes
      .filter((ix) => ix.schema === row.schema && ix.table === row.table && ix.valid && ix.method === 'btree' && ix.predicate === null)
      .map((ix) => ix.keys);
    facts.set(key, { rows: row.rows, indexes: usable });
    traffic.set(key, { written: row.written, read: row.read });
  }
  return { facts, traffic };
}

/** Block reads of the database (cache hits and reads) and its deadlocks since the statistics reset. */
export async function readDatabaseBlocks(q: SqlSession): Promise<BlockReads & { deadlocks: number }> {
  const r = await q.query<{ hit: number; read: number; deadlocks: number }>(
    marked(`SELECT blks_hit::float8 AS hit, blks_read::float8 AS read, deadlocks::float8 AS deadlocks FROM pg_stat_database WHERE datname = current_database()`),
  );
  return r.rows[0] ?? { hit: 0, read: 0, deadlocks: 0 };
}

/** Block reads of the 20 tables (heap and indexes) that read the most from outside the cache. */
export async function readTableBlocks(q: SqlSession): Promise<Map<string, BlockReads>> {
  const r = await q.query<{ table: string; hit: number; read: number }>(
    marked(`SELECT schemaname || '.' || relname AS table, (heap_blks_hit + coalesce(idx_blks_hit, 0))::float8 AS hit,
      (heap_blks_read + coalesce(idx_blks_read, 0))::float8 AS read
      FROM pg_statio_user_tables ORDER BY heap_blks_read + coalesce(idx_blks_read, 0) DESC LIMIT 20`),
  );
  return new Map(r.rows.map((x) => [x.table, { hit: x.hit, read: x.read }]));
}

/** Masks what a statement text may carry of a secret (`PASSWORD '...'`). */
function maskQuery(query: string): string {
  return query.replace(/(password\s+)'(?:[^']|'')*'/gi, "$1'***'");
}

/** Sessions of this database waiting for a lock now, with the sessions blocking them. */
export async function readLockWaits(q: SqlSession): Promise<LockWait[]> {
  const r = await q.query<{ pid: number; waiting_ms: number | null; locktype: string | null; mode: string | null; relation: string | null; blocked_by: number[]; query: string | null }>(
    marked(`SELECT a.pid, (extract(epoch FROM now() - coalesce(l.waitstart, a.query_start)) * 1000)::float8 AS waiting_ms,
      l.locktype, l.mode, l.relation::regclass::text AS relation, pg_blocking_pids(a.pid) AS blocked_by, left(a.query, 200) AS query
      FROM pg_stat_activity a
      LEFT JOIN LATERAL (SELECT locktype, mode, relation, waitstart FROM pg_locks WHERE pid = a.pid AND NOT granted LIMIT 1) l ON true
      WHERE a.datname = current_database() AND a.wait_event_type = 'Lock' AND a.pid <> pg_backend_pid()`),
  );
  return r.rows.map((x) => ({
    pid: x.pid,
    waitingMs: x.waiting_ms ?? 0,
    lockType: x.locktype,
    mode: x.mode,
    relation: x.relation,
    blockedBy: x.blocked_by,
    query: maskQuery(x.query ?? ''),
  }));
}
