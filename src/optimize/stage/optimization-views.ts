import type { Queryable } from '../../store/db.js';
import type { OptimizationStatusMessage } from '../../wire/optimizing.js';
import { statusMessage } from '../optimization-record.js';
import { getOptimization, listOptimizations, transitionsOf, type OptimizationFilter, type TransitionView } from './optimization-repo.js';

/** An optimization with its history, as `optimizations show` and `GET /api/v1/optimizations/:id` give it. */
export interface OptimizationDetail {
  readonly optimization: OptimizationStatusMessage;
  readonly transitions: readonly TransitionView[];
}

/** Optimizations as the contract's objects (their current `performance.optimization_status`), newest first. */
export async function optimizationViews(q: Queryable, f: OptimizationFilter): Promise<OptimizationStatusMessage[]> {
  return (await listOptimizations(q, f)).map(statusMessage);
}

/** One optimization with its transitions, or null. */
export async function optimizationDetail(q: Queryable, id: string): Promise<OptimizationDetail | null> {
  const r = await getOptimization(q, id);
  return r ? { optimization: statusMessage(r), transitions: await transitionsOf(q, id) } : null;
}
