import { evidenceMap, round, unit, type Finding } from '../finding.js';
import { SIGNATURE_LIMITS as L } from '../signature-limits.js';
import type { SourceView } from '../source-view.js';

/** A block in the latest three frames within five seconds keeps the signature (short intervals fall between blocks). */
const BLOCK_FRAMES = 3;
const BLOCK_WINDOW_MS = 5000;

/**
 * `event_loop_blocked`, Clinic Doctor-style: the event-loop delay p99 spikes far above its
 * reference and above an absolute floor, which is what long synchronous work does (a JSON parse,
 * a crypto call, a report built in one go), while CPU rises (or, below that, utilisation by about
 * the block's share of the interval; without CPU, utilisation): the loop is doing the blocking
 * work itself. The finding carries the delay the frame's utilisation would explain by queueing
 * alone (`queueing_delay_ms`), which tells long turns from a loop merely saturated by many short
 * ones. Blocks are
 * intermittent by nature: the largest delay of the latest three frames is what counts (and the
 * episode machine accepts a lower hit ratio for this kind).
 */
export function eventLoopBlocked(v: SourceView): Finding | null {
  if (!Number.isFinite(v.cur('event_loop_delay_p99_ms'))) return null;
  // Blocks recur rather than persist: with short intervals some frames fall between two blocks,
  // so the frame with the longest delay among the latest three is the one judged.
  const recent = v.series('event_loop_delay_p99_ms', BLOCK_FRAMES);
  let first = recent.ts.length - 1;
  while (first > 0 && recent.ts.length - first < BLOCK_FRAMES && v.timestamp - recent.ts[first - 1]! <= BLOCK_WINDOW_MS) first--;
  const delays = recent.values.slice(first);
  const back = delays.length - 1 - delays.indexOf(Math.max(...delays));
  const delay = delays[delays.length - 1 - back]!;
  const ref = v.ref('event_loop_delay_p99_ms');
  const level = Math.max(L.loopDelayMs, Number.isFinite(ref) ? L.loopDelayRatio * ref : 0);
  if (delay < level) return null;
  // Blocking is work on the loop: CPU (or, without it, utilisation) rises in the frame of the
  // block. A loop delayed while neither does is a starved process (the host is busy elsewhere), a
  // victim rather than a cause.
  const cpu = v.series('cpu_usage', BLOCK_FRAMES).values.at(-1 - back);
  const elu = v.series('event_loop_utilization', BLOCK_FRAMES).values.at(-1 - back);
  if (cpu !== undefined && Number.isFinite(v.ref('cpu_usage'))) {
    if (cpu < L.blockCpuRatio * Math.max(v.ref('cpu_usage'), 0.1) && !busyAsBlocked(v, delay, elu)) return null;
  } else if (elu !== undefined && Number.isFinite(v.ref('event_loop_utilization')) && elu - v.ref('event_loop_utilization') < L.blockEluRise) return null;
  const queueing = queueingDelay(ref, v.ref('event_loop_utilization'), elu);
  const busy = v.median('event_loop_utilization', 3);
  const strength = unit(Math.log(delay / level) / Math.log(10));
  const confidence = 0.55 + 0.25 * strength + (busy < L.eluSaturated ? 0.2 : 0);
  const metrics = evidenceMap(v, ['event_loop_delay_p99_ms', 'event_loop_delay_max_ms', 'event_loop_utilization', 'handler_latency_p95_ms', 'cpu_usage', 'queue_depth']);
  metrics.event_loop_delay_p99_ms = { value: round(delay), baseline: Number.isFinite(ref) ? round(ref) : null, ratio: ref > 0 ? round(delay / ref) : null };
  return { kind: 'event_loop_blocked', metric: 'event_loop_delay_p99_ms', confidence, severity: delay >= 1000 ? 'critical' : 'warning', metrics, facts: { delay_level_ms: round(level), ...(Number.isFinite(queueing) ? { queueing_delay_ms: round(queueing) } : {}) } };
}

/**
 * True when the loop's utilisation rose by at least half the share of the interval that one block
 * of `delay` takes (and by at least {@link SIGNATURE_LIMITS.blockEluFloor}): rare long blocks on a
 * process spread over several cores lift its CPU share little, but the loop's own busy share by
 * the block's length. A starved loop does not: it waits for the CPU idle, in the poll phase.
 */
function busyAsBlocked(v: SourceView, delay: number, elu: number | undefined): boolean {
  const ref = v.ref('event_loop_utilization');
  if (elu === undefined || !Number.isFinite(ref) || !(v.intervalMs > 0)) return false;
  return elu - ref >= Math.max(L.blockEluFloor, (0.5 * Math.min(delay, v.intervalMs)) / v.intervalMs);
}

/** Utilisation credited to the queueing model at most: beyond it a loop is saturated and the wait is set by its backlog. */
const QUEUE_RHO_MAX = 0.95;

/**
 * The delay p99 a loop at utilisation `elu` would show from queueing alone, scaled from its
 * reference (`refDelay` at `refElu`) by the M/D/1 waiting factor rho / (1 - rho): many short turns
 * make callbacks wait about that much longer as the loop fills. NaN when the reference or the
 * utilisation is unknown. A delay several times this is long synchronous turns, whatever the
 * utilisation (`rank-findings.ts`).
 */
export function queueingDelay(refDelay: number, refElu: number, elu: number | undefined): number {
  if (!(refDelay > 0) || !Number.isFinite(refElu) || elu === undefined || !Number.isFinite(elu)) return Number.NaN;
  const factor = (rho: number) => {
    const r = Math.min(QUEUE_RHO_MAX, Math.max(0.05, rho));
    return r / (1 - r);
  };
  return refDelay * Math.max(1, factor(elu) / factor(refElu));
}
