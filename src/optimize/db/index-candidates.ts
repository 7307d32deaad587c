import type { ColumnUse, ScanNeed } from './plan-needs.js';

/** An index that could serve a statement: one or two columns of one table, btree. */
export interface IndexCandidate {
  readonly schema: string;
  readonly table: string;
  readonly columns: readonly string[];
  readonly method: 'btree';
}

/** What the advisor knows of a table: its size and the leading columns of its valid btree indexes. */
export interface TableFacts {
  /** Rows the planner's statistics count (pg_class.reltuples; -1 or 0 when never analysed). */
  readonly rows: number;
  /** Key columns of each valid btree index, in order. */
  readonly indexes: readonly (readonly string[])[];
}

/** Tables with fewer rows are read whole faster than through an index: no candidate for them. */
export const MIN_TABLE_ROWS = 1000;
/** A filter is selective when the scan keeps at most this share of the table's rows. */
export const MAX_FILTER_SELECTIVITY = 0.3;
/** Most candidates costed for one statement (each is one hypothetical index and one EXPLAIN). */
export const MAX_CANDIDATES_PER_STATEMENT = 12;

/** `schema.table`, the key of {@link TableFacts} maps. */
export function tableKey(schema: string, table: string): string {
  return `${schema}.${table}`;
}

function columnsOf(need: ScanNeed, uses: readonly ColumnUse[]): string[] {
  return [...new Set(need.columns.filter((c) => uses.includes(c.use)).map((c) => c.column))];
}

/** True when an existing index already starts with these columns (the planner has it already). */
function covered(columns: readonly string[], indexes: readonly (readonly string[])[]): boolean {
  return indexes.some((ix) => columns.length <= ix.length && columns.every((c, i) => ix[i] === c));
}

/**
 * Index candidates for the sequential scans of one statement: each usable column alone, and pairs
 * led by a column compared for equality (filter or join) followed by another equality, a range or
 * a sort column, the order in which a btree serves them. Filters that keep most of the table, tiny
 * tables and indexes the table already has are left out; the planner, through hypothetical
 * indexes, decides among the rest.
 */
export function indexCandidates(needs: readonly ScanNeed[], tables: ReadonlyMap<string, TableFacts>): IndexCandidate[] {
  const out: IndexCandidate[] = [];
  const seen = new Set<string>();
  const add = (need: ScanNeed, columns: readonly string[], facts: TableFacts) => {
    const key = `${tableKey(need.schema, need.table)}(${columns.join(',')})`;
    if (seen.has(key) || covered(columns, facts.indexes)) return;
    seen.add(key);
    out.push({ schema: need.schema, table: need.table, columns: [...columns], method: 'btree' });
  };
  const pairs: [ScanNeed, string[], TableFacts][] = [];
  for (const need of needs) {
    const facts = tables.get(tableKey(need.schema, need.table));
    if (!facts || facts.rows < MIN_TABLE_ROWS) continue;
    const selective = need.planRows <= facts.rows * MAX_FILTER_SELECTIVITY;
    const filters = selective ? ['eq', 'range'] as const : [];
    const leading = columnsOf(need, selective ? ['eq', 'join'] : ['join']);
    const usable = columnsOf(need, [...filters, 'join', 'sort']);
    for (const c of usable) add(need, [c], facts);
    for (const lead of leading) for (const next of usable) if (next !== lead) pairs.push([need, [lead, next], facts]);
  }
  for (const [need, columns, facts] of pairs) add(need, columns, facts);
  return out.slice(0, MAX_CANDIDATES_PER_STATEMENT);
}

/** Quotes an identifier for SQL, always (a column may be named like a keyword). */
export function sqlIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

const byteLength = (text: string): number => new TextEncoder().encode(text).length;

/** A short stable hash of a text, in hex (FNV-1a, 32 bits). */
function shortHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/**
 * Name of the index the advisor proposes: `<table>_<columns>_pe_idx` (the `pe` marks it as the
 * engine's), shortened with a hash to PostgreSQL's 63 bytes when longer.
 */
export function indexName(table: string, columns: readonly string[]): string {
  const name = `${table}_${columns.join('_')}_pe_idx`;
  if (byteLength(name) <= 63) return name;
  const hash = shortHash(name);
  let head = name.slice(0, 63 - hash.length - 8);
  while (byteLength(head) > 63 - hash.length - 8) head = head.slice(0, -1);
  return `${head}_${hash}_pe_idx`;
}

/** The statement a candidate is created with: concurrently, and a no-op when it exists. */
export function createIndexDdl(c: IndexCandidate, name: string): string {
  return `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${sqlIdent(name)} ON ${sqlIdent(c.schema)}.${sqlIdent(c.table)} USING ${c.method} (${c.columns.map(sqlIdent).join(', ')})`;
}

/** The statement HypoPG is given for a candidate (no name, not concurrent). */
export function hypotheticalDdl(c: IndexCandidate): string {
  return `CREATE INDEX ON ${sqlIdent(c.schema)}.${sqlIdent(c.table)} USING ${c.method} (${c.columns.map(sqlIdent).join(', ')})`;
}

/** The statement an index is dropped with: concurrently, and a no-op when it is gone. */
export function dropIndexDdl(schema: string, name: string): string {
  return `DROP INDEX CONCURRENTLY IF EXISTS ${sqlIdent(schema)}.${sqlIdent(name)}`;
}
