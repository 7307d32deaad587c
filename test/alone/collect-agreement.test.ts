import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import { createHostCollector } from '../../src/collect/host-collector.js';
import { createProcessCollector } from '../../src/collect/process-collector.js';
import { parsePidStat } from '../../src/collect/proc/parse-pid-stat.js';
import type { Collector } from '../../src/collect/collector.js';
import type { MetricSnapshot } from '../../src/model/snapshot.js';

// The collectors agree with the machine's own tools over the same window under real load
// (stress-ng --cpu 1 --hdd 1), within these tolerances (also stated in docs/metrics.md):
/** Host and process CPU shares: percentage points (vmstat prints whole numbers). */
const CPU_POINTS = 3;
/** Disk rates: relative, plus a floor for nearly idle devices. */
const DISK_RELATIVE = 0.1;
const DISK_BYTES_FLOOR = 64 * 1024;
/**
 * The bytes' floor in operations of 8 KiB: once, 53 small reads at the window's edges (11.5/s by
 * iostat, 6.2/s by ours, on a disk writing 740 MB/s) fell between iostat's reading and ours.
 */
const DISK_IOPS_FLOOR = 8;
/** Disk utilisation: percentage points; await: relative plus a floor. */
const UTIL_POINTS = 3;
const AWAIT_RELATIVE = 0.1;
const AWAIT_FLOOR_MS = 1;

const WINDOW_S = 10;

/**
 * Runs a tool with a C locale (24-hour times, '.' decimals) beside a collector of its own. The
 * tools print (and flush) each report right after taking its reading, so the collector is read at
 * the tool's first output and at its first output that satisfies `secondReport`: within
 * milliseconds of the tool's readings, however late the tool started (an exec waiting on a busy
 * disk). Gives the tool's standard output and the collector's second reading.
 */
