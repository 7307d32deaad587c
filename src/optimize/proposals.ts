import type { AutoApplyName } from '../config/optimization-schema.js';
import type { BottleneckKind } from '../model/bottleneck.js';
import { CHANGING_ACTIONS, OPTIMIZATION_ACTIONS, type OptimizationAction, type OptimizationOrigin } from '../model/optimization.js';
import type { OptimizationRecord } from './optimization-record.js';
import type { ExpectedMove, OptimizationProposal } from './proposal.js';
import type { Recommendation } from './recommendations.js';
import { stepProblem } from './undo.js';

/** Whether an action changes something (and has an undo) rather than being advice. */
export function isChanging(action: OptimizationAction): boolean {
  return (CHANGING_ACTIONS as readonly string[]).includes(action);
}

/** Why an advisor's proposal cannot be taken, or null: parameters and undo fit their actions, a change has an undo and judging metrics. */
export function proposalProblem(p: OptimizationProposal): string | null {
  if (!(OPTIMIZATION_ACTIONS as readonly string[]).includes(p.action)) return `unknown action ${p.action}`;
  if (p.key.length === 0) return 'empty key';
  const params = stepProblem(p);
  if (params) return params;
  if (isChanging(p.action)) {
    if (p.undo === null) return `${p.action} needs its undo`;
    if (p.expect.length === 0) return `${p.action} needs the metrics that will judge it`;
  }
  return p.undo === null ? null : stepProblem(p.undo);
}

/** A new optimization in status `proposed` (or, for a change announced as made, about to be applied). */
export function proposedRecord(p: OptimizationProposal, id: string, origin: OptimizationOrigin, at: number): OptimizationRecord {
  return {
    id,
    key: p.key,
    origin,
    bottleneckId: p.bottleneckId,
    source: p.source,
    action: p.action,
    params: p.params,
    undo: p.undo,
    rationale: p.rationale,
    predicted: p.predicted,
    expect: p.expect,
    status: 'proposed',
    statusAt: at,
    reason: null,
    proposedAt: at,
    appliedAt: null,
    appliedBy: null,
    rolledBackAt: null,
    rolledBackBy: null,
    change: null,
    rollback: null,
    intent: null,
    version: 0,
  };
}

/** What the proposals of a bottleneck are built from (a stored bottleneck has all of it). */
export interface BottleneckFacts {
  readonly id: string;
  readonly source: string;
  readonly kind: BottleneckKind;
  readonly metric: string;
  readonly scope: 'agent' | 'process' | 'host';
  readonly recommendations: readonly Recommendation[];
}

/**
 * Metrics a bottleneck's remedy is judged on: its main metric should fall (every diagnostic metric
 * is worse when higher), and an agent's handler latency with it. A profile changes nothing and is
 * not judged.
 */
function expectFor(b: BottleneckFacts, action: OptimizationAction): ExpectedMove[] {
  if (action === 'profile') return [];
  const moves: ExpectedMove[] = [{ metric: b.metric, direction: 'decrease' }];
  if (b.scope === 'agent' && b.metric !== 'handler_latency_p95_ms') moves.push({ metric: 'handler_latency_p95_ms', direction: 'decrease' });
  return moves;
}

/**
 * The proposals among a bottleneck's recommendations: those whose action is in the closed set and
 * whose parameters are what that action needs (a `set_cpu_limit` that only says "1.5 times" stays
 * advice: the resource-limits advisor proposes the concrete limit). Changes get their undo from
 * the recommendation when it carries one. Keyed by action, source and setting, so that the same
 * advice for the same source is not proposed again while open.
 */
export function proposalsFromBottleneck(b: BottleneckFacts): OptimizationProposal[] {
  const out: OptimizationProposal[] = [];
  for (const rec of b.recommendations) {
    if (!(OPTIMIZATION_ACTIONS as readonly string[]).includes(rec.action)) continue;
    const action = rec.action as OptimizationAction;
    const undo = (rec as { undo?: OptimizationProposal['undo'] }).undo ?? null;
    const setting = typeof rec.params.key === 'string' ? `:${rec.params.key}` : '';
    const p: OptimizationProposal = {
      action,
      params: rec.params,
      source: b.source,
      bottleneckId: b.id,
      undo,
      rationale: rec.rationale,
      predicted: {},
      expect: expectFor(b, action),
      key: `${action}:${b.source}${setting}`,
    };
    if (proposalProblem(p) === null) out.push(p);
  }
  return out;
}

const FAMILIES: Readonly<Record<string, readonly OptimizationAction[]>> = {
  indexes: ['create_index', 'drop_index'],
  limits: ['set_cpu_limit', 'set_memory_limit'],
  agent_config: ['set_agent_config'],
};

/** Whether the local `optimization_auto_apply` lets the engine carry out `action` itself (never advice). */
export function mayAutoApply(action: OptimizationAction, allowed: readonly AutoApplyName[]): boolean {
  if (!isChanging(action)) return false;
  return allowed.some((n) => n === action || (FAMILIES[n]?.includes(action) ?? false));
}
