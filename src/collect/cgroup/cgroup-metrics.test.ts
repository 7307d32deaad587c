import { describe, expect, it } from 'vitest';
import { cgroupMetrics } from './cgroup-metrics.js';
import type { CgroupReading } from './read-cgroup.js';

const reading = (r: Partial<CgroupReading>): CgroupReading => ({ version: 2, pressure: {}, ...r });

describe('cgroupMetrics', () => {
  it('reports memory against its limit and CPU against its quota, in cores too', () => {
    const prev = reading({ cpuUsageUs: 1_000_000, throttledUs: 0, periods: 100, throttledPeriods: 10, oomKills: 1 });
    const cur = reading({
      memoryCurrentBytes: 256 << 20,
      memoryLimitBytes: 1024 << 20,
      memoryPeakBytes: 300 << 20,
      memoryInactiveFileBytes: 56 << 20,
      oomKills: 3,
      cpuLimitCores: 0.5,
      cpuUsageUs: 1_400_000,
      throttledUs: 200_000,
      periods: 110,
      throttledPeriods: 14,
    });
    const out: Record<string, number> = {};
    cgroupMetrics(out, prev, cur, 1000, 2);
    expect(out).toEqual({
      cgroup_memory_current_bytes: 256 << 20,
      cgroup_memory_max_bytes: 1024 << 20,
      cgroup_memory_usage: 25,
      cgroup_memory_peak_bytes: 300 << 20,
      cgroup_memory_working_set_bytes: 200 << 20,
      cgroup_memory_oom_kills: 2,
      cgroup_cpu_limit_cores: 0.5,
      cgroup_cpu_usage: 80,
      cgroup_cpu_used_cores: 0.4,
      cgroup_cpu_throttled_pct: 10,
      cgroup_cpu_throttled_cores: 0.2,
      cgroup_cpu_throttled_periods_pct: 40,
    });
  });

  it('uses all host cores when the cgroup has no CPU quota, and omits limits it does not have', () => {
    const out: Record<string, number> = {};
    cgroupMetrics(out, reading({ cpuUsageUs: 0 }), reading({ cpuUsageUs: 500_000, memoryCurrentBytes: 10 }), 1000, 2);
    expect(out).toEqual({ cgroup_memory_current_bytes: 10, cgroup_cpu_usage: 25, cgroup_cpu_used_cores: 0.5 });
  });

  it('reports cgroup pressure from both lines of each file', () => {
    const p = (some: number, full: number) => ({
      some: { avg10: 0, avg60: 0, avg300: 0, totalUs: some },
      full: { avg10: 0, avg60: 0, avg300: 0, totalUs: full },
    });
    const out: Record<string, number> = {};
    cgroupMetrics(out, reading({ pressure: { memory: p(0, 0) } }), reading({ pressure: { memory: p(300_000, 100_000) } }), 1000, 2);
    expect(out).toEqual({ cgroup_pressure_memory_some_pct: 30, cgroup_pressure_memory_full_pct: 10 });
  });

  it('gives no rates on the first reading or across a change of cgroup version', () => {
    const out: Record<string, number> = {};
    cgroupMetrics(out, undefined, reading({ cpuUsageUs: 5 }), 0, 2);
    cgroupMetrics(out, reading({ version: 1, cpuUsageUs: 1 }), reading({ cpuUsageUs: 5 }), 1000, 2);
    expect(out).toEqual({});
  });
});
