import { BOTTLENECK_KINDS, type BottleneckKind } from '../model/bottleneck.js';
import type { Finding, Signature } from './finding.js';
import { SIGNATURE_LIMITS as L } from './signature-limits.js';
import { SIGNATURES } from './signatures/index.js';
import type { SourceView } from './source-view.js';

/**
 * Which kinds a cause explains when both show at once: their symptoms follow from it. A leak
 * makes GC work and fills memory; memory near its limit makes V8 collect back to back; GC steals
 * the loop; a saturated loop delays every callback (queries included); a blocked loop, slow
 * queries, a busy disk or link all lengthen handler latency. Two pairs are listed both ways, each
 * settled per frame by one test, so within a frame the relation has no cycle and a root always
 * exists: a leak and GC churn ({@link churnOutgrowsLeak}), and a saturated loop and a blocked one
 * ({@link longTurns}: long synchronous turns saturate the loop; many short ones only delay it by
 * queueing).
 */
export const EXPLAINS: Readonly<Record<BottleneckKind, readonly BottleneckKind[]>> = {
  memory_leak: ['memory_pressure', 'gc_pressure', 'cpu_saturation', 'event_loop_blocked', 'latency_regression', 'anomaly'],
  memory_pressure: ['gc_pressure', 'cpu_saturation', 'event_loop_blocked', 'latency_regression', 'anomaly'],
  gc_pressure: ['memory_leak', 'cpu_saturation', 'event_loop_blocked', 'latency_regression', 'anomaly'],
  cpu_saturation: ['event_loop_blocked', 'slow_db_query', 'latency_regression', 'anomaly'],
  disk_io_saturation: ['event_loop_blocked', 'latency_regression', 'anomaly'],
  network_saturation: ['latency_regression', 'anomaly'],
  event_loop_blocked: ['cpu_saturation', 'slow_db_query', 'latency_regression', 'anomaly'],
  slow_db_query: ['latency_regression', 'anomaly'],
  latency_regression: ['anomaly'],
  anomaly: [],
};

/** True when `cause` explains `effect` in this frame (some links need the cause to be large enough). */
export function explains(cause: Finding, effect: Finding): boolean {
  if (!EXPLAINS[cause.kind].includes(effect.kind)) return false;
  // GC explains a saturated loop only when it takes a good part of the busy time; otherwise the
  // loop is busy computing and GC is a side show.
  if (cause.kind === 'gc_pressure' && effect.kind === 'cpu_saturation') {
    const share = Number(cause.facts.gc_share);
    const busy = effect.metrics.event_loop_utilization?.value ?? 1;
    return share >= L.gcExplainsCpu * busy;
  }
  // A GC pause delays the loop by its own length: GC explains a delay only as long as its pauses.
  if (cause.kind === 'gc_pressure' && effect.kind === 'event_loop_blocked') {
    const gc = cause.metrics.gc_pause_ms?.value ?? 0;
    const delay = effect.metrics.event_loop_delay_p99_ms?.value ?? 0;
    return gc >= 0.5 * delay;
  }
  // A saturated loop delays callbacks by queueing; a delay far beyond that is long turns, which
  // are then the cause of the saturation rather than its symptom.
  if (cause.kind === 'cpu_saturation' && effect.kind === 'event_loop_blocked') return !longTurns(effect);
  if (cause.kind === 'event_loop_blocked' && effect.kind === 'cpu_saturation') return longTurns(cause);
  // A leak makes the collector work harder about as its live heap grows; GC time many times its
  // reference while the heap grew far less is churn, whose garbage also lifts the sampled heap.
  if (cause.kind === 'memory_leak' && effect.kind === 'gc_pressure') return !churnOutgrowsLeak(effect, cause);
  if (cause.kind === 'gc_pressure' && effect.kind === 'memory_leak') return churnOutgrowsLeak(cause, effect);
  return true;
}

/**
 * True when a blocked loop's delay is at least {@link SIGNATURE_LIMITS.blockOverQueueing} times what
 * its utilisation explains by queueing (`queueing_delay_ms`, see `queueingDelay`): long
 * synchronous turns, even on a loop that is also saturated. False when that is unknown.
 */
export function longTurns(blocked: Finding): boolean {
  const queueing = Number(blocked.facts.queueing_delay_ms);
  const delay = blocked.metrics.event_loop_delay_p99_ms?.value ?? 0;
  return queueing > 0 && delay >= L.blockOverQueueing * queueing;
}

/**
 * True when GC time rose far more than a leak's heap growth explains: its ratio to the reference
 * at least {@link SIGNATURE_LIMITS.churnOverLeak} times the heap's. A leaking heap raises GC time
 * roughly in proportion (more live objects to mark); allocation churn raises it many times while
 * the heap, sampled between collections, grows by its uncollected garbage only.
 */
export function churnOutgrowsLeak(gc: Finding, leak: Finding): boolean {
  const gcRatio = gc.metrics.gc_pause_ms?.ratio;
  const heapRatio = leak.metrics[leak.metric]?.ratio;
  if (gcRatio === undefined || gcRatio === null || heapRatio === undefined || heapRatio === null) return false;
  return gcRatio >= L.churnOverLeak * Math.max(heapRatio, 1);
}

/** The findings of one frame: the unexplained ones (best first) and those a present cause explains. */
export interface FrameDiagnosis {
  /** Findings no other present finding explains, highest confidence first: the candidate causes. */
  readonly causes: readonly Finding[];
  /** Findings explained by a present cause (its symptoms). */
  readonly symptoms: readonly Finding[];
}

/** Runs every signature on a view (in the closed set's order) and ranks the findings. */
export function diagnoseFrame(v: SourceView, signatures: Readonly<Record<BottleneckKind, Signature>> = SIGNATURES): FrameDiagnosis {
  const found: Finding[] = [];
  for (const kind of BOTTLENECK_KINDS) {
    const f = signatures[kind](v);
    if (f !== null) found.push(f);
  }
  return rankFindings(found);
}

/** Splits findings into causes and symptoms by {@link explains}. */
export function rankFindings(found: readonly Finding[]): FrameDiagnosis {
  const causes: Finding[] = [];
  const symptoms: Finding[] = [];
  for (const f of found) {
    if (found.some((c) => c !== f && explains(c, f))) symptoms.push(f);
    else causes.push(f);
  }
  causes.sort((a, b) => b.confidence - a.confidence);
  return { causes, symptoms };
}
