import type { SeriesDetail } from '../detect/anomaly/index.js';
import type { MetricSnapshot } from '../model/snapshot.js';
import { SIGNATURE_LIMITS as L } from './signature-limits.js';

/** Every how many snapshots of a source the leak sentinel reads the detector's memory trend. */
export const LEAK_SENTINEL_EVERY = 16;

/**
 * The cheap per-snapshot check that starts a diagnosis without an anomaly: a figure at capacity
 * (event loop, CPU, memory, disk, pressure, GC share, loop delay) whatever its history, so a
 * source too young for the detector to score, or one that saturates gradually, is still looked
 * at. A handful of property reads; most snapshots pass through it and nothing else.
 */
export function atCapacity(s: MetricSnapshot, intervalMs: number): boolean {
  const m = s.metrics;
  return (
    m.event_loop_utilization! >= L.eluBusy ||
    m.cpu_usage! >= L.cpuSaturatedPct ||
    m.memory_usage! >= L.memoryPct ||
    m.cgroup_memory_usage! >= L.memoryPct ||
    m.disk_util! >= L.diskUtilPct ||
    m.event_loop_delay_p99_ms! >= L.loopDelayMs ||
    m.cgroup_cpu_throttled_pct! >= L.throttledPct ||
    m.pressure_memory_some_pct! >= L.memoryPressurePct ||
    m.pressure_io_some_pct! >= L.ioPressurePct ||
    m.pressure_cpu_some_pct! >= L.cpuPressurePct ||
    (intervalMs > 0 && m.gc_pause_ms! / intervalMs >= L.gcShare)
  );
}

/**
 * The leak sentinel: the detector's trend of a memory series is steady (R² at least 0.8) and
 * rising by at least 5% of its baseline an hour. Slow leaks hide from anomaly scores (the
 * baseline follows them), not from a trend.
 */
export function steadyGrowth(d: SeriesDetail | null): boolean {
  return d !== null && d.trendFit >= 0.8 && d.trendPerSecond > 0 && d.trendPerSecond * 3600 >= 0.05 * Math.abs(d.baseline);
}
