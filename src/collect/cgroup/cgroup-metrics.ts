import { counterDelta, type MetricSink, pct, put } from '../counter.js';
import { pressureMetrics } from '../host-metrics.js';
import type { CgroupReading } from './read-cgroup.js';

const PRESSURE_RESOURCES = ['cpu', 'memory', 'io'] as const;

/**
 * Metrics of a cgroup (the engine's own, or a watched process's): memory against its limit and
 * its peak, CPU against its quota (or all cores when it has none) and in cores, throttling, OOM
 * kills and pressure. Rates need a previous reading.
 */
export function cgroupMetrics(
  out: MetricSink,
  prev: CgroupReading | undefined,
  cur: CgroupReading,
  elapsedMs: number,
  hostCores: number,
): void {
  put(out, 'cgroup_memory_current_bytes', cur.memoryCurrentBytes);
  put(out, 'cgroup_memory_max_bytes', cur.memoryLimitBytes);
  put(out, 'cgroup_memory_usage', pct(cur.memoryCurrentBytes, cur.memoryLimitBytes));
  put(out, 'cgroup_memory_peak_bytes', cur.memoryPeakBytes);
  if (cur.memoryCurrentBytes !== undefined && cur.memoryInactiveFileBytes !== undefined) {
    put(out, 'cgroup_memory_working_set_bytes', Math.max(0, cur.memoryCurrentBytes - cur.memoryInactiveFileBytes));
  }
  put(out, 'cgroup_cpu_limit_cores', cur.cpuLimitCores);
  if (prev === undefined || prev.version !== cur.version) return;
  const elapsedUs = elapsedMs * 1000;
  const capacityCores = cur.cpuLimitCores ?? hostCores;
  const usedUs = counterDelta(prev.cpuUsageUs, cur.cpuUsageUs);
  const throttledUs = counterDelta(prev.throttledUs, cur.throttledUs);
  put(out, 'cgroup_cpu_usage', pct(usedUs, elapsedUs * capacityCores));
  put(out, 'cgroup_cpu_throttled_pct', pct(throttledUs, elapsedUs * hostCores));
  if (elapsedUs > 0) {
    put(out, 'cgroup_cpu_used_cores', usedUs === undefined ? undefined : usedUs / elapsedUs);
    // Throttled time is summed over the runqueues that waited: in cores, the CPU the tasks were denied.
    put(out, 'cgroup_cpu_throttled_cores', throttledUs === undefined ? undefined : throttledUs / elapsedUs);
  }
  put(out, 'cgroup_memory_oom_kills', counterDelta(prev.oomKills, cur.oomKills));
  const periods = counterDelta(prev.periods, cur.periods);
  if (periods !== undefined && periods > 0) {
    put(out, 'cgroup_cpu_throttled_periods_pct', pct(counterDelta(prev.throttledPeriods, cur.throttledPeriods), periods));
  }
  for (const r of PRESSURE_RESOURCES) {
    pressureMetrics(out, `cgroup_pressure_${r}`, ['some', 'full'], prev.pressure[r], cur.pressure[r], elapsedMs);
  }
}
