import { counterDelta, type MetricSink, pct, put, ratePerSec } from './counter.js';
import type { LoadAvg } from './proc/parse-loadavg.js';
import type { MemInfo } from './proc/parse-meminfo.js';
import type { Pressure } from './proc/parse-pressure.js';
import type { CpuTimes, ProcStat } from './proc/parse-stat.js';

const CPU_FIELDS = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;

/**
 * Host CPU shares (0-100 of all cores) from two /proc/stat readings, divided by the ticks that
 * elapsed in /proc/stat itself (as vmstat does), plus scheduler counters as per-second rates.
 * `cpu_user_pct` includes nice and `cpu_system_pct` includes irq and softirq, like vmstat's us/sy.
 */
export function cpuMetrics(out: MetricSink, prev: ProcStat | undefined, cur: ProcStat, elapsedMs: number): void {
  put(out, 'cpu_cores', cur.cores);
  put(out, 'procs_running', cur.procsRunning);
  put(out, 'procs_blocked', cur.procsBlocked);
  if (prev === undefined) return;
  const d = cpuDeltas(prev.cpu, cur.cpu);
  if (d !== undefined) {
    const total = CPU_FIELDS.reduce((sum, k) => sum + d[k], 0);
    put(out, 'cpu_usage', pct(total - d.idle - d.iowait, total));
    put(out, 'cpu_user_pct', pct(d.user + d.nice, total));
    put(out, 'cpu_system_pct', pct(d.system + d.irq + d.softirq, total));
    put(out, 'cpu_iowait_pct', pct(d.iowait, total));
    put(out, 'cpu_steal_pct', pct(d.steal, total));
    put(out, 'cpu_idle_pct', pct(d.idle, total));
  }
  put(out, 'context_switches_per_sec', ratePerSec(prev.contextSwitches, cur.contextSwitches, elapsedMs));
  put(out, 'interrupts_per_sec', ratePerSec(prev.interrupts, cur.interrupts, elapsedMs));
  put(out, 'forks_per_sec', ratePerSec(prev.forks, cur.forks, elapsedMs));
}

function cpuDeltas(prev: CpuTimes, cur: CpuTimes): CpuTimes | undefined {
  const d: Partial<Record<(typeof CPU_FIELDS)[number], number>> = {};
  for (const k of CPU_FIELDS) {
    // proc(5): iowait may decrease on tickless kernels; that is not a reset of the whole line.
    const delta = counterDelta(prev[k], cur[k]) ?? (k === 'iowait' ? 0 : undefined);
    if (delta === undefined) return undefined;
    d[k] = delta;
  }
  return d as CpuTimes;
}

/** Load averages. */
export function loadMetrics(out: MetricSink, load: LoadAvg | undefined): void {
  if (load === undefined) return;
  put(out, 'load_1m', load.load1);
  put(out, 'load_5m', load.load5);
  put(out, 'load_15m', load.load15);
}

/** Memory and swap gauges; `memory_usage` = (total - available) / total. */
export function memoryMetrics(out: MetricSink, mem: MemInfo | undefined): void {
  if (mem === undefined) return;
  put(out, 'memory_total_bytes', mem.totalBytes);
  put(out, 'memory_available_bytes', mem.availableBytes);
  put(out, 'memory_usage', pct(mem.totalBytes - mem.availableBytes, mem.totalBytes));
  put(out, 'swap_total_bytes', mem.swapTotalBytes);
  put(out, 'swap_used_bytes', Math.max(0, mem.swapTotalBytes - mem.swapFreeBytes));
}

/** Which lines of a pressure file to report. */
export type PressureKinds = readonly ('some' | 'full')[];

/**
 * `<prefix>_some_pct` / `<prefix>_full_pct`: the share of the interval during which tasks were
 * stalled, from the cumulative `total` microsecond counters (not the kernel's decaying averages,
 * which would not match the tick's interval).
 */
export function pressureMetrics(
  out: MetricSink,
  prefix: string,
  kinds: PressureKinds,
  prev: Pressure | undefined,
  cur: Pressure | undefined,
  elapsedMs: number,
): void {
  if (prev === undefined || cur === undefined) return;
  for (const kind of kinds) {
    const stalledUs = counterDelta(prev[kind]?.totalUs, cur[kind]?.totalUs);
    put(out, `${prefix}_${kind}_pct`, pct(stalledUs, elapsedMs * 1000));
  }
}
