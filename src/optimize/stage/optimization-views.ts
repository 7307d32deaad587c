import type { Queryable } from '../../store/db.js';
import type { OptimizationStatusMessage } from '../../wire/optimizing.js';
import { statusMessage } from '../optimization-record.js';
import { getChangeProfiles, type ChangeProfiles } from './change-profiles.js';
import { getOptimization, listOptimizations, transitionsOf, type OptimizationFilter, type TransitionView } from './optimization-repo.js';

/** An optimization with its history, as `optimizations show` and `GET /api/v1/optimizations/:id` give it. */
export interface OptimizationDetail {
  readonly optimization: OptimizationStatusMessage;
  readonly transitions: readonly TransitionView[];
  /** For an agent change the engine profiled: the profiles before and after and the per-function difference (not in the wire message). */
  readonly profile_diff?: ChangeProfiles;
}

/** Optimizations as the contract's objects (their current `performance.optimization_status`), newest first. */
export async function optimizationViews(q: Queryable, f: OptimizationFilter): Promise<OptimizationStatusMessage[]> {
  return (await listOptimizations(q, f)).map(statusMessage);
}

/** One optimization with its transitions, or null. */
export async function optimizationDetail(q: Queryable, id: string): Promise<OptimizationDetail | null> {
  const r = await getOptimization(q, id);
  if (!r) return null;
  const profiles = r.action === 'set_agent_config' ? await getChangeProfiles(q, id) : null;
  return { optimization: statusMessage(r), transitions: await transitionsOf(q, id), ...(profiles ? { profile_diff: profiles } : {}) };
}
