import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Collector, ProcessCollectorOptions } from '../src/collect/collector.js';
import { createHostCollector } from '../src/collect/host-collector.js';
import { createProcessCollector } from '../src/collect/process-collector.js';
import type { MetricSnapshot } from '../src/model/snapshot.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/proc/', import.meta.url));

/** Copies fixture trees over `dst`, overwriting files in place so held-open files see the new content, as on procfs. */
function lay(dst: string, ...trees: string[]): void {
  const copy = (src: string, to: string): void => {
    if (statSync(src).isDirectory()) {
      mkdirSync(to, { recursive: true });
      for (const name of readdirSync(src)) copy(join(src, name), join(to, name));
    } else {
      writeFileSync(to, readFileSync(src));
    }
  };
  for (const tree of trees) copy(join(FIXTURES, tree), dst);
}

let root: string;
let clockMs: number;
const open: Collector[] = [];
const clock = (): number => clockMs;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'collect-fixture-'));
  clockMs = 0;
});

afterEach(() => {
  for (const c of open.splice(0)) c.close?.();
  rmSync(root, { recursive: true, force: true });
});

function host(): Collector {
  const c = createHostCollector({ hostName: 'vm 1', procRoot: `${root}/proc`, sysRoot: `${root}/sys`, clock });
  open.push(c);
  return c;
}

function processes(patterns: string[], selfPid = 2186, more: Partial<ProcessCollectorOptions> = {}): Collector {
  const c = createProcessCollector({ hostName: 'vm', patterns, selfPid, procRoot: `${root}/proc`, sysRoot: `${root}/sys`, clock, ...more });
  open.push(c);
  return c;
}

const only = (snaps: MetricSnapshot[]): Record<string, number> => {
  expect(snaps).toHaveLength(1);
  return snaps[0]!.metrics as Record<string, number>;
};
const bySource = (snaps: MetricSnapshot[]): Map<string, MetricSnapshot> => new Map(snaps.map((s) => [s.source, s]));

/** Sources of the captured `node -e ...` (pid 13619) and postgres (2186): neither names a program file, so a digest of the arguments. */
const NODE = 'node:05b3ce';
const POSTGRES = 'postgres:611525';

/** Clones the captured node process (pid 13619) of the laid-out tree as `pid`, started at `starttime`, child of `ppid`, running `argv`. */
function cloneNode(pid: number, starttime: number, ppid = 13613, argv?: string[]): void {
  cpSync(`${root}/proc/13619`, `${root}/proc/${pid}`, { recursive: true });
  const stat = readFileSync(`${root}/proc/13619/stat`, 'utf8')
    .replace(/^13619 \(node\) S 13613 /, `${pid} (node) S ${ppid} `)
    .replace(' 57297 ', ` ${starttime} `);
  writeFileSync(`${root}/proc/${pid}/stat`, stat);
  if (argv) writeFileSync(`${root}/proc/${pid}/cmdline`, `${argv.join('\0')}\0`);
}

/** A logger slice that keeps what it was told. */
function recordingLog(): { warn(fields: object, message: string): void; lines: string[] } {
  const lines: string[] = [];
  return { lines, warn: (_fields, message) => void lines.push(message) };
}

