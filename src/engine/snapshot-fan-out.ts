import type { Logger } from 'pino';
import { RateLimitedLog } from '../lifecycle/rate-limited-log.js';
import type { MetricSnapshot } from '../model/snapshot.js';

/** A stage that takes accepted snapshots. */
export type SnapshotListener = (snapshots: readonly MetricSnapshot[]) => void;

/** Where the fan-out reports a listener that threw. */
export type ListenerFailure = (err: unknown) => void;

/**
 * Passes every accepted batch on. The analysis stages (detection, alerting, diagnosis, judging)
 * get it one snapshot at a time, each snapshot through all of them before the next: a stage then
 * sees the anomalies and detector state of exactly the snapshots up to the one it is given, never
 * of later ones in the same batch, so the results do not depend on how arrivals were batched (a
 * replay at any speed gives the same bottlenecks and times). The batch listeners (the live feed)
 * get the whole batch afterwards. One failing listener does not stop the others.
 */
export function snapshotFanOut(analysis: readonly SnapshotListener[], batch: readonly SnapshotListener[], failed: ListenerFailure): SnapshotListener {
  const call = (l: SnapshotListener, s: readonly MetricSnapshot[]) => {
    try {
      l(s);
    } catch (err) {
      failed(err);
    }
  };
  return (snapshots) => {
    if (snapshots.length === 1) {
      for (const l of analysis) call(l, snapshots);
    } else {
      for (const s of snapshots) {
        const one = [s];
        for (const l of analysis) call(l, one);
      }
    }
    for (const l of batch) call(l, snapshots);
  };
}

/** The failure report of the engine's fan-out: a rate-limited error log. */
export function logListenerFailure(log: Logger): ListenerFailure {
  const limited = new RateLimitedLog(log);
  return (err) => limited.error('snapshot listener failed', { err }, 'snapshot listener failed');
}
