import { OPEN_OPTIMIZATION_STATUSES, type OptimizationActor, type OptimizationStatus } from '../model/optimization.js';
import type { JudgeSettings } from './impact-judge.js';
import type { Intent, JudgedVerdict, Judgement, OptimizationRecord } from './optimization-record.js';
import type { ExpectedMove } from './proposal.js';
import { deriveUndo } from './undo.js';

/** Something that happens to an optimization. Times are event times (ms); `wall` is the wall clock. */
export type OptimizationEvent =
  | { readonly type: 'applied'; readonly at: number; readonly by: OptimizationActor; readonly params?: Readonly<Record<string, unknown>>; readonly wall: number; readonly settings: JudgeSettings; readonly note?: string }
  | { readonly type: 'looked'; readonly of: 'change' | 'rollback'; readonly looksDone: number }
  | { readonly type: 'judged'; readonly of: 'change' | 'rollback'; readonly looksDone: number; readonly verdict: JudgedVerdict }
  | { readonly type: 'rolled_back'; readonly at: number; readonly by: OptimizationActor; readonly wall: number; readonly settings: JudgeSettings; readonly note?: string }
  | { readonly type: 'failed'; readonly at: number; readonly reason: string }
  | { readonly type: 'rollback_failed'; readonly reason: string }
  | { readonly type: 'intent'; readonly intent: Intent };

/** A row of the optimization's history (`optimization_transitions`). */
export interface Transition {
  readonly event: 'proposed' | 'applied' | 'verdict' | 'rolled_back' | 'rollback_verdict' | 'failed' | 'rollback_failed';
  readonly status: OptimizationStatus;
  readonly at: number;
  readonly by: OptimizationActor;
  readonly reason: string | null;
}

/** The outcome of an event: the new record, and the transition to store and publish (null: nothing to announce). */
export type Stepped = { readonly ok: true; readonly record: OptimizationRecord; readonly transition: Transition | null } | { readonly ok: false; readonly code: 'conflict' | 'not_applied'; readonly message: string };

/** True while the optimization is proposed or in place (its key is not proposed again). */
export function isOpen(status: OptimizationStatus): boolean {
  return (OPEN_OPTIMIZATION_STATUSES as readonly string[]).includes(status);
}

const judgement = (at: number, expect: readonly ExpectedMove[], settings: JudgeSettings, wall: number, notBefore: number | null): Judgement | null =>
  expect.length === 0 ? null : { at, expect, settings, notBefore, looksDone: 0, startedWall: wall, verdict: null };

/**
 * What a rollback is judged on: each metric is expected to move back, the opposite way to the
 * change the optimization measured on it (when significant), else the opposite of what the
 * optimization was expected to do.
 */
export function rollbackExpect(r: OptimizationRecord): ExpectedMove[] {
  const measured = r.change?.verdict?.impact?.metrics ?? [];
  return r.expect.map((e) => {
    const m = measured.find((x) => x.metric === e.metric && (x.source ?? null) === (e.source ?? null));
    const back = m && m.significant && m.change_pct !== null && m.change_pct !== 0 ? (m.change_pct > 0 ? 'decrease' : 'increase') : e.direction === 'decrease' ? 'increase' : 'decrease';
    return { ...e, direction: back };
  });
}

function applied(r: OptimizationRecord, e: Extract<OptimizationEvent, { type: 'applied' }>): Stepped {
  if (r.status !== 'proposed') {
    if (r.appliedAt !== null && (r.status === 'applied' || isOpen(r.status))) return { ok: true, record: r, transition: null };
    return { ok: false, code: 'conflict', message: `optimization ${r.id} is ${r.status}` };
  }
  const params = e.params ?? r.params;
  const undo = e.params ? (deriveUndo({ action: r.action, params }) ?? r.undo) : r.undo;
  const record: OptimizationRecord = { ...r, params, undo, status: 'applied', statusAt: e.at, reason: null, appliedAt: e.at, appliedBy: e.by, change: judgement(e.at, r.expect, e.settings, e.wall, null), intent: null };
  return { ok: true, record, transition: { event: 'applied', status: 'applied', at: e.at, by: e.by, reason: e.note ?? null } };
}

