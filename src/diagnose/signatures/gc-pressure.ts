import { evidenceMap, round, unit, type Finding } from '../finding.js';
import { SIGNATURE_LIMITS as L } from '../signature-limits.js';
import type { SourceView } from '../source-view.js';
import { maxOf } from '../stats.js';

/** Heap churn over the latest frames: the range of heap_used over its mean (GC sawtooth amplitude). */
function heapChurn(v: SourceView, frames: number): number {
  const recent = v.series('heap_used_bytes', frames).values;
  if (recent.length < 2) return Number.NaN;
  const mean = recent.reduce((a, b) => a + b, 0) / recent.length;
  return mean > 0 ? (maxOf(recent) - Math.min(...recent)) / mean : Number.NaN;
}

/**
 * `gc_pressure`, Clinic Doctor-style: garbage collection takes a large share of the interval
 * (`gc_pause_ms` is the GC time within it), several times its usual share, and a fair share of the
 * loop's busy time (event-loop utilisation, when reported: GC runs on that thread). Heap churn (a wide
 * heap_used sawtooth) is reported beside it; GC time is stolen from the event loop, so latency and
 * utilisation rise with it.
 */
export function gcPressure(v: SourceView): Finding | null {
  const gc = v.cur('gc_pause_ms');
  const interval = v.intervalMs;
  if (!Number.isFinite(gc) || !(interval >= 100)) return null;
  const share = gc / interval;
  // GC pauses within an interval cannot add up to much more than the interval: a larger figure is
  // in another unit (docs/diagnosis.md#declared-ranges), not pressure.
  if (share > L.gcShareMax) return null;
  const ref = v.ref('gc_pause_ms');
  const refShare = Number.isFinite(ref) ? Math.max(0, ref) / interval : Number.NaN;
  if (share < L.gcShare || share < L.gcShareRatio * (Number.isFinite(refShare) ? refShare : 0)) return null;
  // GC runs on the loop's thread, so its time is part of the loop's busy time: a loop mostly busy
  // with other work, GC a small part of it, is not under GC pressure, whatever the interval share.
  const busy = v.cur('event_loop_utilization');
  const cpuShare = Number.isFinite(busy) ? share / Math.max(busy, share) : Number.NaN;
  if (cpuShare < L.gcCpuShare) return null;
  const churn = heapChurn(v, 5);
  const confidence = 0.6 + 0.3 * unit((share - L.gcShare) / (0.3 - L.gcShare)) + (churn >= 0.5 ? 0.1 : 0);
  const metrics = evidenceMap(v, ['gc_pause_ms', 'heap_used_bytes', 'heap_total_bytes', 'event_loop_utilization', 'cpu_usage', 'handler_latency_p95_ms', 'event_loop_delay_p99_ms']);
  const facts: Record<string, number | string> = { gc_share: round(share), interval_ms: round(interval) };
  if (Number.isFinite(refShare)) facts.gc_share_baseline = round(refShare);
  if (Number.isFinite(cpuShare)) facts.gc_cpu_share = round(cpuShare);
  if (Number.isFinite(churn)) facts.heap_churn = round(churn);
  return { kind: 'gc_pressure', metric: 'gc_pause_ms', confidence, severity: share >= 0.25 ? 'critical' : 'warning', metrics, facts };
}
