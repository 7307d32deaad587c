import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type ProcessReading, processMetrics } from './process-metrics.js';
import { parsePidIo } from './proc/parse-pid-io.js';
import { parsePidStat } from './proc/parse-pid-stat.js';
import { parsePidStatus } from './proc/parse-pid-status.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/proc/vm-v1/', import.meta.url));
const reading = (t: string, pid: number, openFds?: number): ProcessReading => {
  const file = (name: string): string => readFileSync(`${FIXTURES}${t}/proc/${pid}/${name}`, 'utf8');
  return { stat: parsePidStat(file('stat'))!, status: parsePidStatus(file('status')), io: parsePidIo(file('io')), openFds };
};

describe('processMetrics', () => {
  // The captured node process: utime 26 -> 41 ticks, stime 3 -> 3, minflt 3007 -> 3011,
  // write_bytes 4096000 -> 6963200, context switches 90+179 -> 146+320, RSS 47124 -> 47140 kB.
  const t1 = reading('t1', 13619, 19);
  const t2 = reading('t2', 13619, 19);
  const hostMemory = 24684092 * 1024;

  it('gives CPU as a share of all cores and per-second rates over the elapsed time', () => {
    const out: Record<string, number> = {};
    processMetrics(out, t1, t2, 1500, 2, hostMemory);
    expect(out.cpu_usage).toBeCloseTo((15 / (1.5 * 100 * 2)) * 100, 10);
    expect(out.cpu_user_pct).toBeCloseTo(5, 10);
    expect(out.cpu_system_pct).toBe(0);
    expect(out.memory_rss_bytes).toBe(47140 * 1024);
    expect(out.memory_usage).toBeCloseTo(((47140 * 1024) / hostMemory) * 100, 10);
    expect(out.disk_read_bytes_per_sec).toBe(0);
    expect(out.disk_write_bytes_per_sec).toBeCloseTo((6963200 - 4096000) / 1.5, 6);
    expect(out.minor_faults_per_sec).toBeCloseTo(4 / 1.5, 10);
    expect(out.major_faults_per_sec).toBe(0);
    expect(out.ctx_switches_per_sec).toBeCloseTo((466 - 269) / 1.5, 10);
    expect(out.threads).toBe(7);
    expect(out.open_fds).toBe(19);
  });

  it('reports memory_usage against a cgroup limit when given one', () => {
    const out: Record<string, number> = {};
    processMetrics(out, undefined, t2, 0, 2, 100 * 1024 * 1024);
    expect(out.memory_usage).toBeCloseTo(((47140 * 1024) / (100 * 1024 * 1024)) * 100, 10);
  });

  it('reports only gauges without a previous reading', () => {
    const out: Record<string, number> = {};
    processMetrics(out, undefined, t1, 0, 2, hostMemory);
    expect(Object.keys(out).sort()).toEqual(['memory_rss_bytes', 'memory_usage', 'open_fds', 'threads']);
  });

  it('leaves I/O rates out when /proc/<pid>/io was unreadable', () => {
    const out: Record<string, number> = {};
    processMetrics(out, { ...t1, io: undefined }, { ...t2, io: undefined, openFds: undefined }, 1000, 2, hostMemory);
    expect(out.disk_write_bytes_per_sec).toBeUndefined();
    expect(out.open_fds).toBeUndefined();
    expect(out.cpu_usage).toBeDefined();
  });

  it('skips rates whose counters went backwards', () => {
    const out: Record<string, number> = {};
    processMetrics(out, t2, t1, 1000, 2, hostMemory);
    expect(out.cpu_usage).toBeUndefined();
    expect(out.cpu_user_pct).toBeUndefined();
    expect(out.disk_write_bytes_per_sec).toBeUndefined();
    expect(out.ctx_switches_per_sec).toBeUndefined();
    expect(Object.values(out).every((v) => v >= 0)).toBe(true);
  });
});