describe('host collector on captured files (cgroup v1, hybrid)', () => {
  it('reports gauges first, then rates from the second tick', async () => {
    lay(root, 'vm-v1/t1');
    const c = host();
    const first = await c.collect(1_000);
    expect(first[0]).toMatchObject({ source: 'vm_1', host: 'vm 1', timestamp: 1_000 });
    const m1 = only(first);
    expect(m1.cpu_cores).toBe(2);
    expect(m1.load_1m).toBe(1.55);
    expect(m1.memory_total_bytes).toBe(24684092 * 1024);
    expect(m1.cgroup_memory_current_bytes).toBe(245035008);
    expect(m1.cpu_usage).toBeUndefined();
    expect(m1['disk_util.vda']).toBeUndefined();

    lay(root, 'vm-v1/t2');
    clockMs = 2000;
    const m = only(await c.collect(3_000));
    expect(m.cpu_usage).toBeCloseTo(((282 - 4 - 24) / 282) * 100, 10);
    expect(m.cpu_iowait_pct).toBeCloseTo((24 / 282) * 100, 10);
    expect(m.pressure_cpu_some_pct).toBeCloseTo(((30406374 - 30051559) / 2e6) * 100, 10);
    expect(m.pressure_memory_full_pct).toBe(0);
    expect(m['disk_writes_per_sec.vda']).toBe(285 / 2);
    expect(m['disk_util.vda']).toBe(25);
    expect(m.disk_write_bytes_per_sec).toBe(((19990632 - 17887680) * 512) / 2);
    expect(m.disk_util).toBe(25);
    expect(m['network_rx_bytes_per_sec.eth0']).toBe(0);
    expect(m.network_rx_bytes_per_sec).toBe(0);
    // cpuacct.usage of the root cpu cgroup: ns over 2 s of 2 cores.
    expect(m.cgroup_cpu_usage).toBeCloseTo(((208195127678 - 204865462144) / 1e3 / (2e6 * 2)) * 100, 6);
    expect(m.cgroup_cpu_throttled_pct).toBe(0);
    expect(m.cgroup_memory_max_bytes).toBeUndefined();
    expect(m.cgroup_pressure_cpu_some_pct).toBeDefined();
  });

  it('applies the device rule: whole disks only, no loop, zram or lo', async () => {
    lay(root, 'vm-v1/t1');
    const c = host();
    await c.collect(1);
    lay(root, 'vm-v1/t2');
    clockMs = 1000;
    const names = Object.keys(only(await c.collect(2)));
    expect(names.filter((n) => n.startsWith('disk_util.'))).toEqual(['disk_util.vda']);
    expect(names.some((n) => /loop|zram|\.lo$/.test(n))).toBe(false);
    expect(names.filter((n) => n.startsWith('network_rx_bytes_per_sec.'))).toEqual([
      'network_rx_bytes_per_sec.ifb0',
      'network_rx_bytes_per_sec.ifb1',
      'network_rx_bytes_per_sec.eth0',
    ]);
  });

  it('leaves pressure metrics out when the kernel has no pressure files', async () => {
    lay(root, 'vm-v1/t1');
    rmSync(`${root}/proc/pressure`, { recursive: true });
    const c = host();
    await c.collect(1);
    lay(root, 'vm-v1/t2');
    rmSync(`${root}/proc/pressure`, { recursive: true });
    clockMs = 1000;
    const m = only(await c.collect(2));
    expect(Object.keys(m).filter((n) => n.startsWith('pressure_'))).toEqual([]);
    expect(m.cpu_usage).toBeDefined();
  });

  it('forgets a vanished disk quietly and fails only without /proc/stat', async () => {
    lay(root, 'vm-v1/t1');
    const c = host();
    await c.collect(1);
    writeFileSync(`${root}/proc/diskstats`, '');
    clockMs = 1000;
    const m = only(await c.collect(2));
    expect(m['disk_util.vda']).toBeUndefined();
    expect(m.disk_util).toBeUndefined();
    rmSync(`${root}/proc/stat`);
    await expect(host().collect(3)).rejects.toThrow(/stat/);
  });
});

describe('host collector with a cgroup v2 engine cgroup', () => {
  it('reports memory against the tightest ancestor limit, CPU against the quota, throttling and pressure', async () => {
    lay(root, 'vm-v1/t1', 'cgroup-v2/t1');
    const c = host();
    await c.collect(1);
    lay(root, 'vm-v1/t2', 'cgroup-v2/t2');
    clockMs = 2000;
    const m = only(await c.collect(2));
    expect(m.cgroup_memory_current_bytes).toBe(285212672);
    expect(m.cgroup_memory_max_bytes).toBe(1073741824);
    expect(m.cgroup_memory_usage).toBeCloseTo((285212672 / 1073741824) * 100, 10);
    expect(m.cgroup_cpu_limit_cores).toBe(0.5);
    expect(m.cgroup_cpu_usage).toBeCloseTo(80, 10);
    expect(m.cgroup_cpu_throttled_pct).toBeCloseTo(10, 10);
    expect(m.cgroup_cpu_throttled_periods_pct).toBeCloseTo(40, 10);
    expect(m.cgroup_pressure_cpu_some_pct).toBeCloseTo(25, 10);
    expect(m.cgroup_pressure_cpu_full_pct).toBeCloseTo(15, 10);
    expect(m.cgroup_pressure_io_some_pct).toBeCloseTo(5, 10);
    expect(m.cgroup_pressure_memory_some_pct).toBe(0);
  });
});

