import { evidenceMap, riseOf, round, shiftTo, unit, type Finding } from '../finding.js';
import { SIGNATURE_LIMITS as L } from '../signature-limits.js';
import type { SourceView } from '../source-view.js';
import { ratio } from '../stats.js';

/** The level a latency-like metric must reach: a rise, a number of spreads and milliseconds above its reference. */
function raisedLevel(v: SourceView, metric: string, rise: number, spreads: number, minMs: number): number {
  const ref = v.ref(metric);
  if (!Number.isFinite(ref)) return Number.NaN;
  const spread = v.spread(metric);
  return Math.max(rise * ref, ref + spreads * (Number.isFinite(spread) ? spread : 0), ref + minMs);
}

/**
 * `slow_db_query`: the p95 of the source's queries rises well above its reference (the SDK times
 * queries made through its database handle), as a shift of its latest frames ({@link shiftTo}: a
 * slow query now and then is not one). Handler latency rising with it and CPU staying
 * normal raise the confidence; a saturated loop slows every callback, queries included, and is
 * ranked as the cause instead (see rank-findings.ts).
 */
export function slowDbQuery(v: SourceView): Finding | null {
  const shift = shiftTo(v, 'db_query_p95_ms', raisedLevel(v, 'db_query_p95_ms', L.dbRatio, L.dbSpreads, L.dbMinMs));
  if (shift === null) return null;
  const db = shift.value;
  const dbRise = ratio(db, v.ref('db_query_p95_ms'), 0.1);
  const latencyRise = riseOf(v, 'handler_latency_p95_ms', 3, 0.1);
  const calm = !(v.median('event_loop_utilization', 3) >= L.eluSaturated);
  const confidence = 0.6 + (latencyRise >= L.latencyEffect ? 0.2 : 0) + (calm ? 0.1 : 0) + 0.1 * unit(Math.log10(dbRise / L.dbRatio));
  const metrics = evidenceMap(v, ['db_query_p95_ms', 'handler_latency_p95_ms', 'queue_depth', 'event_loop_utilization', 'cpu_usage']);
  return { kind: 'slow_db_query', metric: 'db_query_p95_ms', confidence, severity: dbRise >= 10 || latencyRise >= 5 ? 'critical' : 'warning', metrics, facts: { db_ratio: round(dbRise) }, onset: shift.onset };
}

/** True when a metric departs from its reference by at least `share` of it and `minimum` (unknown: unchanged). */
function risen(v: SourceView, metric: string, share: number, minimum: number): boolean {
  const now = v.median(metric, 3);
  const ref = v.ref(metric);
  if (!Number.isFinite(now) || !Number.isFinite(ref)) return false;
  return now - ref >= Math.max(minimum, share * Math.abs(ref));
}

/**
 * `latency_regression`: handler latency p95 shifts up ({@link shiftTo}, so spikes do not count) while what would explain it stays roughly
 * where it was: event-loop utilisation and CPU (else more load or a CPU problem), query time (else
 * slow queries), loop delay and GC (else blocking or GC). The usual cause is new code: a label that
 * changed meanwhile (a version) is reported, and raises the confidence.
 */
export function latencyRegression(v: SourceView): Finding | null {
  const shift = shiftTo(v, 'handler_latency_p95_ms', raisedLevel(v, 'handler_latency_p95_ms', L.latencyRatio, L.latencySpreads, L.latencyMinMs));
  if (shift === null) return null;
  const lat = shift.value;
  if (risen(v, 'event_loop_utilization', 0, L.unchangedElu)) return null;
  if (!Number.isFinite(v.cur('event_loop_utilization')) && risen(v, 'cpu_usage', L.unchangedCpuShare, L.unchangedCpuPct)) return null;
  if (v.median('event_loop_delay_p99_ms', 3) >= Math.max(L.loopDelayMs, L.loopDelayRatio * (v.ref('event_loop_delay_p99_ms') || 0))) return null;
  const latRef = v.ref('handler_latency_p95_ms');
  const dbUp = v.median('db_query_p95_ms', 3) - v.ref('db_query_p95_ms');
  if (dbUp > L.unchangedDbShare * (v.median('handler_latency_p95_ms', 3) - latRef)) return null;
  const gcRef = v.ref('gc_pause_ms');
  if (v.intervalMs > 0 && v.median('gc_pause_ms', 3) / v.intervalMs >= Math.max(L.gcShare, L.gcShareRatio * ((gcRef || 0) / v.intervalMs))) return null;
  const rise = ratio(lat, latRef, 0.1);
  const changed = Object.entries(v.labelChanges);
  const facts: Record<string, number | string> = { latency_ratio: round(rise) };
  for (const [k, c] of changed) facts[`label_${k}`] = `${c.from ?? '(none)'} -> ${c.to ?? '(none)'}`;
  const confidence = 0.55 + 0.25 * unit(Math.log(rise / L.latencyRatio) / Math.log(4)) + (changed.length > 0 ? 0.2 : 0);
  const metrics = evidenceMap(v, ['handler_latency_p95_ms', 'event_loop_utilization', 'cpu_usage', 'db_query_p95_ms', 'event_loop_delay_p99_ms', 'queue_depth']);
  return { kind: 'latency_regression', metric: 'handler_latency_p95_ms', confidence, severity: rise >= 5 ? 'critical' : 'warning', metrics, facts, onset: shift.onset };
}

/**
 * `anomaly`, the quiet fallback: errors or queued work far above their reference with no other
 * signature to explain them (every other kind outranks it). Never raised by latency or resource
 * metrics alone: those have their own kinds, and load changes move them without a bottleneck.
 */
export function unexplainedAnomaly(v: SourceView): Finding | null {
  const err = v.cur('error_rate');
  const errRef = v.ref('error_rate');
  const errors = err >= L.errorRate && err >= L.errorRatio * Math.max(Number.isFinite(errRef) ? errRef : 0, 0.05);
  const q = v.cur('queue_depth');
  const qRef = v.ref('queue_depth');
  const queued = q >= L.queueDepth && Number.isFinite(qRef) && q >= L.queueRatio * Math.max(qRef, 0.5);
  if (!errors && !queued) return null;
  const main = errors ? 'error_rate' : 'queue_depth';
  const metrics = evidenceMap(v, [main, 'handler_latency_p95_ms', 'error_rate', 'queue_depth']);
  return { kind: 'anomaly', metric: main, confidence: 0.3, severity: 'warning', metrics, facts: {} };
}
