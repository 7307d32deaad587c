import type { Severity } from '../model/severity.js';
import { DEGRADATION_DEFAULTS, type DegradationSettings } from '../config/schema.js';
import type { DepartureKind } from '../detect/anomaly/index.js';
import type { Anomaly } from '../detect/stream/detection-events.js';
import type { Condition } from './alert-machine.js';
import { compileGlob, type GlobMatcher } from './glob.js';

/** Degradation settings with every default filled in, times in milliseconds. */
export interface DegradationConfig {
  readonly enabled: boolean;
  readonly minScore: number;
  readonly minSpreads: number;
  readonly minChange: number;
  readonly minSamples: number;
  readonly forMs: number;
  readonly keepFiringMs: number;
  readonly criticalFactor: number;
  readonly cooldownMs: number;
  readonly acceptAfterMs: number;
  readonly excluded: (source: string, metric: string) => boolean;
}

/** The reference an episode measures departures from, fixed at its onset (the baseline before it). */
export interface DegradationReference {
  readonly baseline: number;
  readonly spread: number;
  readonly direction: 'above' | 'below';
  /** Departure that counts as degraded (warning); critical at `criticalFactor` times it. */
  readonly distance: number;
}

/** Fills in defaults and compiles the exclusion globs. */
export function resolveDegradation(settings: DegradationSettings): DegradationConfig {
  const s = { ...DEGRADATION_DEFAULTS, ...settings };
  const sources: GlobMatcher[] = s.exclude_sources.map(compileGlob);
  const metrics: GlobMatcher[] = s.exclude_metrics.map(compileGlob);
  return {
    enabled: s.enabled,
    minScore: s.min_score,
    minSpreads: s.min_spreads,
    minChange: s.min_change,
    minSamples: s.min_samples,
    forMs: s.for_seconds * 1000,
    keepFiringMs: s.keep_firing_seconds * 1000,
    criticalFactor: s.critical_factor,
    cooldownMs: s.cooldown_seconds * 1000,
    acceptAfterMs: s.accept_after_seconds * 1000,
    excluded: (source, metric) => sources.some((m) => m(source)) || metrics.some((m) => m(metric)),
  };
}

/** Fixed metrics (PROTOCOL.md) for which only a rise is a degradation; others count both ways. */
const RISE_ONLY: ReadonlySet<string> = new Set([
  'cpu_usage',
  'memory_usage',
  'memory_rss_bytes',
  'heap_used_bytes',
  'event_loop_delay_p99_ms',
  'event_loop_utilization',
  'gc_pause_ms',
  'handler_latency_p95_ms',
  'queue_depth',
  'error_rate',
  'disk_util',
  'load_1m',
  'db_query_p95_ms',
]);

/** Departure kinds that are a change of level (bursts and flat lines are not degradations). */
const LEVEL_CAUSES: ReadonlySet<DepartureKind | null> = new Set<DepartureKind | null>(['above', 'below', 'shift']);

/**
 * Decides whether an anomaly opens a degradation episode, and fixes its reference. Quiet by
 * design: the score must reach `minScore`, the detector must have learned `minSamples`, the
 * departure must be a change of level in a direction that is bad for the metric, and it must be
 * at least `minSpreads` spreads and `minChange` of the baseline (so a noisy series needs a larger
 * move, and a tiny one on a flat series is not enough).
 */
export function degradationOnset(a: Anomaly, c: DegradationConfig): DegradationReference | null {
  const d = a.detail;
  if (!c.enabled || a.score < c.minScore || d.samples < c.minSamples || c.excluded(a.source, a.metric)) return null;
  if (!LEVEL_CAUSES.has(d.cause)) return null;
  const direction = a.value > d.baseline ? 'above' : 'below';
  if (direction === 'below' && RISE_ONLY.has(a.metric)) return null;
  const distance = Math.max(c.minSpreads * d.spread, c.minChange * Math.abs(d.baseline));
  if (!(distance > 0) || Math.abs(a.value - d.baseline) < distance) return null;
  return { baseline: d.baseline, spread: d.spread, direction, distance };
}

/** Evaluates one value against an episode's reference: degraded past the distance, held past half of it. */
export function evaluateDegradation(ref: DegradationReference, value: number, c: DegradationConfig): Condition {
  const departure = ref.direction === 'above' ? value - ref.baseline : ref.baseline - value;
  const critical = departure >= c.criticalFactor * ref.distance;
  const trigger: Severity | null = critical ? 'critical' : departure >= ref.distance ? 'warning' : null;
  const sign = ref.direction === 'above' ? 1 : -1;
  return {
    trigger,
    hold: departure >= ref.distance / 2,
    threshold: ref.baseline + sign * (critical ? c.criticalFactor : 1) * ref.distance,
  };
}
