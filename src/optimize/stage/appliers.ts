import type { OptimizationAction } from '../../model/optimization.js';
import type { ActionApplier } from '../proposal.js';

/** Two appliers claimed the same action. */
export class ApplierConflictError extends Error {
  override readonly name = 'ApplierConflictError';
  constructor(action: OptimizationAction) {
    super(`two appliers carry out ${action}`);
  }
}

/**
 * The appliers the engine can carry out actions with, one per action (the install list is in
 * engine/stages.ts: the index applier, the cgroup limit applier, the agent configuration
 * applier). Having an applier is not permission: the engine applies on its own only what
 * `optimization_auto_apply` allows, and on an operator's request.
 */
export class ApplierRegistry {
  readonly #byAction = new Map<OptimizationAction, ActionApplier>();

  constructor(appliers: readonly ActionApplier[] = []) {
    for (const a of appliers) {
      for (const action of a.actions) {
        if (this.#byAction.has(action)) throw new ApplierConflictError(action);
        this.#byAction.set(action, a);
      }
    }
  }

  /** The applier of `action`, or null. */
  get(action: OptimizationAction): ActionApplier | null {
    return this.#byAction.get(action) ?? null;
  }

  /** Actions some applier carries out. */
  actions(): OptimizationAction[] {
    return [...this.#byAction.keys()];
  }
}
