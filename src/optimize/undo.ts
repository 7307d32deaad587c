import type { OptimizationAction } from '../model/optimization.js';
import { ActionCall } from '../wire/optimizing.js';
import { wireAjv } from '../wire/wire-ajv.js';
import type { ActionStep } from './proposal.js';

const checkStep = wireAjv.compile(ActionCall);

/** Why a step does not fit its action's parameter set (docs/subjects.md#closed-sets), or null when it does. */
export function stepProblem(step: { action: string; params: unknown }): string | null {
  const action = step.action;
  if (checkStep(step)) return null;
  const e = checkStep.errors?.find((x) => x.instancePath.startsWith('/params')) ?? checkStep.errors?.[0];
  return `${action} params${e?.instancePath.replace(/^\/params/, '').replace(/\//g, '.') ?? ''} ${e?.message ?? 'do not fit the action'}`;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The index name of a `CREATE INDEX` statement, or null. */
export function indexNameOf(ddl: string): string | null {
  const m = /^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?("(?:[^"]|"")+"|[A-Za-z_][\w$]*)\s+ON\b/i.exec(ddl);
  if (!m) return null;
  const name = m[1]!;
  return name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name.toLowerCase();
}

type Params = Readonly<Record<string, unknown>>;

/** Swaps the new value and `previous` of a setting: the same action puts the old value back. */
const swap = (p: Params, field: string): Params | null => ('previous' in p ? { ...p, [field]: p.previous, previous: p[field] } : null);

const UNDO: { readonly [A in OptimizationAction]?: (p: Params) => ActionStep | null } = {
  create_index: (p) => {
    const index = typeof p.index === 'string' ? p.index : typeof p.ddl === 'string' ? indexNameOf(p.ddl) : null;
    if (index === null) return null;
    const ddl = `DROP INDEX CONCURRENTLY IF EXISTS ${quote(String(p.schema))}.${quote(index)}`;
    return { action: 'drop_index', params: { database: p.database, schema: p.schema, table: p.table, index, ddl } };
  },
  drop_index: (p) => {
    const ddl = typeof p.create_ddl === 'string' ? p.create_ddl : null;
    if (ddl === null || !Array.isArray(p.columns)) return null;
    return { action: 'create_index', params: { database: p.database, schema: p.schema, table: p.table, columns: p.columns, method: p.method ?? 'btree', ddl, queryids: p.queryids ?? [], index: p.index } };
  },
  set_cpu_limit: (p) => {
    const q = swap(p, 'cpu_cores');
    return q && { action: 'set_cpu_limit', params: q };
  },
  set_memory_limit: (p) => {
    const q = swap(p, 'bytes');
    return q && { action: 'set_memory_limit', params: q };
  },
  set_agent_config: (p) => {
    const q = swap(p, 'value');
    return q && { action: 'set_agent_config', params: q };
  },
};

/**
 * The step that reverses `step`, derived from its parameters (docs/subjects.md#closed-sets):
 * `drop_index` of the index a `create_index` makes (named in `index` or in its DDL), `create_index`
 * from a `drop_index` that kept the index's `create_ddl` and `columns`, and the same setting with
 * `previous` put back for limits and agent settings. Null for advice, and when the parameters do
 * not say enough (the undo must then come with the proposal or the announcement).
 */
export function deriveUndo(step: ActionStep): ActionStep | null {
  const undo = UNDO[step.action]?.(step.params) ?? null;
  return undo !== null && stepProblem(undo) === null ? undo : null;
}
