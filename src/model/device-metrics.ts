/**
 * Per-device metrics: the collectors store one metric per disk or interface as `<stem>.<device>`
 * (`network_rx_bytes_per_sec.eth0`, readable in SQL); the query APIs show it as the metric
 * `<stem>` with a `device` label (`network_rx_bytes_per_sec{device="eth0"}`), as Prometheus
 * exporters do. docs/metrics.md lists the stems; only these are split, so an agent's own metric
 * with a dot in its name keeps its name.
 */
export const DEVICE_METRIC_STEMS = [
  'disk_reads_per_sec',
  'disk_writes_per_sec',
  'disk_read_bytes_per_sec',
  'disk_write_bytes_per_sec',
  'disk_await_ms',
  'disk_util',
  'network_rx_bytes_per_sec',
  'network_tx_bytes_per_sec',
  'network_rx_packets_per_sec',
  'network_tx_packets_per_sec',
  'network_rx_errors_per_sec',
  'network_tx_errors_per_sec',
  'network_rx_drops_per_sec',
  'network_tx_drops_per_sec',
] as const;

const STEMS: ReadonlySet<string> = new Set(DEVICE_METRIC_STEMS);

/** A stored metric name as the APIs show it: the metric and, for a per-device metric, its device. */
export interface ApiMetricName {
  readonly name: string;
  readonly device: string | null;
}

/** Splits a stored name: `disk_util.sda` -> {name: 'disk_util', device: 'sda'}; any other name is kept whole. */
export function apiMetricName(stored: string): ApiMetricName {
  const dot = stored.indexOf('.');
  if (dot > 0 && dot < stored.length - 1 && STEMS.has(stored.slice(0, dot))) return { name: stored.slice(0, dot), device: stored.slice(dot + 1) };
  return { name: stored, device: null };
}

/** The stored name of an API metric and device (the inverse of `apiMetricName` for per-device stems). */
export function storedMetricName(name: string, device: string | null): string {
  return device !== null && STEMS.has(name) ? `${name}.${device}` : name;
}
