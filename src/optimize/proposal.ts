import type { ExpectDirection, OptimizationAction } from '../model/optimization.js';

/** A metric by which an optimization is judged, registered before it is applied. */
export interface ExpectedMove {
  readonly metric: string;
  readonly direction: ExpectDirection;
  /** The source whose series is judged; the optimization's own source when absent. */
  readonly source?: string;
}

/** An action with its parameters: what an optimization does, or what undoes it. */
export interface ActionStep {
  readonly action: OptimizationAction;
  readonly params: Readonly<Record<string, unknown>>;
}

/**
 * What an advisor proposes (database, resource limits, agent configuration, bottleneck rules):
 * the action, its exact undo, why, what it is predicted to do, and the metrics that will judge it.
 * Advisors are pure and return these; the optimization stage stores, publishes and follows them.
 */
export interface OptimizationProposal extends ActionStep {
  /** The source the action changes or that suffers the bottleneck; null for a database-wide action. */
  readonly source: string | null;
  /** The bottleneck that led to it, when one did (a database proposal can exist without one). */
  readonly bottleneckId: string | null;
  /** Null for advice (profile, scale_out, restart_before_exhaustion, move_off_event_loop). */
  readonly undo: ActionStep | null;
  readonly rationale: string;
  /** Predicted effect: planner cost before and after, expected throttling, expected latency... */
  readonly predicted: Readonly<Record<string, unknown>>;
  readonly expect: readonly ExpectedMove[];
  /**
   * Identity of the change (action and target, e.g. `create_index:db.public.orders(customer_id)`):
   * while an optimization with the same key is open, the same change is not proposed again.
   */
  readonly key: string;
}

/** Where advisors hand their proposals: the optimization lifecycle, which deduplicates by `key`. */
export type ProposalSink = (p: OptimizationProposal) => Promise<{ readonly optimizationId: string; readonly created: boolean }>;

/**
 * Carries out the actions of one family (indexes, cgroup limits, agent configuration) when the
 * local configuration allows the engine to apply them itself. Both calls are idempotent: applying
 * what is already in place, or undoing what is already undone, succeeds without a change.
 */
export interface ActionApplier {
  readonly actions: readonly OptimizationAction[];
  apply(step: ActionStep): Promise<void>;
}
