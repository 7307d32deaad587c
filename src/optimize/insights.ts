import type { BottleneckKind } from '../model/bottleneck.js';
import type { OptimizationAction, OptimizationStatus } from '../model/optimization.js';
import type { Severity } from '../model/severity.js';
import type { InsightsMessage } from '../wire/insights.js';
import type { Impact } from './optimization-record.js';

/** What an insights digest of one source is made of. */
export interface InsightsInput {
  readonly source: string;
  /** Wall time the digest is made. */
  readonly at: number;
  readonly baselines: Readonly<Record<string, { readonly p50: number; readonly p95: number }>>;
  readonly openBottlenecks: readonly { readonly id: string; readonly kind: BottleneckKind; readonly severity: Severity }[];
  readonly verdicts: readonly { readonly id: string; readonly action: OptimizationAction; readonly status: OptimizationStatus; readonly impact: Impact; readonly params: Readonly<Record<string, unknown>> }[];
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * The `performance.insights` message of a source: its baselines, open bottlenecks and recent
 * verdicts with their measured change, and (project extension `databases`) for each database the
 * statement time saved per day by its verified indexes, where the judgement measured it.
 */
export function insightsMessage(i: InsightsInput): InsightsMessage {
  const saved = new Map<string, { ms: number; indexes: number }>();
  for (const v of i.verdicts) {
    const ms = v.impact.time_saved_ms_per_day;
    if (v.action !== 'create_index' || v.status !== 'verified' || typeof ms !== 'number') continue;
    const db = String(v.params.database);
    const cur = saved.get(db) ?? { ms: 0, indexes: 0 };
    saved.set(db, { ms: cur.ms + ms, indexes: cur.indexes + 1 });
  }
  const baselines = Object.fromEntries(Object.entries(i.baselines).map(([m, b]) => [m, { p50: r3(b.p50), p95: r3(b.p95) }]));
  return {
    source: i.source,
    at: new Date(i.at).toISOString(),
    baselines,
    open_bottlenecks: i.openBottlenecks.map((b) => ({ bottleneck_id: b.id, kind: b.kind, severity: b.severity })),
    recent_verdicts: i.verdicts.map((v) => ({ optimization_id: v.id, action: v.action, status: v.status, impact: { metric: v.impact.metric, change_pct: v.impact.change_pct, significant: v.impact.significant } })),
    ...(saved.size > 0 ? { databases: [...saved].map(([database, s]) => ({ database, time_saved_ms_per_day: s.ms, verified_indexes: s.indexes })) } : {}),
  };
}
