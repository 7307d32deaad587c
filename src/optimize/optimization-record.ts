import type { OptimizationActor, OptimizationOrigin, OptimizationStatus } from '../model/optimization.js';
import type { OptimizationStatusMessage } from '../wire/optimizing.js';
import type { JudgeMethod, JudgeSettings, MetricJudgement, Verdict } from './impact-judge.js';
import type { ActionStep, ExpectedMove } from './proposal.js';

/** Verdicts a judgement ends with. */
export type JudgedOutcome = 'verified' | 'ineffective' | 'regressed' | 'failed';

/** Percentiles and mean of one side of a change, as published. */
export interface SideImpact {
  readonly p50: number;
  readonly p95: number;
  readonly mean: number;
}

/** One metric's judgement, as published in `impact.metrics`. */
export interface MetricImpact {
  readonly metric: string;
  readonly source?: string;
  readonly direction: MetricJudgement['direction'];
  readonly outcome: MetricJudgement['outcome'];
  readonly before: SideImpact;
  readonly after: SideImpact;
  readonly change_pct: number | null;
  readonly ci_pct: readonly [number | null, number | null];
  readonly p_value: number;
  readonly significant: boolean;
  readonly samples: { readonly before: number; readonly after: number };
  readonly load_controlled: boolean;
}

/** The measured effect as published (`impact` of performance.optimization_status, with the project's extensions). */
export interface Impact {
  readonly metric: string;
  readonly before: SideImpact;
  readonly after: SideImpact;
  readonly change_pct: number;
  readonly significant: boolean;
  readonly ci_pct: readonly [number | null, number | null];
  readonly load_controlled: boolean;
  /** The test the deciding metric's change and interval come from. */
  readonly method: JudgeMethod;
  /** The look that decided it (1-based). */
  readonly look: number;
  readonly metrics: readonly MetricImpact[];
  /** For an index: statement time saved per day (mean time before minus after, times calls per day). */
  readonly time_saved_ms_per_day?: number;
}

/** How a judgement ended. */
export interface JudgedVerdict {
  readonly outcome: JudgedOutcome;
  /** Event time of the look that decided it. */
  readonly at: number;
  readonly impact: Impact | null;
  readonly reason: string;
}

/**
 * The judging of one change (the optimization itself, or its rollback), stored with the
 * optimization so that a restart continues it: what is judged, on which settings (frozen when it
 * started), how far it got, and its verdict.
 */
export interface Judgement {
  /** Event time the change took effect. */
  readonly at: number;
  readonly expect: readonly ExpectedMove[];
  readonly settings: JudgeSettings;
  /** Earliest event time the before window may start (a rollback's before window holds only the changed period). */
  readonly notBefore: number | null;
  /** Looks evaluated so far. */
  readonly looksDone: number;
  /** Wall time the judging started: a source silent for too long fails it. */
  readonly startedWall: number;
  readonly verdict: JudgedVerdict | null;
}

/** An action the engine itself has begun and not yet recorded as done (continued after a restart). */
export type Intent = 'apply' | 'rollback' | null;

/** An optimization as stored in `optimizations` (docs/storage.md#optimizations) and followed through its life. */
export interface OptimizationRecord extends ActionStep {
  readonly id: string;
  readonly key: string;
  readonly origin: OptimizationOrigin;
  readonly bottleneckId: string | null;
  readonly source: string | null;
  readonly undo: ActionStep | null;
  readonly rationale: string;
  readonly predicted: Readonly<Record<string, unknown>>;
  readonly expect: readonly ExpectedMove[];
  readonly status: OptimizationStatus;
  /** Event time it entered its status. */
  readonly statusAt: number;
  readonly reason: string | null;
  readonly proposedAt: number;
  readonly appliedAt: number | null;
  readonly appliedBy: OptimizationActor | null;
  readonly rolledBackAt: number | null;
  readonly rolledBackBy: OptimizationActor | null;
  /** The judging of the change, once applied. */
  readonly change: Judgement | null;
  /** The judging of the rollback, once rolled back. */
  readonly rollback: Judgement | null;
  readonly intent: Intent;
  /** Optimistic concurrency: incremented by every write. */
  readonly version: number;
}