describe('process collector on captured processes', () => {
  it('watches the engine itself and the processes matching a pattern, with their labels', async () => {
    lay(root, 'vm-v1/t1');
    const c = processes(['^node$']);
    const first = bySource(await c.collect(1_000));
    expect([...first.keys()].sort()).toEqual([NODE, POSTGRES]);
    expect(first.get(NODE)).toMatchObject({
      host: 'vm',
      timestamp: 1_000,
      labels: { pid: '13619', comm: 'node', role: 'watched' },
      metrics: { memory_rss_bytes: 47124 * 1024, threads: 7, open_fds: 19 },
    });
    // The command line, cut at 96 characters.
    expect(first.get(NODE)?.labels?.cmd).toBe("node -e let x=0;setInterval(()=>{for(let i=0;i<1e6;i++)x+=i;require('fs').writeFileSync('/tmp/s…");
    expect(first.get(POSTGRES)?.labels).toEqual({
      pid: '2186',
      comm: 'postgres',
      role: 'self',
      cmd: 'postgres -D /var/lib/postgresql/15/main -c config_file=/etc/postgresql/15/main/postgresql.conf',
    });
    expect(first.get(NODE)?.metrics.cpu_usage).toBeUndefined();

    lay(root, 'vm-v1/t2');
    clockMs = 1500;
    const m = bySource(await c.collect(2_000)).get(NODE)!.metrics;
    expect(m.cpu_usage).toBeCloseTo((15 / (1.5 * 100 * 2)) * 100, 10);
    expect(m.disk_write_bytes_per_sec).toBeCloseTo((6963200 - 4096000) / 1.5, 6);
    expect(m.memory_usage).toBeCloseTo(((47140 * 1024) / (24684092 * 1024)) * 100, 10);
  });

  it('matches patterns against the command line', async () => {
    lay(root, 'vm-v1/t1');
    const snaps = await processes(['config_file='], 13619).collect(1);
    expect(snaps.map((s) => s.source).sort()).toEqual([NODE, POSTGRES]);
  });

  it('treats a reused pid (new starttime) as a new process: no rate across the two', async () => {
    lay(root, 'vm-v1/t1');
    const c = processes(['^node$']);
    await c.collect(1);
    lay(root, 'vm-v1/t2');
    const stat = readFileSync(`${root}/proc/13619/stat`, 'utf8').replace(' 57297 ', ' 99999 ');
    writeFileSync(`${root}/proc/13619/stat`, stat);
    clockMs = 1000;
    const m = bySource(await c.collect(2)).get(NODE)!.metrics;
    expect(m.memory_rss_bytes).toBe(47140 * 1024);
    expect(m.cpu_usage).toBeUndefined();
    clockMs = 2000;
    expect(bySource(await c.collect(3)).get(NODE)!.metrics.cpu_usage).toBe(0);
  });

  it('starts watching an unwatched pid that was reused by a matching process', async () => {
    lay(root, 'vm-v1/t1');
    const c = processes(['^node$']);
    await c.collect(1);
    const stat = readFileSync(`${root}/proc/13621/stat`, 'utf8').replace('(stress-ng-cpu)', '(node)').replace(' 57298 ', ' 61000 ');
    writeFileSync(`${root}/proc/13621/stat`, stat);
    writeFileSync(`${root}/proc/13621/comm`, 'node\n');
    writeFileSync(`${root}/proc/13621/cmdline`, 'node\0/opt/order-agent/dist/index.js\0');
    clockMs = 1000;
    const snap = bySource(await c.collect(2)).get('node:order-agent');
    expect(snap?.labels).toEqual({ pid: '13621', comm: 'node', role: 'watched', cmd: 'node /opt/order-agent/dist/index.js' });
    expect(snap?.metrics.cpu_usage).toBeUndefined();
  });

  it('drops a vanished process quietly and starts over when its pid comes back', async () => {
    lay(root, 'vm-v1/t1');
    const c = processes(['^node$']);
    await c.collect(1);
    rmSync(`${root}/proc/13619`, { recursive: true });
    clockMs = 1000;
    expect((await c.collect(2)).map((s) => s.source)).toEqual([POSTGRES]);
    lay(root, 'vm-v1/t2');
    clockMs = 2000;
    const back = bySource(await c.collect(3)).get(NODE);
    expect(back?.metrics.memory_rss_bytes).toBe(47140 * 1024);
    expect(back?.metrics.cpu_usage).toBeUndefined();
  });

  it('leaves I/O rates out for a process whose io file is unreadable', async () => {
    lay(root, 'vm-v1/t1');
    rmSync(`${root}/proc/13619/io`);
    const c = processes(['^node$']);
    await c.collect(1);
    lay(root, 'vm-v1/t2');
    rmSync(`${root}/proc/13619/io`);
    clockMs = 1000;
    const m = bySource(await c.collect(2)).get(NODE)!.metrics;
    expect(m.disk_write_bytes_per_sec).toBeUndefined();
    expect(m.cpu_usage).toBeDefined();
  });

  it('names the main process of a systemd service by the service, and reports memory_usage against its cgroup limit', async () => {
    lay(root, 'vm-v1/t1', 'cgroup-v2/t1');
    const snap = bySource(await processes(['^node$']).collect(1)).get('node:app.service')!;
    expect(snap.labels).toMatchObject({ pid: '13619', unit: 'app.service' });
    expect(snap.metrics.memory_usage).toBeCloseTo(((47124 * 1024) / 104857600) * 100, 10);
  });

  it('names a child of a service process by its own command line, with the service as a label', async () => {
    lay(root, 'vm-v1/t1', 'cgroup-v2/t1');
    cloneNode(13613, 57000, 1);
    const snaps = bySource(await processes(['^node$']).collect(1));
    expect(snaps.get(NODE)?.labels).toMatchObject({ pid: '13619', unit: 'app.service' });
    expect(snaps.get('node:app.service')?.labels?.pid).toBe('13613');
  });

  it('waits until a matching process is old enough, but watches the engine itself at once', async () => {
    lay(root, 'vm-v1/t1');
    // Uptime 1000 s; node started at 572.97 s: 427 s old.
    const c = processes(['^node$'], 2186, { minAgeSeconds: 500 });
    expect((await c.collect(1)).map((s) => s.source)).toEqual([POSTGRES]);
    writeFileSync(`${root}/proc/uptime`, '1072.96 2000.00\n');
    clockMs = 1000;
    expect((await c.collect(2)).map((s) => s.source)).toEqual([POSTGRES]);
    writeFileSync(`${root}/proc/uptime`, '1072.97 2000.00\n');
    clockMs = 2000;
    expect((await c.collect(3)).map((s) => s.source).sort()).toEqual([NODE, POSTGRES]);
  });

  it('watches at most maxProcesses, the longest running first, and says so in one line, not every tick', async () => {
    lay(root, 'vm-v1/t1');
    cloneNode(13700, 57400, 13613, ['node', 'agents/billing.js']);
    cloneNode(13500, 57100, 13613, ['node', 'agents/order-agent.js']);
    const log = recordingLog();
    const c = processes(['^node$'], 2186, { maxProcesses: 2, log });
    expect((await c.collect(1)).map((s) => s.source)).toEqual([POSTGRES, 'node:order-agent', NODE]);
    expect(log.lines).toEqual(['watching 2 of 3 matching processes (the longest running); 1 not watched: raise watch_max_processes to watch more']);
    clockMs = 60_000;
    await c.collect(2);
    expect(log.lines).toHaveLength(1);
    // The order agent ends: the billing agent takes its place.
    rmSync(`${root}/proc/13500`, { recursive: true });
    clockMs = 120_000;
    expect((await c.collect(3)).map((s) => s.source)).toEqual([POSTGRES, NODE, 'node:billing']);
    expect(log.lines).toHaveLength(1);
  });

  it('names concurrent processes with the same command line apart, each keeping its name while it lives', async () => {
    lay(root, 'vm-v1/t1');
    cloneNode(13700, 57400);
    const c = processes(['^node$']);
    const first = bySource(await c.collect(1));
    expect(first.get(NODE)?.labels?.pid).toBe('13619');
    expect(first.get(`${NODE}:2`)?.labels?.pid).toBe('13700');
    cloneNode(13800, 57500);
    rmSync(`${root}/proc/13619`, { recursive: true });
    clockMs = 1000;
    const second = bySource((await c.collect(2)).filter((s) => s.source !== POSTGRES));
    expect([...second.keys()].sort()).toEqual([NODE, `${NODE}:2`]);
    expect(second.get(`${NODE}:2`)?.labels?.pid).toBe('13700');
    expect(second.get(NODE)?.labels?.pid).toBe('13800');
  });

  it('never watches kernel threads through their (empty) command line, and fails without a /proc to list', async () => {
    lay(root, 'vm-v1/t1');
    expect((await processes(['^$']).collect(1)).map((s) => s.source)).toEqual([POSTGRES]);
    rmSync(`${root}/proc`, { recursive: true });
    await expect(processes(['^node$']).collect(2)).rejects.toThrow(/cannot list/);
  });
});
