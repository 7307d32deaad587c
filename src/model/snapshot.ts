/** Health states a snapshot may carry (PROTOCOL.md). */
export const HEALTH_STATES = ['healthy', 'degraded', 'unhealthy'] as const;
export type Health = (typeof HEALTH_STATES)[number];

/**
 * Metrics of one source at one instant: the in-process form of a `monitoring.realtime_metrics`
 * snapshot once validated. The timestamp is epoch milliseconds (UTC).
 */
export interface MetricSnapshot {
  readonly source: string;
  readonly timestamp: number;
  readonly metrics: Readonly<Record<string, number>>;
  readonly host?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly health?: Health;
}

/** One value of one series: what detectors and query results deal in. */
export interface Sample {
  readonly timestamp: number;
  readonly value: number;
}

/** Identity of a series: a metric of a source. */
export interface SeriesKey {
  readonly source: string;
  readonly metric: string;
}

/** Number of samples (metric values) in a list of snapshots. */
export function countSamples(snapshots: readonly MetricSnapshot[]): number {
  let n = 0;
  for (const s of snapshots) {
    for (const _ in s.metrics) n++;
  }
  return n;
}
