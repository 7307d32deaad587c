import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCmdline } from './parse-cmdline.js';
import { parseMaxOpenFiles } from './parse-limits.js';
import { parsePidIo } from './parse-pid-io.js';
import { PF_KTHREAD, parsePidStat } from './parse-pid-stat.js';
import { parsePidStatus } from './parse-pid-status.js';
import { parseProcCgroup } from './parse-proc-cgroup.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/proc/vm-v1/', import.meta.url));
const fixture = (path: string): string => readFileSync(FIXTURES + path, 'utf8');

describe('parsePidStat', () => {
  it('reads the fields the collectors use from a captured node process', () => {
    expect(parsePidStat(fixture('t1/proc/13619/stat'))).toEqual({
      pid: 13619,
      comm: 'node',
      state: 'S',
      ppid: 13613,
      flags: 4194304,
      minorFaults: 3007,
      majorFaults: 2,
      utime: 26,
      stime: 3,
      threads: 7,
      starttime: 57297,
      rssPages: 11735,
    });
  });

  it('keeps spaces and parentheses inside the command name', () => {
    const text = '42 (a) b (c)) R 1 42 42 0 -1 0 1 0 2 0 3 4 0 0 20 0 5 0 99 100 6 0\n';
    expect(parsePidStat(text)).toMatchObject({ pid: 42, comm: 'a) b (c)', state: 'R', utime: 3, stime: 4, starttime: 99 });
  });

  it('marks kernel threads with PF_KTHREAD', () => {
    expect(parsePidStat(fixture('t1/proc/2/stat'))!.flags & PF_KTHREAD).not.toBe(0);
    expect(parsePidStat(fixture('t1/proc/13619/stat'))!.flags & PF_KTHREAD).toBe(0);
  });

  it('rejects truncated text', () => {
    expect(parsePidStat('42 (x) S 1 2 3')).toBeUndefined();
    expect(parsePidStat('')).toBeUndefined();
  });
});

describe('parsePidStatus', () => {
  it('reads RSS and both context switch counters', () => {
    expect(parsePidStatus(fixture('t1/proc/13619/status'))).toEqual({
      rssBytes: 47124 * 1024,
      voluntaryCtxtSwitches: 90,
      nonvoluntaryCtxtSwitches: 179,
    });
  });

  it('leaves RSS undefined for a kernel thread, which has none', () => {
    expect(parsePidStatus(fixture('t1/proc/2/status')).rssBytes).toBeUndefined();
  });
});

describe('parsePidIo', () => {
  it('reads storage bytes, not cancelled_write_bytes', () => {
    expect(parsePidIo(fixture('t2/proc/13619/io'))).toEqual({ readBytes: 28672, writeBytes: 6963200 });
    expect(parsePidIo('cancelled_write_bytes: 5\nread_bytes: 1\n')).toBeUndefined();
  });
});

describe('parseCmdline', () => {
  it('splits NUL-separated arguments', () => {
    expect(parseCmdline(fixture('t1/proc/2186/cmdline'))).toEqual([
      '/usr/lib/postgresql/15/bin/postgres',
      '-D',
      '/var/lib/postgresql/15/main',
      '-c',
      'config_file=/etc/postgresql/15/main/postgresql.conf',
    ]);
    expect(parseCmdline('node\0app.js')).toEqual(['node', 'app.js']);
  });

  it('gives no arguments for a kernel thread', () => {
    expect(parseCmdline(fixture('t1/proc/2/cmdline'))).toEqual([]);
  });
});

describe('parseProcCgroup', () => {
  it('reads v1 controllers and the unified path of a hybrid machine', () => {
    const m = parseProcCgroup(fixture('t1/proc/13619/cgroup'));
    expect(m.unified).toBe('/');
    expect(m.controllers.get('memory')).toBe('/process_api/cc8020aef22eb4eb348e016d3307f648');
    expect(m.controllers.get('name=systemd')).toBe('/');
  });

  it('splits co-mounted controllers and keeps colons inside paths', () => {
    const m = parseProcCgroup('2:cpu,cpuacct:/a:b\n0::/system.slice/x:y.service\n');
    expect(m.controllers.get('cpu')).toBe('/a:b');
    expect(m.controllers.get('cpuacct')).toBe('/a:b');
    expect(m.unified).toBe('/system.slice/x:y.service');
  });
});

describe('parseMaxOpenFiles', () => {
  it('reads the soft limit on open files', () => {
    const text = [
      'Limit                     Soft Limit           Hard Limit           Units     ',
      'Max processes             95956                95956                processes ',
      'Max open files            20000                20000                files     ',
      '',
    ].join('\n');
    expect(parseMaxOpenFiles(text)).toBe(20000);
  });

  it('gives nothing when unlimited or absent', () => {
    expect(parseMaxOpenFiles('Max open files            unlimited            unlimited            files\n')).toBeUndefined();
    expect(parseMaxOpenFiles('')).toBeUndefined();
  });
});