const iso = (ms: number) => new Date(ms).toISOString();
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const side = (s: MetricJudgement['before']) => ({ p50: r3(s.p50), p95: r3(s.p95), mean: r3(s.mean) });

/** One metric's judgement as published. */
function metricImpact(m: MetricJudgement): MetricImpact {
  return {
    metric: m.metric,
    ...(m.source !== null ? { source: m.source } : {}),
    direction: m.direction,
    outcome: m.outcome,
    before: side(m.before),
    after: side(m.after),
    change_pct: Number.isFinite(m.changePct) ? m.changePct : null,
    ci_pct: m.ciPct,
    p_value: r3(m.pValue),
    significant: m.significant,
    samples: m.samples,
    load_controlled: m.loadControlled,
  };
}

/**
 * The `impact` of a verdict: the deciding metric's percentiles before and after, its change (the
 * Hodges-Lehmann estimate) and whether it is significant, plus every metric's judgement. With
 * `callsPerDay` (a `create_index` whose prediction gives the statement's calls per day), the time
 * the change saves per day from the drop of the statement's mean time.
 */
export function impactOf(v: Verdict, look: number, callsPerDay: number | null): Impact | null {
  const m = v.deciding;
  if (m === null || !Number.isFinite(m.changePct)) return null;
  const saved = callsPerDay !== null && Number.isFinite(m.before.mean - m.after.mean) ? { time_saved_ms_per_day: Math.round((m.before.mean - m.after.mean) * callsPerDay) } : {};
  return {
    metric: m.metric,
    before: side(m.before),
    after: side(m.after),
    change_pct: m.changePct,
    significant: m.significant,
    ci_pct: m.ciPct,
    load_controlled: m.loadControlled,
    method: m.method,
    look,
    metrics: v.metrics.map(metricImpact),
    ...saved,
  };
}

/** The rollback's judgement as published with a rolled-back optimization (project extension). */
function rollbackField(r: OptimizationRecord): Record<string, unknown> {
  const v = r.rollback?.verdict;
  return v ? { rollback: { status: v.outcome, at: iso(v.at), reason: v.reason, ...(v.impact ? { impact: v.impact } : {}) } } : {};
}

/**
 * The `performance.optimization_status` message of the optimization's current state: the
 * contract's fields (impact from the verdict on, undo whenever known) and the project's extensions
 * (`key`, `origin`, `rationale`, the times of each step, who applied and undid it, and the
 * rollback's own verdict).
 */
export function statusMessage(r: OptimizationRecord): OptimizationStatusMessage {
  const verdict = r.change?.verdict ?? null;
  const msg: Record<string, unknown> = {
    optimization_id: r.id,
    bottleneck_id: r.bottleneckId,
    action: r.action,
    status: r.status,
    at: iso(r.statusAt),
    ...(r.source !== null ? { source: r.source } : {}),
    params: { ...r.params },
    ...(r.undo !== null ? { undo: { action: r.undo.action, params: { ...r.undo.params } } } : {}),
    ...(r.expect.length > 0 ? { expect: r.expect.map((e) => ({ ...e })) } : {}),
    ...(Object.keys(r.predicted).length > 0 ? { predicted: { ...r.predicted } } : {}),
    ...(r.reason !== null ? { reason: r.reason } : {}),
    ...(verdict?.impact ? { impact: verdict.impact } : {}),
    key: r.key,
    origin: r.origin,
    rationale: r.rationale,
    proposed_at: iso(r.proposedAt),
    applied_at: r.appliedAt === null ? null : iso(r.appliedAt),
    applied_by: r.appliedBy,
    rolled_back_at: r.rolledBackAt === null ? null : iso(r.rolledBackAt),
    rolled_back_by: r.rolledBackBy,
    ...rollbackField(r),
  };
  return msg as OptimizationStatusMessage;
}
