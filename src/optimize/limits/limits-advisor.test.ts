import { describe, expect, it } from 'vitest';
import { adviseLimits, type LimitSample, type LimitsTarget } from './limits-advisor.js';
import { intervalPeaks } from './memory-limit.js';

const MIB = 1024 * 1024;
const series = (n: number, metrics: (i: number) => Record<string, number>): LimitSample[] =>
  Array.from({ length: n }, (_, i) => ({ atMs: 1_000_000 + i * 15_000, metrics: metrics(i) }));
const target = (t: Partial<LimitsTarget>): LimitsTarget => ({ source: 'node:agent-main.abc123', samples: [], ...t });
const cpuTarget = (limit: number | null, metrics: (i: number) => Record<string, number>): LimitsTarget =>
  target({ cpu: { cgroup: '/sys/fs/cgroup/cpu/app', limit }, agentSource: 'order-agent-1', bottleneckId: 'b-1', samples: series(40, metrics) });

describe('adviseLimits: CPU', () => {
  it('raises a throttling limit to the p90 of used + throttled cores plus 15 %, judged on throttling and latency', () => {
    const [p, ...rest] = adviseLimits(
      cpuTarget(0.2, (i) => ({ cgroup_cpu_used_cores: 0.2, cgroup_cpu_throttled_cores: 0.55 + (i % 4) * 0.01, cgroup_cpu_throttled_periods_pct: 85 })),
    );
    expect(rest).toEqual([]);
    expect(p!.action).toBe('set_cpu_limit');
    // p90 of 0.75-0.78 cores, bucket upper bound, + 15 %.
    expect(p!.params.cpu_cores).toBeGreaterThanOrEqual(0.9);
    expect(p!.params.cpu_cores).toBeLessThanOrEqual(0.95);
    expect(p!.params).toMatchObject({ source: 'node:agent-main.abc123', cgroup: '/sys/fs/cgroup/cpu/app', previous: 0.2 });
    expect(p!.undo).toEqual({
      action: 'set_cpu_limit',
      params: { source: 'node:agent-main.abc123', cgroup: '/sys/fs/cgroup/cpu/app', cpu_cores: 0.2, previous: p!.params.cpu_cores },
    });
    expect(p!.expect).toEqual([
      { metric: 'cgroup_cpu_throttled_pct', direction: 'decrease', source: 'node:agent-main.abc123' },
      { metric: 'handler_latency_p95_ms', direction: 'decrease', source: 'order-agent-1' },
    ]);
    expect(p!.predicted).toMatchObject({ percentile: 0.9, margin: 0.15, cpu_cores_before: 0.2, throttled_periods_pct_before: 85, expected_throttled_intervals_pct: 0 });
    expect(p!.rationale).toMatch(/85% of CPU periods were throttled at a limit of 0.2 cores/);
    expect(p!.key).toBe('set_cpu_limit:/sys/fs/cgroup/cpu/app');
    expect(p!.bottleneckId).toBe('b-1');
  });

  it('raises by at least a quarter when throttling comes in bursts the interval averages hide', () => {
    const [p] = adviseLimits(cpuTarget(0.5, () => ({ cgroup_cpu_used_cores: 0.1, cgroup_cpu_throttled_cores: 0.01, cgroup_cpu_throttled_periods_pct: 30 })));
    expect(p!.params.cpu_cores).toBe(0.63);
  });

  it('lowers a limit far above use that never throttles, judged on usage of the limit', () => {
    const [p] = adviseLimits(cpuTarget(4, (i) => ({ cgroup_cpu_used_cores: 0.4 + (i % 5) * 0.02, cgroup_cpu_throttled_cores: 0, cgroup_cpu_throttled_periods_pct: 0 })));
    expect(p!.params.cpu_cores).toBeGreaterThan(0.5);
    expect(p!.params.cpu_cores).toBeLessThan(0.6);
    expect(p!.expect).toEqual([{ metric: 'cgroup_cpu_usage', direction: 'increase', source: 'node:agent-main.abc123' }]);
  });

  it('proposes nothing for a fitting limit, no limit, or too few samples', () => {
    const fitting = (i: number) => ({ cgroup_cpu_used_cores: 0.6 + (i % 3) * 0.05, cgroup_cpu_throttled_cores: 0, cgroup_cpu_throttled_periods_pct: 2 });
    expect(adviseLimits(cpuTarget(1, fitting))).toEqual([]);
    expect(adviseLimits(cpuTarget(null, () => ({ cgroup_cpu_used_cores: 3 })))).toEqual([]);
    expect(adviseLimits(cpuTarget(0.2, () => ({ cgroup_cpu_used_cores: 0.2, cgroup_cpu_throttled_periods_pct: 90 })), { minSamples: 41 })).toEqual([]);
  });

  it('never proposes more cores than the host has', () => {
    const [p] = adviseLimits(cpuTarget(1, () => ({ cgroup_cpu_used_cores: 1, cgroup_cpu_throttled_cores: 3, cgroup_cpu_throttled_periods_pct: 95 })), { maxCpuCores: 2 });
    expect(p!.params.cpu_cores).toBe(2);
  });
});

