import type { OptimizationProposal } from '../proposal.js';
import type { CacheHit, LockWait } from './db-health.js';
import type { RankedStatement } from './statements.js';

/** What the advisor needs and may find missing, each with the exact way to provide it. */
export const PREREQUISITES = ['postgresql', 'connection', 'pg_stat_statements', 'pg_read_all_stats', 'hypopg'] as const;
/** One of {@link PREREQUISITES}. */
export type Prerequisite = (typeof PREREQUISITES)[number];

/** A missing prerequisite: what lacks, what it prevents, and how to provide it. */
export interface MissingPiece {
  readonly what: Prerequisite;
  readonly detail: string;
  readonly fix: string;
}

/** The outcome of planning one ranked statement. */
export interface PlanOutcome {
  readonly queryid: string;
  /** Planner cost of its generic plan; null when it could not be planned. */
  readonly costBefore: number | null;
  /** Index candidates costed with hypothetical indexes. */
  readonly candidates: number;
  /** Key of the index proposed for it, if any. */
  readonly proposed: string | null;
  /** Why it was not planned (e.g. a parameter whose type cannot be inferred). */
  readonly error: string | null;
}

/** What one pass of the advisor cost the database. */
export interface AdvisorCost {
  /** Statements the advisor sent. */
  readonly statements: number;
  /** Their time, measured by the advisor around each (network included: an upper bound). */
  readonly ms: number;
  /** The window the pass stands for (the advisor interval); null for a one-off pass. */
  readonly windowMs: number | null;
  /** Statement time of the whole database over the window (pg_stat_statements); null when unknown. */
  readonly dbTimeMs: number | null;
  /** `ms` as a share of the window, in percent: the part of one connection's time the advisor took. */
  readonly shareOfWindowPct: number | null;
  /** `ms` as a share of the database's statement time over the window, in percent. */
  readonly shareOfDbTimePct: number | null;
}

/** Everything one pass of the database advisor found for one database. */
export interface DbFindings {
  /** The database's name (current_database()). */
  readonly database: string;
  /** Where it was reached, with any secret masked. */
  readonly target: string;
  /** When the pass ran (epoch ms). */
  readonly at: number;
  /** Start of the window the statement figures cover (previous pass or statistics reset; epoch ms). */
  readonly since: number | null;
  readonly missing: readonly MissingPiece[];
  /** The statements that consumed the most time over the window, most first. */
  readonly statements: readonly RankedStatement[];
  readonly planned: readonly PlanOutcome[];
  /** create_index and drop_index proposals. */
  readonly proposals: readonly OptimizationProposal[];
  readonly lockWaits: readonly LockWait[];
  /** Deadlocks since the last pass, or since `statsSince` on a first pass. */
  readonly deadlocks: number;
  /** Start of the database's statistics (last reset, else the server's start; epoch ms). */
  readonly statsSince: number;
  readonly cache: CacheHit | null;
  readonly cost: AdvisorCost;
  /** Set when the pass failed (the database could not be reached...). */
  readonly error: string | null;
}

/** Most share of the database's time the advisor may take: 1 % of its interval. */
export const ADVISOR_BUDGET_SHARE = 0.01;

/**
 * How many statements to plan next pass: half as many when this pass took more than its budget
 * (1 % of the interval), twice as many again (up to `max`) when it took less than half of it.
 */
export function nextPlanLimit(current: number, max: number, spentMs: number, intervalMs: number): number {
  const budget = intervalMs * ADVISOR_BUDGET_SHARE;
  if (spentMs > budget) return Math.max(1, Math.floor(current / 2));
  if (spentMs < budget / 2) return Math.min(max, current * 2);
  return Math.min(max, current);
}

/** The cost figures of a pass from the time it took, its window and the database's statement time. */
export function advisorCost(statements: number, ms: number, windowMs: number | null, dbTimeMs: number | null): AdvisorCost {
  const pct = (part: number, whole: number | null) => (whole !== null && whole > 0 ? Number(((100 * part) / whole).toFixed(4)) : null);
  return { statements, ms: Number(ms.toFixed(2)), windowMs, dbTimeMs, shareOfWindowPct: pct(ms, windowMs), shareOfDbTimePct: pct(ms, dbTimeMs) };
}

/** The findings of a pass that failed: the error, and when the database could not be reached, what to check. */
export function failedFindings(database: string, target: string, message: string, at: number, unreachable: boolean): DbFindings {
  const connection: MissingPiece = {
    what: 'connection',
    detail: `cannot connect to ${target}: ${message}`,
    fix: 'check the URL in optimize_databases (or database_url), that the server accepts connections from the engine, and the role and its password',
  };
  return {
    database,
    target,
    at,
    since: null,
    missing: unreachable ? [connection] : [],
    statements: [],
    planned: [],
    proposals: [],
    lockWaits: [],
    deadlocks: 0,
    statsSince: at,
    cache: null,
    cost: advisorCost(0, 0, null, null),
    error: message,
  };
}
