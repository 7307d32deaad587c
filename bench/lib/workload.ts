import { FIXED_METRICS } from '../../src/model/metric-names.js';
/**
 * A deterministic, realistic metrics workload: many agents, each publishing snapshots of
 * `metricsPerSnapshot` metrics at a fixed interval. Values look like real agent metrics (gauges
 * with a few decimals, byte counts, counters, small integers), not random doubles, because
 * storage layouts and compressors behave very differently on the two.
 */
export interface Workload {
  readonly sources: number;
  readonly metricsPerSnapshot: number;
  readonly snapshotsPerSource: number;
  readonly intervalMs: number;
  readonly start: number;
}

/** A wire-shaped snapshot. */
export interface WireSnapshot {
  source: string;
  host: string;
  timestamp: number;
  metrics: Record<string, number>;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Metric names of the workload: the fixed PROTOCOL.md names first, then generic ones. */
export function workloadMetricNames(n: number): string[] {
  // An agent's own figures: the fixed names without the host's disk, network and load.
  const fixed = FIXED_METRICS.filter((m) => !/^(disk_|network_|load_)/.test(m));
  const names: string[] = fixed.slice(0, n);
  for (let i = names.length; i < n; i++) names.push(`custom_metric_${i}`);
  return names;
}

/** Generates the snapshots of the workload in time order (all sources at t0, then t1, ...). */
export function* generateSnapshots(w: Workload): Generator<WireSnapshot> {
  const names = workloadMetricNames(w.metricsPerSnapshot);
  const rand = rng(42);
  const level = Array.from({ length: w.sources * names.length }, () => rand());
  for (let k = 0; k < w.snapshotsPerSource; k++) {
    const timestamp = w.start + k * w.intervalMs;
    for (let s = 0; s < w.sources; s++) {
      const metrics: Record<string, number> = {};
      for (let m = 0; m < names.length; m++) {
        const idx = s * names.length + m;
        const drift = (rand() - 0.5) * 0.02;
        level[idx] = Math.min(1, Math.max(0, level[idx]! + drift));
        const value = valueOf(names[m]!, m, level[idx]!, k, rand);
        metrics[names[m]!] = value;
      }
      yield { source: `agent-${s}`, host: `node-${s % 16}`, timestamp, metrics };
    }
  }
}

/**
 * A value of metric `name` at level `v` in [0, 1] (`k`: the snapshot's index): PROTOCOL.md's fixed
 * names in their own units and ranges (percentages 0-100, the utilization 0-1, GC time within a
 * 1-s interval), at the levels of a fleet in normal health (CPU at most 60%, memory at most 70% of
 * the limit, the loop at most 60% busy, few errors), so that analysis runs on normal streams; other
 * names by kind of figure in turn (gauge with decimals, byte count, ratio, small integer, rate,
 * counter).
 */
function valueOf(name: string, m: number, v: number, k: number, rand: () => number): number {
  const decimals = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;
  switch (name) {
    case 'cpu_usage':
      return decimals(5 + v * 55, 2);
    case 'memory_usage':
      return decimals(20 + v * 50, 2);
    case 'memory_rss_bytes':
      return Math.round(5e7 + v * 4e8);
    case 'heap_used_bytes':
      return Math.round(2e7 + v * 2e8);
    case 'heap_total_bytes':
      return Math.round(3e7 + v * 2.5e8);
    case 'event_loop_delay_p99_ms':
      return decimals(1 + v * 20, 1);
    case 'event_loop_utilization':
      return decimals(0.05 + v * 0.55, 3);
    case 'gc_pause_ms':
      return decimals(v * 20, 1);
    case 'handler_latency_p95_ms':
      return decimals(5 + v * 100, 1);
    case 'db_query_p95_ms':
      return decimals(1 + v * 30, 1);
    case 'queue_depth':
      return Math.floor(v * 5);
    case 'error_rate':
      return decimals(v * 0.5, 2);
    case 'handler_calls_per_sec':
      return decimals(100 + v * 900 + rand(), 1);
  }
  switch (m % 6) {
    case 0:
      return decimals(v * 100, 2);
    case 1:
      return Math.round(5e7 + v * 4e8);
    case 2:
      return decimals(v, 3);
    case 3:
      return Math.floor(v * 20);
    case 4:
      return decimals(v * 250 + rand(), 1);
    default:
      return (k + 1) * (1 + Math.floor(v * 100));
  }
}
