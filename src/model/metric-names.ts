/**
 * Metric names with a fixed meaning on the platform (docs/subjects.md). Units are in the name;
 * percentages are 0-100 of the limit.
 */
export const FIXED_METRICS = [
  'cpu_usage',
  'memory_usage',
  'memory_rss_bytes',
  'heap_used_bytes',
  'heap_total_bytes',
  'event_loop_delay_p99_ms',
  'event_loop_utilization',
  'gc_pause_ms',
  'handler_latency_p95_ms',
  'queue_depth',
  'error_rate',
  'disk_read_bytes_per_sec',
  'disk_write_bytes_per_sec',
  'disk_util',
  'network_rx_bytes_per_sec',
  'network_tx_bytes_per_sec',
  'load_1m',
  'db_query_p95_ms',
  'handler_calls_per_sec',
] as const;
export type FixedMetric = (typeof FIXED_METRICS)[number];

/** Names of sources, agents and metrics: 1-128 characters of `A-Z a-z 0-9 _ . : -`. */
export const NAME_PATTERN = '^[A-Za-z0-9_.:-]{1,128}$';
const NAME_RE = new RegExp(NAME_PATTERN);

/** True when `name` is a valid source, agent or metric name. */
export function isValidName(name: string): boolean {
  return NAME_RE.test(name);
}

/** Turns arbitrary text (an interface or device name, a host name) into a valid name. */
export function toValidName(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, 128);
  return cleaned.length > 0 ? cleaned : '_';
}
