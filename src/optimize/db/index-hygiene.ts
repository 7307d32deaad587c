import { toValidName } from '../../model/metric-names.js';
import type { OptimizationProposal } from '../proposal.js';
import { dropIndexDdl } from './index-candidates.js';
import { DB_STATEMENT_MEAN_MS, statementSource } from './statement-series.js';

/** An existing index as the catalog and its statistics describe it. */
export interface IndexFacts {
  readonly schema: string;
  readonly table: string;
  readonly index: string;
  /** Access method: btree, hash, gist... */
  readonly method: string;
  /** Key columns (or expressions) in order. */
  readonly keys: readonly string[];
  /** Per key: column or expression, operator class, collation and options; equal signatures index alike. */
  readonly keySignature: readonly string[];
  /** INCLUDE columns after the keys. */
  readonly includeCount: number;
  /** WHERE clause of a partial index. */
  readonly predicate: string | null;
  readonly unique: boolean;
  readonly primary: boolean;
  /** Backs a constraint (primary key, unique, exclusion): never dropped by itself. */
  readonly constraint: boolean;
  readonly valid: boolean;
  /** Index scans since the statistics were reset (pg_stat_user_indexes.idx_scan). */
  readonly scans: number;
  readonly sizeBytes: number;
  /** pg_get_indexdef: the statement that rebuilds it. */
  readonly definition: string;
}

/** An index that could be dropped and why. */
export interface DropCandidate {
  readonly reason: 'unused' | 'duplicate';
  readonly index: IndexFacts;
  /** The index that serves everything this one serves (duplicates). */
  readonly coveredBy: string | null;
  /** Days over which its scans were counted. */
  readonly observedDays: number;
}

const enforces = (ix: IndexFacts) => ix.unique || ix.primary || ix.constraint;

/** Whether `b` serves every lookup `a` serves: same table, method and predicate, and `a`'s keys lead `b`'s. */
function covers(a: IndexFacts, b: IndexFacts): boolean {
  if (a === b || !b.valid || a.schema !== b.schema || a.table !== b.table || a.method !== b.method) return false;
  if (a.predicate !== b.predicate || a.includeCount > 0) return false;
  const n = a.keySignature.length;
  if (a.method !== 'btree' ? n !== b.keySignature.length : n > b.keySignature.length) return false;
  return a.keySignature.every((k, i) => b.keySignature[i] === k);
}

/** Of two identical indexes the one kept: the one enforcing something, else the more scanned, else the first by name. */
function keeps(b: IndexFacts, a: IndexFacts): boolean {
  if (enforces(b) !== enforces(a)) return enforces(b);
  if (b.scans !== a.scans) return b.scans > a.scans;
  return b.index < a.index;
}

/**
 * Indexes that cost writes and serve nothing: duplicates (another valid index of the same table,
 * method and predicate starts with the same keys, so it serves every lookup this one serves) and
 * unused ones (no scan over the days `observedDays` says were watched, at least `minDays`).
 * Indexes enforcing a primary key, unique or exclusion constraint, and invalid ones, are never candidates.
 */
export function dropCandidates(indexes: readonly IndexFacts[], observedDays: (ix: IndexFacts) => number, minDays: number): DropCandidate[] {
  const out: DropCandidate[] = [];
  for (const a of indexes) {
    if (enforces(a) || !a.valid) continue;
    const cover = indexes.find((b) => covers(a, b) && (b.keySignature.length > a.keySignature.length || keeps(b, a)));
    if (cover) out.push({ reason: 'duplicate', index: a, coveredBy: cover.index, observedDays: observedDays(a) });
    else if (a.scans === 0 && observedDays(a) >= minDays) out.push({ reason: 'unused', index: a, coveredBy: null, observedDays: observedDays(a) });
  }
  return out;
}

/** Whether a statement writes to the table (INSERT INTO, UPDATE, DELETE FROM, with or without schema). */
export function writesTo(query: string, schema: string, table: string): boolean {
  const name = (n: string) => `(?:"${n.replace(/"/g, '""')}"|${/^[a-z_][a-z0-9_$]*$/.test(n) ? n : '(?!)'})`;
  const target = `(?:${name(schema)}\\.)?${name(table)}`;
  return new RegExp(`^\\s*(?:with\\b[\\s\\S]*?\\)\\s*)?(?:insert\\s+into|update(?:\\s+only)?|delete\\s+from(?:\\s+only)?)\\s+${target}(?![\\w$."])`, 'i').test(query);
}

/** The CREATE INDEX statement that rebuilds a dropped index, concurrently and idempotently. */
export function rebuildDdl(definition: string): string {
  return definition.replace(/^CREATE (UNIQUE )?INDEX /i, (_m, u: string | undefined) => `CREATE ${u ?? ''}INDEX CONCURRENTLY IF NOT EXISTS `);
}

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

function rationale(d: DropCandidate): string {
  const ix = d.index;
  const what = `index ${ix.schema}.${ix.index} on ${ix.table} (${ix.keys.join(', ')}, ${mib(ix.sizeBytes)})`;
  if (d.reason === 'duplicate') return `${what} is covered by ${d.coveredBy}, which serves every lookup it serves; it only costs writes and space`;
  return `${what} has not been scanned in the ${d.observedDays.toFixed(1)} days its statistics cover; it only costs writes and space`;
}

/**
 * A `drop_index` proposal for each candidate, undone by rebuilding the index from its definition.
 * It is judged on the mean time of the statements that write to the table (`writers`: queryid and
 * text of the database's ranked statements), which lose the index's upkeep.
 */
export function dropProposals(
  database: string,
  candidates: readonly DropCandidate[],
  writers: readonly { readonly queryid: string; readonly query: string }[],
): OptimizationProposal[] {
  return candidates.map((d) => {
    const ix = d.index;
    const base = { database, schema: ix.schema, table: ix.table };
    const queryids = writers.filter((w) => writesTo(w.query, ix.schema, ix.table)).map((w) => w.queryid);
    return {
      action: 'drop_index',
      params: { ...base, index: ix.index, ddl: dropIndexDdl(ix.schema, ix.index), reason: d.reason },
      undo: {
        action: 'create_index',
        params: { ...base, columns: [...ix.keys], method: ix.method, index: ix.index, ddl: rebuildDdl(ix.definition), queryids: [] },
      },
      source: toValidName(database),
      bottleneckId: null,
      rationale: rationale(d),
      predicted: { size_bytes: ix.sizeBytes, scans: ix.scans, covered_by: d.coveredBy, observed_days: Number(d.observedDays.toFixed(1)) },
      expect: queryids.map((q) => ({ metric: DB_STATEMENT_MEAN_MS, direction: 'decrease', source: statementSource(database, q) })),
      key: `drop_index:${database}.${ix.schema}.${ix.index}`,
    } satisfies OptimizationProposal;
  });
}
