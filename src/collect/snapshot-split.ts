import type { MetricSnapshot } from '../model/snapshot.js';
import type { MetricSink } from './counter.js';
import { MAX_METRICS_PER_SNAPSHOT } from '../model/limits.js';


/**
 * Wraps collected metrics into snapshots of the same source and timestamp, at most `max` metrics
 * each, in the order they were collected (aggregates come first); none when there are no metrics.
 */
export function toSnapshots(
  base: Omit<MetricSnapshot, 'metrics'>,
  metrics: MetricSink,
  max = MAX_METRICS_PER_SNAPSHOT,
): MetricSnapshot[] {
  const entries = Object.entries(metrics);
  if (entries.length === 0) return [];
  if (entries.length <= max) return [{ ...base, metrics }];
  const out: MetricSnapshot[] = [];
  for (let i = 0; i < entries.length; i += max) {
    out.push({ ...base, metrics: Object.fromEntries(entries.slice(i, i + max)) });
  }
  return out;
}
