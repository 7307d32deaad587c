/**
 * Metrics whose recent normal level diagnosis keeps for every source: those the signatures compare
 * with a baseline. Absent metrics cost one property read per snapshot.
 */
export const REFERENCE_METRICS = [
  'cpu_usage',
  'event_loop_utilization',
  'event_loop_delay_p99_ms',
  'gc_pause_ms',
  'handler_latency_p95_ms',
  'db_query_p95_ms',
  'heap_used_bytes',
  'heap_total_bytes',
  'memory_rss_bytes',
  'memory_usage',
  'queue_depth',
  'error_rate',
  'disk_read_bytes_per_sec',
  'disk_write_bytes_per_sec',
  'disk_util',
  'network_rx_bytes_per_sec',
  'network_tx_bytes_per_sec',
  'cpu_iowait_pct',
  'pressure_cpu_some_pct',
  'pressure_memory_some_pct',
  'pressure_io_some_pct',
  'memory_available_bytes',
  'cgroup_memory_usage',
  'cgroup_cpu_throttled_pct',
  'handler_calls_per_sec',
] as const;

const SLOT = new Map<string, number>(REFERENCE_METRICS.map((m, i) => [m, i]));

/** Learning rate per snapshot (memory of about 50 snapshots), and the first snapshots averaged plainly. */
const RATE = 0.02;
const PLAIN = 10;
/** Residuals are clipped at this many spreads, so a spike or the start of a bottleneck barely moves the level. */
const CLIP = 3;
/** A value this many spreads from its level departs; this many departing snapshots in a row make a sustained departure. */
const DEPART = 4;
const RUN = 2;

/**
 * The recent normal level and spread of a source's reference metrics, in one small array: a
 * Huber-clipped EWMA of the value and of its absolute residual (plain means over the first few
 * snapshots). Kept in-stream for every source so a diagnosis that starts at an anomaly knows the
 * level from before it; deterministic in event time. The detector's own baseline serves its
 * scores (it is learned net of a seasonal profile that may not be in use yet), so diagnosis keeps
 * this simpler one.
 */
export class SourceReferences {
  /** [level, spread, count] per metric. */
  readonly #s = new Float64Array(REFERENCE_METRICS.length * 3);
  /** Consecutive departing snapshots per metric. */
  readonly #runs = new Uint8Array(REFERENCE_METRICS.length);

  /**
   * Learns one snapshot's values; true when a metric has now departed from its level for several
   * snapshots in a row (a sustained change the detector's score may not flag on a spiky series).
   */
  learn(metrics: Readonly<Record<string, number>>): boolean {
    const s = this.#s;
    let sustained = false;
    for (let i = 0; i < REFERENCE_METRICS.length; i++) {
      const x = metrics[REFERENCE_METRICS[i]!];
      if (x === undefined) continue;
      const b = i * 3;
      const n = ++s[b + 2]!;
      if (n === 1) {
        s[b] = x;
        continue;
      }
      const r = x - s[b]!;
      if (n <= PLAIN) {
        s[b]! += r / n;
        s[b + 1]! += (Math.abs(r) - s[b + 1]!) / n;
        continue;
      }
      const spread = Math.max(s[b + 1]!, Math.abs(s[b]!) * 1e-3, 1e-12);
      const departs = r > DEPART * spread || r < -DEPART * spread;
      this.#runs[i] = departs ? Math.min(255, this.#runs[i]! + 1) : 0;
      if (departs && this.#runs[i]! >= RUN) sustained = true;
      const limit = CLIP * spread;
      const clipped = r > limit ? limit : r < -limit ? -limit : r;
      s[b]! += RATE * clipped;
      s[b + 1]! += RATE * (Math.min(Math.abs(r), limit) - s[b + 1]!);
    }
    return sustained;
  }

  /** Snapshots learned of a metric. */
  samples(metric: string): number {
    const i = SLOT.get(metric);
    return i === undefined ? 0 : this.#s[i * 3 + 2]!;
  }

  /** The level of a metric, NaN when it has not been seen (or only a few times). */
  level(metric: string, minSamples = PLAIN): number {
    const i = SLOT.get(metric);
    if (i === undefined || this.#s[i * 3 + 2]! < minSamples) return Number.NaN;
    return this.#s[i * 3]!;
  }

  /** The spread of a metric around its level (mean absolute residual), NaN when unknown. */
  spread(metric: string, minSamples = PLAIN): number {
    const i = SLOT.get(metric);
    if (i === undefined || this.#s[i * 3 + 2]! < minSamples) return Number.NaN;
    return this.#s[i * 3 + 1]!;
  }
}
