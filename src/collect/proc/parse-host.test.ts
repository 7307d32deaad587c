import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { countCpuList } from './parse-cpu-list.js';
import { parseDiskStats } from './parse-diskstats.js';
import { parseLoadAvg } from './parse-loadavg.js';
import { parseMemInfo, parseMemTotal } from './parse-meminfo.js';
import { parseNetDev } from './parse-net-dev.js';
import { parsePressure } from './parse-pressure.js';
import { parseProcStat } from './parse-stat.js';
import { parseUptime } from './parse-uptime.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/proc/vm-v1/', import.meta.url));
const fixture = (path: string): string => readFileSync(FIXTURES + path, 'latin1');

describe('parseProcStat', () => {
  it('reads the aggregate cpu line, counts the cpuN lines and the scheduler counters of a captured file', () => {
    const s = parseProcStat(fixture('t1/proc/stat'));
    expect(s.cpu).toEqual({ user: 13195, nice: 0, system: 6403, idle: 93764, iowait: 553, irq: 0, softirq: 161, steal: 14 });
    expect(s.cores).toBe(2);
    expect(s.contextSwitches).toBe(1680773);
    expect(s.interrupts).toBe(650450);
    expect(s.forks).toBe(13643);
    expect(s.procsRunning).toBe(3);
    expect(s.procsBlocked).toBe(1);
  });

  it('treats the columns an old kernel lacks as zero', () => {
    const s = parseProcStat('cpu  10 1 5 100\ncpu0 10 1 5 100\n');
    expect(s.cpu).toEqual({ user: 10, nice: 1, system: 5, idle: 100, iowait: 0, irq: 0, softirq: 0, steal: 0 });
    expect(s.cores).toBe(1);
    expect(s.contextSwitches).toBeUndefined();
  });

  it('throws when the aggregate line is missing or malformed', () => {
    expect(() => parseProcStat('cpu0 1 2 3 4\nctxt 5\n')).toThrow(/no aggregate cpu line/);
    expect(() => parseProcStat('cpu  1 x 3 4\n')).toThrow(/malformed/);
  });
});

describe('parseLoadAvg', () => {
  it('reads the three averages and the task counts', () => {
    expect(parseLoadAvg(fixture('t1/proc/loadavg'))).toEqual({ load1: 1.55, load5: 0.7, load15: 0.3, runnable: 3, tasks: 156 });
  });

  it('rejects malformed text', () => {
    expect(parseLoadAvg('')).toBeUndefined();
    expect(parseLoadAvg('a b c')).toBeUndefined();
  });
});

describe('parseMemInfo', () => {
  it('converts the kB values the collectors use to bytes', () => {
    expect(parseMemInfo(fixture('t1/proc/meminfo'))).toEqual({
      totalBytes: 24684092 * 1024,
      availableBytes: 23983172 * 1024,
      swapTotalBytes: 0,
      swapFreeBytes: 0,
    });
    expect(parseMemTotal(fixture('t1/proc/meminfo'))).toBe(24684092 * 1024);
  });

  it('estimates available memory as free + buffers + cached on kernels without MemAvailable', () => {
    const text = 'MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 20 kB\nCached: 300 kB\nSwapTotal: 50 kB\nSwapFree: 10 kB\n';
    expect(parseMemInfo(text)).toEqual({ totalBytes: 1024000, availableBytes: 420 * 1024, swapTotalBytes: 51200, swapFreeBytes: 10240 });
  });

  it('does not mistake a longer key for the one asked (SwapTotal vs Total)', () => {
    expect(parseMemInfo('SwapTotal: 5 kB\n')).toBeUndefined();
    expect(parseMemTotal('HugeMemTotal: 5 kB\n')).toBeUndefined();
  });
});

describe('parsePressure', () => {
  it('reads the averages and the cumulative totals of both lines', () => {
    expect(parsePressure(fixture('t1/proc/pressure/io'))).toEqual({
      some: { avg10: 2.12, avg60: 1.19, avg300: 0.6, totalUs: 5549503 },
      full: { avg10: 0.65, avg60: 0.42, avg300: 0.37, totalUs: 4473537 },
    });
  });

  it('leaves out the full line when a kernel does not print it for cpu', () => {
    const p = parsePressure('some avg10=1.00 avg60=2.00 avg300=3.00 total=42\n');
    expect(p.some?.totalUs).toBe(42);
    expect(p.full).toBeUndefined();
  });

  it('leaves out a line without a total', () => {
    expect(parsePressure('some avg10=1.00\nfull total=7\n')).toEqual({ full: { avg10: NaN, avg60: NaN, avg300: NaN, totalUs: 7 } });
  });
});

describe('parseDiskStats', () => {
  it('reads every device line of a captured file', () => {
    const disks = parseDiskStats(fixture('t1/proc/diskstats'));
    expect(disks.map((d) => d.name)).toEqual(['loop0', 'loop1', 'loop2', 'loop3', 'loop4', 'loop5', 'loop6', 'loop7', 'vda', 'zram0']);
    expect(disks.find((d) => d.name === 'vda')).toEqual({
      name: 'vda',
      readsCompleted: 107305,
      sectorsRead: 3396050,
      readMs: 20994,
      writesCompleted: 88232,
      sectorsWritten: 17887680,
      writeMs: 40711,
      inFlight: 0,
      ioMs: 12956,
      weightedIoMs: 64203,
    });
  });

  it('accepts the 11-counter lines of older kernels and skips their 4-counter partition lines', () => {
    const text = '   8       0 sda 1 2 3 4 5 6 7 8 9 10 11\n   8       1 sda1 10 20 30 40\n';
    expect(parseDiskStats(text).map((d) => [d.name, d.ioMs])).toEqual([['sda', 10]]);
  });
});

describe('parseNetDev', () => {
  it('reads the receive and transmit counters of every interface', () => {
    const nets = parseNetDev(fixture('t1/proc/net/dev'));
    expect(nets.map((n) => n.name)).toEqual(['lo', 'ifb0', 'ifb1', 'eth0']);
    expect(nets[3]).toEqual({
      name: 'eth0',
      rxBytes: 496388802,
      rxPackets: 13397,
      rxErrors: 0,
      rxDrops: 0,
      txBytes: 913344,
      txPackets: 8107,
      txErrors: 0,
      txDrops: 0,
    });
  });

  it('reads a line where the counters follow the colon without a space', () => {
    const line = 'eth1:123 4 5 6 0 0 0 0 789 10 11 12 0 0 0 0\n';
    expect(parseNetDev(line)[0]).toMatchObject({ name: 'eth1', rxBytes: 123, rxDrops: 6, txBytes: 789, txDrops: 12 });
  });
});

describe('countCpuList', () => {
  it('counts ranges and single CPUs', () => {
    expect(countCpuList(fixture('t1/sys/devices/system/cpu/online'))).toBe(2);
    expect(countCpuList('0-3,8-11,15\n')).toBe(9);
    expect(countCpuList('0')).toBe(1);
  });

  it('gives 0 for malformed lists', () => {
    expect(countCpuList('')).toBe(0);
    expect(countCpuList('3-1')).toBe(0);
    expect(countCpuList('a')).toBe(0);
  });
});

describe('parseUptime', () => {
  it('reads the seconds since boot, not the idle time', () => {
    expect(parseUptime('385.74 549.91\n')).toBe(385.74);
  });

  it('gives undefined for malformed text', () => {
    expect(parseUptime('')).toBeUndefined();
    expect(parseUptime('up 3 days\n')).toBeUndefined();
  });
});
