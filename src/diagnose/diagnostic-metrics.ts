import type { MetricSnapshot } from '../model/snapshot.js';
import { FIXED_METRICS, toValidName } from '../model/metric-names.js';

/**
 * Metrics the signatures read: PROTOCOL.md's fixed names, plus the host and process metrics of the
 * engine's own collectors (docs/metrics.md) that measure saturation (pressure, await, iowait,
 * throttling) and capacity (available memory). Only these are kept in a watched source's frames.
 */
export const DIAGNOSTIC_METRICS = [
  ...FIXED_METRICS,
  'event_loop_delay_max_ms',
  'cpu_iowait_pct',
  'cpu_cores',
  'pressure_cpu_some_pct',
  'pressure_memory_some_pct',
  'pressure_memory_full_pct',
  'pressure_io_some_pct',
  'pressure_io_full_pct',
  'memory_available_bytes',
  'memory_total_bytes',
  'swap_used_bytes',
  'cgroup_memory_usage',
  'cgroup_cpu_throttled_pct',
] as const;
/** A metric the signatures read. */
export type DiagnosticMetric = (typeof DIAGNOSTIC_METRICS)[number];

const DIAGNOSTIC: ReadonlySet<string> = new Set(DIAGNOSTIC_METRICS);

/** True when an anomaly of `metric` can start a diagnosis of its source. */
export function isDiagnosticMetric(metric: string): boolean {
  return DIAGNOSTIC.has(metric);
}

/**
 * What a source is, which decides the signatures that apply and who is the root cause when several
 * report the same thing: an `agent` (an SDK agent: it reports event-loop figures), a `process`
 * watched by a collector, or a `host`.
 */
export const SOURCE_SCOPES = ['agent', 'process', 'host'] as const;
/** One of {@link SOURCE_SCOPES}. */
export type SourceScope = (typeof SOURCE_SCOPES)[number];

/** The scope of a snapshot's source, from what it reports. */
export function scopeOf(s: MetricSnapshot): SourceScope {
  const m = s.metrics;
  if (m.event_loop_utilization !== undefined || m.event_loop_delay_p99_ms !== undefined || m.heap_used_bytes !== undefined) return 'agent';
  if (m.memory_total_bytes !== undefined || m.cpu_cores !== undefined || (s.host !== undefined && toValidName(s.host) === s.source)) return 'host';
  return 'process';
}

/** The host a snapshot's source runs on, as a source name (the host's own snapshots use it), or null. */
export function hostOf(s: MetricSnapshot): string | null {
  return s.host === undefined ? null : toValidName(s.host);
}

/**
 * Top of the declared range of the diagnostic metrics that have one (PROTOCOL.md: percentages are
 * 0-100 of the limit, `event_loop_utilization` 0-1; docs/metrics.md for the engine's own `*_pct`),
 * times 1.5 for rounding and sampling jitter. A value above it, or below 0, is not a reading in the
 * declared unit (bytes or per-mille sent as `memory_usage`, a percentage sent as the utilization):
 * judged as one, it would name a bottleneck on a healthy source.
 */
const RANGE_METRICS: readonly string[] = [
  ...DIAGNOSTIC_METRICS.filter((m) => m.endsWith('_pct') || m === 'cpu_usage' || m === 'memory_usage' || m === 'cgroup_memory_usage' || m === 'disk_util'),
  'event_loop_utilization',
];
// Arrays, not a map: the check runs on every snapshot, and iterating a map's entries allocates one array per entry.
const RANGE_TOP_VALUES: readonly number[] = RANGE_METRICS.map((m) => (m === 'event_loop_utilization' ? 1.5 : 150));

/** A diagnostic metric's value outside its declared range. */
export interface OutOfRange {
  readonly metric: string;
  readonly value: number;
}

/**
 * The snapshot as diagnosis may read it: itself when every metric with a declared range is inside
 * it, else a copy without the values outside it (each passed to `onOutside` with the source). Storage and detection
 * keep what was sent; only the signatures ignore it.
 */
export function withinDeclaredRanges(s: MetricSnapshot, onOutside: (source: string, o: OutOfRange) => void): MetricSnapshot {
  let outside: string[] | null = null;
  for (let i = 0; i < RANGE_METRICS.length; i++) {
    const v = s.metrics[RANGE_METRICS[i]!];
    if (v !== undefined && !(v >= 0 && v <= RANGE_TOP_VALUES[i]!)) (outside ??= []).push(RANGE_METRICS[i]!);
  }
  if (outside === null) return s;
  const metrics: Record<string, number> = { ...s.metrics };
  for (const metric of outside) {
    onOutside(s.source, { metric, value: metrics[metric]! });
    delete metrics[metric];
  }
  return { ...s, metrics };
}
