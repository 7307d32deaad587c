/**
 * Reads a plan of `EXPLAIN (FORMAT JSON, VERBOSE)` for what an index could serve: sequential scans,
 * the columns their filters compare, the columns they are joined on and the columns sorted above them.
 */

/** How a column is used where an index could serve it. */
export type ColumnUse = 'eq' | 'range' | 'join' | 'sort';

/** A column of a scanned table and how the statement uses it. */
export interface ColumnNeed {
  readonly column: string;
  readonly use: ColumnUse;
}

/** A sequential scan of a table in a plan, with the columns an index could serve. */
export interface ScanNeed {
  readonly schema: string;
  readonly table: string;
  /** Rows the planner expects the scan to return (after its filter). */
  readonly planRows: number;
  readonly columns: readonly ColumnNeed[];
}

/** One node of an `EXPLAIN (FORMAT JSON)` plan: the fields read here. */
export interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Relation Name'?: string;
  readonly Schema?: string;
  readonly Alias?: string;
  readonly 'Total Cost'?: number;
  readonly 'Plan Rows'?: number;
  readonly Filter?: string;
  readonly 'Hash Cond'?: string;
  readonly 'Merge Cond'?: string;
  readonly 'Join Filter'?: string;
  readonly 'Sort Key'?: readonly string[];
  readonly 'Index Name'?: string;
  readonly Plans?: readonly PlanNode[];
}

/** The top plan node of an `EXPLAIN (FORMAT JSON)` result (its one element's `Plan`). */
export function topPlan(explainJson: unknown): PlanNode | null {
  const first = Array.isArray(explainJson) ? (explainJson[0] as { Plan?: PlanNode } | undefined) : undefined;
  return first?.Plan && typeof first.Plan['Node Type'] === 'string' ? first.Plan : null;
}

/** Every node of a plan, depth first. */
export function planNodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(planNodes)];
}

/** Whether the plan uses the index of that name. */
export function usesIndex(node: PlanNode, indexName: string): boolean {
  return planNodes(node).some((n) => n['Index Name'] === indexName);
}

const IDENT = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)`;
const QUALIFIED = new RegExp(String.raw`(?<![\w".$])(${IDENT})\.(${IDENT})(?![\w"(])`, 'g');
const AFTER_OP = /^(?:\)?::[A-Za-z_ ]+?(?:\[\])?)?\)*\s*(=|<>|!=|<=|>=|<|>|~~\*?|!~~|IS\s+NOT\s+NULL|IS\s+NULL)/i;
const BEFORE_OP = /(=|<=|>=|<|>)\s*\(?$/;
const FLIPPED: Record<string, string> = { '<': '>', '>': '<', '<=': '>=', '>=': '<=' };

function unquote(ident: string): string {
  return ident.startsWith('"') ? ident.slice(1, -1).replace(/""/g, '"') : ident;
}

function classify(op: string | undefined): ColumnUse | null {
  if (op === undefined) return null;
  const o = op.toUpperCase().replace(/\s+/g, ' ');
  if (o === '=' || o === 'IS NULL') return 'eq';
  if (o === '<' || o === '>' || o === '<=' || o === '>=') return 'range';
  return null;
}

/** A column reference `alias.column` found in an expression, with the comparison around it. */
interface ColumnRef {
  readonly alias: string;
  readonly column: string;
  readonly use: ColumnUse | null;
}

/**
 * Qualified column references of a plan expression (VERBOSE plans qualify every column with its
 * relation's alias) and how each is compared: equality, range or neither. A column inside a
 * function call (`lower(t.email)`) is not one a plain index serves, so it gets no use.
 */
export function columnRefs(expr: string): ColumnRef[] {
  const text = expr.replace(/'(?:[^']|'')*'/g, "''");
  const refs: ColumnRef[] = [];
  for (const m of text.matchAll(QUALIFIED)) {
    const start = m.index;
    const before = text.slice(0, start);
    const after = text.slice(start + m[0].length);
    const inCall = /[\w"]\($/.test(before.replace(/\(+$/, (p) => p.slice(0, 1)));
    const afterOp = AFTER_OP.exec(after)?.[1];
    const beforeOp = BEFORE_OP.exec(before)?.[1];
    const op = afterOp ?? (beforeOp === undefined ? undefined : (FLIPPED[beforeOp] ?? beforeOp));
    refs.push({ alias: unquote(m[1]!), column: unquote(m[2]!), use: inCall ? null : classify(op) });
  }
  return refs;
}

interface ScanSite {
  readonly schema: string;
  readonly table: string;
  readonly planRows: number;
  readonly columns: ColumnNeed[];
}

function addNeed(site: ScanSite | undefined, column: string, use: ColumnUse): void {
  if (!site || site.columns.some((c) => c.column === column && c.use === use)) return;
  site.columns.push({ column, use });
}

/** Sequential scans below a node, by alias. */
function seqScansBelow(node: PlanNode, sites: ReadonlyMap<PlanNode, ScanSite>): Map<string, ScanSite> {
  const out = new Map<string, ScanSite>();
  for (const n of planNodes(node)) {
    const site = sites.get(n);
    if (site && n.Alias) out.set(n.Alias, site);
  }
  return out;
}

/**
 * The sequential scans of a plan and the columns an index on their table could serve: columns
 * their filter compares, columns they are joined on, and columns sorted above them.
 */
export function scanNeeds(plan: PlanNode): ScanNeed[] {
  const sites = new Map<PlanNode, ScanSite>();
  for (const n of planNodes(plan)) {
    if (n['Node Type'] !== 'Seq Scan' || !n['Relation Name'] || !n.Schema) continue;
    const site: ScanSite = { schema: n.Schema, table: n['Relation Name'], planRows: n['Plan Rows'] ?? 0, columns: [] };
    sites.set(n, site);
    for (const r of columnRefs(n.Filter ?? '')) if (r.alias === n.Alias && r.use) addNeed(site, r.column, r.use);
  }
  for (const n of planNodes(plan)) {
    const conds = [n['Hash Cond'], n['Merge Cond'], n['Join Filter']].filter((c): c is string => c !== undefined);
    const keys = n['Node Type'].endsWith('Sort') ? (n['Sort Key'] ?? []) : [];
    if (conds.length === 0 && keys.length === 0) continue;
    const below = seqScansBelow(n, sites);
    for (const r of conds.flatMap(columnRefs)) if (r.use === 'eq') addNeed(below.get(r.alias), r.column, 'join');
    for (const k of keys) {
      const refs = columnRefs(k);
      const r = refs[0];
      if (refs.length === 1 && r && /^\s*[\w".]+(\s+(ASC|DESC))?(\s+NULLS\s+(FIRST|LAST))?\s*$/i.test(k)) addNeed(below.get(r.alias), r.column, 'sort');
    }
  }
  return [...sites.values()].filter((s) => s.columns.length > 0);
}
