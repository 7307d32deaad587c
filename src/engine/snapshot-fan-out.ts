import type { Logger } from 'pino';
import { RateLimitedLog } from '../lifecycle/rate-limited-log.js';
import type { MetricSnapshot } from '../model/snapshot.js';

/** A stage that takes accepted snapshots. */
export type SnapshotListener = (snapshots: readonly MetricSnapshot[]) => void;

/** Where the fan-out reports a listener that threw. */
export type ListenerFailure = (err: unknown) => void;

/**
 * What the fan-out asks before analysing a snapshot (detection's series loads): whether every
 * series of the snapshot has its history, starting the loads of new ones; and when a source whose
 * series were loading has them all.
 */
export interface AnalysisGate {
  prepare(snapshot: MetricSnapshot): boolean;
  onSourceReady(listener: (source: string) => void): void;
}

/** How much the fan-out holds back while series load: snapshots, and how long the oldest waits. */
export interface HoldLimits {
  readonly snapshots: number;
  readonly ms: number;
}

/**
 * 20,000 snapshots, 2 s: history reads take milliseconds, and alerting must not wait on a slow or
 * unreachable database (a read may take `detect_warmup_timeout_ms`, a connection 10 s).
 */
const DEFAULT_HOLD: HoldLimits = { snapshots: 20_000, ms: 2_000 };

/**
 * Passes every accepted batch on. The analysis stages (detection, alerting, diagnosis, judging)
 * get it one snapshot at a time, each snapshot through all of them before the next: a stage then
 * sees the anomalies and detector state of exactly the snapshots up to the one it is given, never
 * of later ones in the same batch, so the results do not depend on how arrivals were batched.
 *
 * With a gate, a snapshot with series still loading their history is held back, and every later
 * snapshot with it (of any source, so that the stages see one order whatever the speed), until the
 * loads end; then they go through in arrival order. Without that, how many of a new series'
 * samples arrived before its history did, and where other sources were meanwhile, would depend on
 * the replay speed. Past the hold limits (a number of snapshots, or the oldest one held for a
 * time), held snapshots go through at once (detection then buffers the samples of loading series
 * itself). The batch listeners (the live feed) get every batch at once. One failing listener does
 * not stop the others.
 */
export function snapshotFanOut(
  analysis: readonly SnapshotListener[],
  batch: readonly SnapshotListener[],
  failed: ListenerFailure,
  gate: AnalysisGate | null = null,
  limits: HoldLimits = DEFAULT_HOLD,
): SnapshotListener {
  const call = (l: SnapshotListener, s: readonly MetricSnapshot[]) => {
    try {
      l(s);
    } catch (err) {
      failed(err);
    }
  };
  const analyse = (s: MetricSnapshot) => {
    const one = [s];
    for (const l of analysis) call(l, one);
  };
  let held: MetricSnapshot[] = [];
  let head = 0;
  let timer: NodeJS.Timeout | null = null;
  const release = (all: boolean) => {
    while (head < held.length && (all || gate!.prepare(held[head]!))) analyse(held[head++]!);
    if (head < held.length) return;
    held = [];
    head = 0;
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
  gate?.onSourceReady(() => release(false));
  const take = (s: MetricSnapshot) => {
    if (gate === null) return analyse(s);
    // Asked even when held: the loads of its new series start now.
    const ready = gate.prepare(s);
    if (head === held.length && ready) return analyse(s);
    if (held.length - head >= limits.snapshots) {
      release(true);
      return analyse(s);
    }
    held.push(s);
    if (timer === null) {
      timer = setTimeout(() => {
        timer = null;
        release(true);
      }, limits.ms);
      timer.unref();
    }
  };
  return (snapshots) => {
    for (const s of snapshots) take(s);
    for (const l of batch) call(l, snapshots);
  };
}

/** The failure report of the engine's fan-out: a rate-limited error log. */
export function logListenerFailure(log: Logger): ListenerFailure {
  const limited = new RateLimitedLog(log);
  return (err) => limited.error('snapshot listener failed', { err }, 'snapshot listener failed');
}
