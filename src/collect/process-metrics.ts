import { counterDelta, type MetricSink, pct, put, ratePerSec } from './counter.js';
import type { PidIo } from './proc/parse-pid-io.js';
import type { PidStat } from './proc/parse-pid-stat.js';
import type { PidStatus } from './proc/parse-pid-status.js';

/** Ticks per second of /proc/<pid>/stat times: USER_HZ, fixed at 100 by the Linux ABI on mainstream architectures. */
export const USER_HZ = 100;

/** One reading of a watched process. */
export interface ProcessReading {
  readonly stat: PidStat;
  readonly status: PidStatus;
  /** Absent when /proc/<pid>/io is not readable (another user's process without privileges). */
  readonly io?: PidIo;
  readonly openFds?: number;
}

/**
 * Metrics of one watched process. `prev` must be a reading of the same process (same pid and
 * starttime); without it only the gauges are reported. CPU shares are of all `cores`;
 * `memory_usage` is RSS against `memoryLimitBytes` (the host's memory or the process's cgroup limit).
 */
export function processMetrics(
  out: MetricSink,
  prev: ProcessReading | undefined,
  cur: ProcessReading,
  elapsedMs: number,
  cores: number,
  memoryLimitBytes: number | undefined,
): void {
  const rss = cur.status.rssBytes;
  put(out, 'memory_rss_bytes', rss);
  put(out, 'memory_usage', pct(rss, memoryLimitBytes));
  put(out, 'threads', cur.stat.threads);
  put(out, 'open_fds', cur.openFds);
  if (prev === undefined || !(elapsedMs > 0)) return;
  const cpuCapacityTicks = (elapsedMs / 1000) * USER_HZ * cores;
  const user = counterDelta(prev.stat.utime, cur.stat.utime);
  const system = counterDelta(prev.stat.stime, cur.stat.stime);
  if (user !== undefined && system !== undefined) put(out, 'cpu_usage', pct(user + system, cpuCapacityTicks));
  put(out, 'cpu_user_pct', pct(user, cpuCapacityTicks));
  put(out, 'cpu_system_pct', pct(system, cpuCapacityTicks));
  put(out, 'disk_read_bytes_per_sec', ratePerSec(prev.io?.readBytes, cur.io?.readBytes, elapsedMs));
  put(out, 'disk_write_bytes_per_sec', ratePerSec(prev.io?.writeBytes, cur.io?.writeBytes, elapsedMs));
  put(out, 'minor_faults_per_sec', ratePerSec(prev.stat.minorFaults, cur.stat.minorFaults, elapsedMs));
  put(out, 'major_faults_per_sec', ratePerSec(prev.stat.majorFaults, cur.stat.majorFaults, elapsedMs));
  put(out, 'ctx_switches_per_sec', ratePerSec(ctxSwitches(prev.status), ctxSwitches(cur.status), elapsedMs));
}

function ctxSwitches(s: PidStatus): number | undefined {
  const { voluntaryCtxtSwitches: v, nonvoluntaryCtxtSwitches: n } = s;
  return v === undefined || n === undefined ? undefined : v + n;
}