function judged(r: OptimizationRecord, e: Extract<OptimizationEvent, { type: 'judged' }>): Stepped {
  const j = e.of === 'change' ? r.change : r.rollback;
  const expected: OptimizationStatus = e.of === 'change' ? 'applied' : 'rolled_back';
  if (j === null || j.verdict !== null || r.status !== expected) return { ok: false, code: 'conflict', message: `optimization ${r.id} is ${r.status}: no ${e.of} to judge` };
  const done = { ...j, looksDone: e.looksDone, verdict: e.verdict };
  if (e.of === 'rollback') {
    const record = { ...r, rollback: done };
    return { ok: true, record, transition: { event: 'rollback_verdict', status: 'rolled_back', at: e.verdict.at, by: 'engine', reason: `rollback ${e.verdict.outcome}: ${e.verdict.reason}` } };
  }
  // A regression is announced with its undo (the contract); without one it cannot be, so the change fails.
  const unknownUndo = e.verdict.outcome === 'regressed' && r.undo === null;
  const status: OptimizationStatus = unknownUndo ? 'failed' : e.verdict.outcome;
  const reason = unknownUndo ? `regressed (${e.verdict.reason}) and no undo is known` : e.verdict.outcome === 'verified' || e.verdict.outcome === 'regressed' ? null : e.verdict.reason;
  const record: OptimizationRecord = { ...r, change: done, status, statusAt: e.verdict.at, reason };
  return { ok: true, record, transition: { event: 'verdict', status, at: e.verdict.at, by: 'engine', reason: reason ?? e.verdict.reason } };
}

function rolledBack(r: OptimizationRecord, e: Extract<OptimizationEvent, { type: 'rolled_back' }>): Stepped {
  if (r.status === 'rolled_back') return { ok: true, record: r, transition: null };
  if (r.appliedAt === null) return { ok: false, code: 'not_applied', message: `optimization ${r.id} was never applied` };
  const notBefore = r.appliedAt + (r.change?.settings.settleMs ?? e.settings.settleMs);
  const reason = e.note ?? `undone by ${e.by === 'engine' ? 'the engine' : e.by === 'operator' ? 'an operator' : 'the optimizing engine'}`;
  const change = r.change && r.change.verdict === null ? { ...r.change, verdict: { outcome: 'failed' as const, at: e.at, impact: null, reason: 'rolled back before a verdict' } } : r.change;
  const record: OptimizationRecord = {
    ...r,
    change,
    status: 'rolled_back',
    statusAt: e.at,
    reason,
    rolledBackAt: e.at,
    rolledBackBy: e.by,
    rollback: judgement(e.at, rollbackExpect(r), e.settings, e.wall, notBefore),
    intent: null,
  };
  return { ok: true, record, transition: { event: 'rolled_back', status: 'rolled_back', at: e.at, by: e.by, reason } };
}

/**
 * The optimization's state machine (docs/optimization.md#lifecycle): `proposed → applied →
 * verified | ineffective | regressed`, then `rolled_back` (whose own judging ends in a rollback
 * verdict) or `failed`. Pure: returns the new record and the transition to store and publish, or
 * refuses an event that does not fit the current status. Repeating an announcement that already
 * took effect (applied, rolled back) changes nothing, so retries are harmless.
 */
export function stepOptimization(r: OptimizationRecord, e: OptimizationEvent): Stepped {
  switch (e.type) {
    case 'applied':
      return applied(r, e);
    case 'looked': {
      const j = e.of === 'change' ? r.change : r.rollback;
      if (j === null) return { ok: true, record: r, transition: null };
      // Looks only advance: a stale writer's progress never takes one back.
      if (e.looksDone <= j.looksDone) return { ok: true, record: r, transition: null };
      return { ok: true, record: { ...r, [e.of]: { ...j, looksDone: e.looksDone } }, transition: null };
    }
    case 'judged':
      return judged(r, e);
    case 'rolled_back':
      return rolledBack(r, e);
    case 'failed':
      if (r.status === 'rolled_back' || r.status === 'failed') return { ok: false, code: 'conflict', message: `optimization ${r.id} is ${r.status}` };
      return { ok: true, record: { ...r, status: 'failed', statusAt: e.at, reason: e.reason, intent: null }, transition: { event: 'failed', status: 'failed', at: e.at, by: 'engine', reason: e.reason } };
    case 'rollback_failed':
      return { ok: true, record: { ...r, reason: e.reason, intent: null }, transition: { event: 'rollback_failed', status: r.status, at: r.statusAt, by: 'engine', reason: e.reason } };
    case 'intent':
      return { ok: true, record: { ...r, intent: e.intent }, transition: null };
  }
}
