import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type ClassifiedDisk, diskMetrics } from './disk-metrics.js';
import { type DiskStat, parseDiskStats } from './proc/parse-diskstats.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/proc/vm-v1/', import.meta.url));
const vdaAt = (t: string): DiskStat => parseDiskStats(readFileSync(`${FIXTURES}${t}/proc/diskstats`, 'latin1')).find((d) => d.name === 'vda')!;
const byName = (...disks: DiskStat[]): Map<string, DiskStat> => new Map(disks.map((d) => [d.name, d]));
const disk = (stat: DiskStat, kind: ClassifiedDisk['kind'] = 'disk'): ClassifiedDisk => ({ stat, kind });

describe('diskMetrics', () => {
  // vda, one tick apart under stress-ng --hdd: writes 88232 -> 88517, sectors written
  // 17887680 -> 19990632, write ms 40711 -> 43724, io ms 12956 -> 13456; no reads.
  const t1 = vdaAt('t1');
  const t2 = vdaAt('t2');

  it('gives iostat -dx style rates per device and host aggregates', () => {
    const out: Record<string, number> = {};
    diskMetrics(out, byName(t1), [disk(t2)], 1000);
    expect(out).toEqual({
      'disk_reads_per_sec.vda': 0,
      'disk_writes_per_sec.vda': 285,
      'disk_read_bytes_per_sec.vda': 0,
      'disk_write_bytes_per_sec.vda': (19990632 - 17887680) * 512,
      'disk_await_ms.vda': (43724 - 40711) / 285,
      'disk_util.vda': 50,
      disk_read_bytes_per_sec: 0,
      disk_write_bytes_per_sec: (19990632 - 17887680) * 512,
      disk_util: 50,
    });
  });

  it('reports an await of 0 when no I/O completed', () => {
    const out: Record<string, number> = {};
    diskMetrics(out, byName(t1), [disk(t1)], 1000);
    expect(out['disk_await_ms.vda']).toBe(0);
    expect(out['disk_util.vda']).toBe(0);
  });

  it('skips the rates of counters that wrapped at 32 bits, keeping the others', () => {
    const before = { ...t1, writesCompleted: 4294967000, writeMs: 4294967200 };
    const after = { ...t2, writesCompleted: 100, writeMs: 300 };
    const out: Record<string, number> = {};
    diskMetrics(out, byName(before), [disk(after)], 1000);
    expect(out['disk_writes_per_sec.vda']).toBeUndefined();
    expect(out['disk_await_ms.vda']).toBeUndefined();
    expect(out['disk_write_bytes_per_sec.vda']).toBe((19990632 - 17887680) * 512);
    expect(Object.values(out).every((v) => v >= 0)).toBe(true);
  });

  it('reports nothing for a re-plugged device whose counters restarted from zero', () => {
    const replugged: DiskStat = { ...t1, readsCompleted: 3, sectorsRead: 24, readMs: 1, writesCompleted: 2, sectorsWritten: 16, writeMs: 1, ioMs: 2 };
    const out: Record<string, number> = {};
    diskMetrics(out, byName(t1), [disk(replugged)], 1000);
    expect(out).toEqual({});
  });

  it('starts a new device from its second reading and forgets a vanished one', () => {
    const sdb: DiskStat = { ...t1, name: 'sdb' };
    const out: Record<string, number> = {};
    diskMetrics(out, byName(t1), [disk(sdb)], 1000);
    expect(out).toEqual({});
  });

  it('leaves stacked devices out of the aggregates and takes the busiest disk for util', () => {
    const sdb1: DiskStat = { ...t1, name: 'sdb' };
    const sdb2: DiskStat = { ...sdb1, sectorsRead: sdb1.sectorsRead + 2000, ioMs: sdb1.ioMs + 900 };
    const dm1: DiskStat = { ...t1, name: 'dm-0' };
    const dm2: DiskStat = { ...dm1, sectorsRead: dm1.sectorsRead + 2000, ioMs: dm1.ioMs + 950 };
    const out: Record<string, number> = {};
    diskMetrics(out, byName(t1, sdb1, dm1), [disk(t2), disk(sdb2), disk(dm2, 'stacked')], 1000);
    expect(out['disk_read_bytes_per_sec.dm-0']).toBe(2000 * 512);
    expect(out.disk_read_bytes_per_sec).toBe(2000 * 512);
    expect(out.disk_write_bytes_per_sec).toBe((19990632 - 17887680) * 512);
    expect(out.disk_util).toBe(90);
  });
});