function run(
  cmd: string,
  args: string[],
  collector: Collector,
  secondReport: (out: string) => boolean,
): { done: Promise<{ out: string; reading: MetricSnapshot[] }>; timeline: () => string } {
  const spawnedAt = performance.now();
  const at: number[] = [];
  const child = spawn(cmd, args, { env: { ...process.env, LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const readings: Promise<MetricSnapshot[]>[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    if (readings.length === 0 || (readings.length === 1 && secondReport(out))) {
      at.push(performance.now());
      readings.push(collector.collect(Date.now()));
    }
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<string>((resolve, reject) => {
    child.once('error', (e) => reject(new Error(`${cmd} could not run (${e.message}); install Debian packages sysstat and stress-ng`)));
    // 'close', not 'exit': 'exit' may come before the last output is read (vmstat's second report was missed once).
    child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${err}`))));
  });
  const done = exited.then(async (text) => {
    if (readings.length < 2) throw new Error(`${cmd} printed no second report:\n${text}`);
    const [, reading] = await Promise.all(readings);
    return { out: text, reading: reading! };
  });
  const timeline = (): string => `${cmd}: readings ${at.map((t) => `${Math.round(t - spawnedAt)} ms`).join(' and ')} after its spawn`;
  return { done, timeline };
}

/** Values of the row whose first token satisfies `pick`, by the names of `header`'s columns. */
function row(output: string, headerHas: string, pick: (first: string) => boolean): Record<string, number> {
  const lines = output.split('\n').map((l) => l.trim().split(/\s+/));
  const header = lines.findLast((l) => l.includes(headerHas));
  const values = lines.findLast((l) => l[0] !== undefined && pick(l[0]) && !l.includes(headerHas));
  if (!header || !values) throw new Error(`no "${headerHas}" table in:\n${output}`);
  return Object.fromEntries(header.map((name, i) => [name, Number(values[i])]));
}

/** Printed beside a failed comparison: when the readings were taken and the tools' whole output. */
let context = '';

const close = (actual: number | undefined, expected: number, tolerance: number): void => {
  expect(actual).toBeDefined();
  expect(Math.abs(actual! - expected), `got ${actual}, tool says ${expected}, tolerance ${tolerance}\n${context}`).toBeLessThanOrEqual(tolerance);
};

const lines = (out: string, pick: (l: string) => boolean): number => out.split('\n').filter(pick).length;

function findChild(ppid: number, comm: string): number | undefined {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = parsePidStat(readFileSync(`/proc/${name}/stat`, 'utf8'));
      if (stat?.ppid === ppid && stat.comm === comm) return stat.pid;
    } catch {
      // exited while listed
    }
  }
  return undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('collectors agree with vmstat, iostat and pidstat under load', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'collect-agreement-'));
  let stress: ChildProcess | undefined;

  afterAll(() => {
    if (stress?.pid !== undefined && stress.exitCode === null) process.kill(-stress.pid, 'SIGKILL');
    rmSync(scratch, { recursive: true, force: true });
  });

  it(`over one ${WINDOW_S} s window`, async () => {
    const args = ['--cpu', '1', '--hdd', '1', '--hdd-bytes', '128M', '--timeout', `${WINDOW_S + 10}s`, '--quiet'];
    stress = spawn('stress-ng', args, { cwd: scratch, detached: true, stdio: 'ignore' });
    await new Promise<void>((resolve, reject) => {
      stress!.once('spawn', resolve);
      stress!.once('error', (e) => reject(new Error(`stress-ng could not run (${e.message}); install Debian packages sysstat and stress-ng`)));
    });
    let worker: number | undefined;
    for (let i = 0; i < 30 && worker === undefined; i++) {
      await sleep(100);
      worker = findChild(stress.pid!, 'stress-ng-cpu');
    }
    expect(worker, 'stress-ng-cpu worker').toBeDefined();
    await sleep(1500);
    // Looked up again once stress-ng has settled: pidstat printed no row once (the worker it was
    // given had ended within the window), as if the first child of that name was not the one that
    // stays.
    worker = findChild(stress.pid!, 'stress-ng-cpu') ?? worker;

    // One collector per tool, each read at that tool's own two readings.
    const cpuHost = createHostCollector({ hostName: 'agreement' });
    const diskHost = createHostCollector({ hostName: 'agreement' });
    const procs = createProcessCollector({ hostName: 'agreement', patterns: ['^stress-ng-cpu$'], selfPid: process.pid });
    try {
      const vmstat = run('vmstat', ['-n', String(WINDOW_S), '2'], cpuHost, (out) => lines(out, (l) => /^\s*\d/.test(l)) >= 2);
      const iostat = run('iostat', ['-dx', String(WINDOW_S), '2'], diskHost, (out) => lines(out, (l) => l.startsWith('Device')) >= 2);
      const pidstat = run('pidstat', ['-I', '-u', '-p', String(worker), String(WINDOW_S), '1'], procs, (out) => out.includes('%CPU'));
      const [{ out: vm, reading: cpu }, { out: io, reading: disk }, { out: pid, reading: processes }] = await Promise.all([vmstat.done, iostat.done, pidstat.done]);
      const h = { ...cpu[0]!.metrics, ...disk[0]!.metrics };
      const p = processes.find((s) => s.labels?.pid === String(worker))?.metrics;
      context = [
        [vmstat.timeline(), iostat.timeline(), pidstat.timeline(), `stress-ng ${stress.exitCode === null ? 'running' : `exited ${stress.exitCode}`}`].join('; '),
        `ours: ${JSON.stringify(h)}`,
        vm,
        io,
        pid,
      ].join('\n');

      const v = row(vm, 'us', (first) => /^\d+$/.test(first));
      close(h.cpu_usage, 100 - v.id! - v.wa!, CPU_POINTS);
      close(h.cpu_iowait_pct, v.wa!, CPU_POINTS);
      close(h.cpu_user_pct, v.us!, CPU_POINTS);
      close(h.cpu_system_pct, v.sy!, CPU_POINTS);

      const ps = row(pid, '%CPU', (first) => first === 'Average:');
      expect(ps['%CPU']).toBeGreaterThan(0);
      close(p?.cpu_usage, ps['%CPU']!, CPU_POINTS);

      // The busiest whole disk by our reckoning, as iostat names it.
      const dev = Object.keys(h)
        .filter((k) => k.startsWith('disk_write_bytes_per_sec.'))
        .map((k) => k.slice('disk_write_bytes_per_sec.'.length))
        .sort((a, b) => h[`disk_write_bytes_per_sec.${b}`]! - h[`disk_write_bytes_per_sec.${a}`]!)[0];
      expect(dev, 'a disk in the host snapshot').toBeDefined();
      const d = row(io, 'Device', (first) => first === dev);
      expect(d['wkB/s']).toBeGreaterThan(0);
      const rel = (x: number, floor: number): number => DISK_RELATIVE * x + floor;
      close(h[`disk_write_bytes_per_sec.${dev}`], d['wkB/s']! * 1024, rel(d['wkB/s']! * 1024, DISK_BYTES_FLOOR));
      close(h[`disk_read_bytes_per_sec.${dev}`], d['rkB/s']! * 1024, rel(d['rkB/s']! * 1024, DISK_BYTES_FLOOR));
      close(h[`disk_writes_per_sec.${dev}`], d['w/s']!, rel(d['w/s']!, DISK_IOPS_FLOOR));
      close(h[`disk_reads_per_sec.${dev}`], d['r/s']!, rel(d['r/s']!, DISK_IOPS_FLOOR));
      close(h[`disk_util.${dev}`], d['%util']!, UTIL_POINTS);
      const ios = d['r/s']! + d['w/s']!;
      const iostatAwait = ios > 0 ? (d['r_await']! * d['r/s']! + d['w_await']! * d['w/s']!) / ios : 0;
      close(h[`disk_await_ms.${dev}`], iostatAwait, AWAIT_RELATIVE * iostatAwait + AWAIT_FLOOR_MS);
    } finally {
      cpuHost.close?.();
      diskHost.close?.();
      procs.close?.();
    }
  }, 60_000);
});