describe('adviseLimits: memory', () => {
  const memTarget = (limit: number, metrics: (i: number) => Record<string, number>): LimitsTarget =>
    target({ memory: { cgroup: '/sys/fs/cgroup/memory/app', limit }, samples: series(40, metrics) });

  it('raises a limit the OOM killer hit by at least 20 %, judged on usage and OOM kills', () => {
    const [p] = adviseLimits(
      memTarget(256 * MIB, (i) => ({ cgroup_memory_current_bytes: 250 * MIB, cgroup_memory_working_set_bytes: 240 * MIB, cgroup_memory_oom_kills: i === 30 ? 1 : 0 })),
    );
    expect(p!.action).toBe('set_memory_limit');
    expect(p!.params.bytes).toBe(308 * MIB);
    expect(p!.undo!.params).toMatchObject({ bytes: 256 * MIB, previous: 308 * MIB });
    expect(p!.expect.map((e) => e.metric)).toEqual(['cgroup_memory_usage', 'cgroup_memory_oom_kills']);
    expect(p!.rationale).toMatch(/OOM killer ended 1 process/);
  });

  it('raises a limit that the p99 of peaks plus 15 % exceeds by more than the minimum change', () => {
    const [p] = adviseLimits(memTarget(200 * MIB, (i) => ({ cgroup_memory_working_set_bytes: (150 + (i % 10) * 5) * MIB })));
    // p99 of 150-195 MiB (bucket bound below 205), + 15 %.
    expect(p!.params.bytes).toBeGreaterThan(220 * MIB);
    expect(p!.params.bytes).toBeLessThan(236 * MIB);
    expect(adviseLimits(memTarget(200 * MIB, (i) => ({ cgroup_memory_working_set_bytes: (150 + (i % 10) * 3) * MIB })))).toEqual([]);
    expect(p!.predicted).toMatchObject({ percentile: 0.99, margin: 0.15, oom_kills: 0 });
  });

  it('lowers a limit far above the working set, and counts the page cache as reclaimable', () => {
    const [p] = adviseLimits(memTarget(4096 * MIB, () => ({ cgroup_memory_current_bytes: 3000 * MIB, cgroup_memory_working_set_bytes: 200 * MIB })));
    expect(p!.params.bytes).toBeGreaterThan(230 * MIB);
    expect(p!.params.bytes).toBeLessThan(245 * MIB);
    expect(p!.expect).toEqual([{ metric: 'cgroup_memory_usage', direction: 'increase', source: 'node:agent-main.abc123' }]);
  });
});

describe('intervalPeaks', () => {
  it('takes the recorded peak, less the page cache, for an interval in which the peak rose', () => {
    const peaks = intervalPeaks([
      { atMs: 0, metrics: { cgroup_memory_current_bytes: 110, cgroup_memory_working_set_bytes: 100, cgroup_memory_peak_bytes: 150 } },
      { atMs: 1, metrics: { cgroup_memory_current_bytes: 110, cgroup_memory_working_set_bytes: 100, cgroup_memory_peak_bytes: 150 } },
      { atMs: 2, metrics: { cgroup_memory_current_bytes: 110, cgroup_memory_working_set_bytes: 100, cgroup_memory_peak_bytes: 400 } },
      { atMs: 3, metrics: { cgroup_memory_current_bytes: 120 } },
    ]);
    expect(peaks).toEqual([
      { atMs: 0, bytes: 100 },
      { atMs: 1, bytes: 100 },
      { atMs: 2, bytes: 390 },
      { atMs: 3, bytes: 120 },
    ]);
  });
});
