import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cpuMetrics, loadMetrics, memoryMetrics, pressureMetrics } from './host-metrics.js';
import { parseLoadAvg } from './proc/parse-loadavg.js';
import { parseMemInfo } from './proc/parse-meminfo.js';
import { parsePressure } from './proc/parse-pressure.js';
import { parseProcStat } from './proc/parse-stat.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/proc/vm-v1/', import.meta.url));
const fixture = (path: string): string => readFileSync(FIXTURES + path, 'latin1');

describe('cpuMetrics', () => {
  // Captured one tick apart under stress-ng --cpu 1 --hdd 1: the aggregate lines are
  // t1: cpu 13195 0 6403 93764 553 0 161 14 and t2: cpu 13383 0 6468 93768 577 0 162 14,
  // so user +188, system +65, idle +4, iowait +24, softirq +1: 282 ticks in all.
  const t1 = parseProcStat(fixture('t1/proc/stat'));
  const t2 = parseProcStat(fixture('t2/proc/stat'));

  it('gives CPU shares of the ticks elapsed in /proc/stat, like vmstat', () => {
    const out: Record<string, number> = {};
    cpuMetrics(out, t1, t2, 1410);
    expect(out.cpu_usage).toBeCloseTo(((282 - 4 - 24) / 282) * 100, 10);
    expect(out.cpu_user_pct).toBeCloseTo((188 / 282) * 100, 10);
    expect(out.cpu_system_pct).toBeCloseTo((66 / 282) * 100, 10);
    expect(out.cpu_iowait_pct).toBeCloseTo((24 / 282) * 100, 10);
    expect(out.cpu_idle_pct).toBeCloseTo((4 / 282) * 100, 10);
    expect(out.cpu_steal_pct).toBe(0);
    expect(out.cpu_cores).toBe(2);
    expect(out.context_switches_per_sec).toBeCloseTo((1683165 - 1680773) / 1.41, 6);
    expect(out.forks_per_sec).toBeCloseTo((13875 - 13643) / 1.41, 6);
    expect(out.procs_running).toBe(2);
  });

  it('reports only gauges on the first reading', () => {
    const out: Record<string, number> = {};
    cpuMetrics(out, undefined, t1, 0);
    expect(out).toEqual({ cpu_cores: 2, procs_running: 3, procs_blocked: 1 });
  });

  it('tolerates iowait going backwards (proc(5)) by counting it as zero', () => {
    const out: Record<string, number> = {};
    cpuMetrics(out, parseProcStat('cpu  100 0 50 800 40 0 10 0\n'), parseProcStat('cpu  160 0 70 900 30 0 10 0\n'), 1000);
    expect(out.cpu_iowait_pct).toBe(0);
    expect(out.cpu_usage).toBeCloseTo((80 / 180) * 100, 10);
  });

  it('skips the shares when another counter went backwards (a reset), never reporting negatives', () => {
    const out: Record<string, number> = {};
    cpuMetrics(out, parseProcStat('cpu  100 0 50 800 40 0 10 0\n'), parseProcStat('cpu  90 0 70 900 50 0 10 0\n'), 1000);
    expect(out.cpu_usage).toBeUndefined();
    expect(out.cpu_user_pct).toBeUndefined();
    expect(out.cpu_cores).toBe(0);
  });
});

describe('pressureMetrics', () => {
  it('gives the share of the interval stalled from the total counters', () => {
    const out: Record<string, number> = {};
    const p1 = parsePressure(fixture('t1/proc/pressure/io'));
    const p2 = parsePressure(fixture('t2/proc/pressure/io'));
    pressureMetrics(out, 'pressure_io', ['some', 'full'], p1, p2, 1410);
    expect(out.pressure_io_some_pct).toBeCloseTo(((5761207 - 5549503) / 1_410_000) * 100, 10);
    expect(out.pressure_io_full_pct).toBeCloseTo(((4598926 - 4473537) / 1_410_000) * 100, 10);
  });

  it('reports nothing without a file or a previous reading', () => {
    const out: Record<string, number> = {};
    const p = parsePressure(fixture('t1/proc/pressure/cpu'));
    pressureMetrics(out, 'pressure_cpu', ['some'], undefined, p, 1000);
    pressureMetrics(out, 'pressure_cpu', ['some'], p, undefined, 1000);
    expect(out).toEqual({});
  });
});

describe('memoryMetrics and loadMetrics', () => {
  it('reports used memory as (total - available) / total', () => {
    const out: Record<string, number> = {};
    memoryMetrics(out, parseMemInfo(fixture('t1/proc/meminfo')));
    expect(out).toEqual({
      memory_total_bytes: 24684092 * 1024,
      memory_available_bytes: 23983172 * 1024,
      memory_usage: ((24684092 - 23983172) / 24684092) * 100,
      swap_total_bytes: 0,
      swap_used_bytes: 0,
    });
  });

  it('reports swap in use', () => {
    const out: Record<string, number> = {};
    memoryMetrics(out, { totalBytes: 100, availableBytes: 50, swapTotalBytes: 1000, swapFreeBytes: 250 });
    expect(out.swap_used_bytes).toBe(750);
  });

  it('copies the load averages', () => {
    const out: Record<string, number> = {};
    loadMetrics(out, parseLoadAvg(fixture('t2/proc/loadavg')));
    expect(out).toEqual({ load_1m: 1.59, load_5m: 0.72, load_15m: 0.31 });
  });
});
