import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { toValidName } from '../model/metric-names.js';
import { type CgroupDirs, type CgroupLayout, detectCgroupLayout, resolveCgroupDirs } from './cgroup/cgroup-layout.js';
import { readMemoryLimit } from './cgroup/read-cgroup.js';
import type { Collector, ProcessCollectorOptions } from './collector.js';
import type { MetricSink } from './counter.js';
import { createFdCounter, ProcReader } from './proc-reader.js';
import { createProcessMatcher } from './process-matcher.js';
import { processMetrics, type ProcessReading } from './process-metrics.js';
import { parseCmdline } from './proc/parse-cmdline.js';
import { countCpuList } from './proc/parse-cpu-list.js';
import { parseMaxOpenFiles } from './proc/parse-limits.js';
import { parseMemTotal } from './proc/parse-meminfo.js';
import { parsePidIo } from './proc/parse-pid-io.js';
import { PF_KTHREAD, type PidStat, parsePidStat } from './proc/parse-pid-stat.js';
import { parsePidStatus } from './proc/parse-pid-status.js';
import { parseProcCgroup } from './proc/parse-proc-cgroup.js';
import { toSnapshots } from './snapshot-split.js';

/** Files of a watched process, held open between ticks. */
const WATCHED_FILES = ['stat', 'status', 'io'] as const;

/**
 * At most this many unwatched processes keep their comm file open (beyond, their stat is re-read
 * by path), and never more than a quarter of the engine's open-file limit, which its sockets need.
 */
const MAX_HELD_COMM = 8192;

/** A watched process: what stays the same between ticks, and its last reading. */
interface Watched {
  readonly source: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly cgroup?: CgroupDirs;
  prev?: ProcessReading;
  prevAtMs?: number;
}

/** Every process seen, keyed by pid. */
interface Tracked {
  readonly starttime: number;
  readonly comm: string;
  readonly watch?: Watched;
  /** Unwatched: its comm file held open, and what it read when the process was identified. */
  readonly commFd?: number;
  readonly commText?: string;
  seenTick: number;
}

/**
 * The process collector: one snapshot per watched process per tick. A process is identified once
 * (stat, and cmdline unless comm already matches). After that, an unwatched process costs one
 * read of its held-open comm file per tick: the read fails once the process has exited (so a pid
 * reused by a new process is noticed) and shows a new name after an exec. A watched process is
 * read in full every tick (stat, status, io, fd count); its starttime tells a reused pid apart.
 */
export function createProcessCollector(o: ProcessCollectorOptions): Collector {
  const procRoot = o.procRoot ?? '/proc';
  const sysRoot = o.sysRoot ?? '/sys';
  const clock = o.clock ?? (() => performance.now());
  const matcher = createProcessMatcher(o.patterns);
  const reader = new ProcReader();
  const exists = (p: string): boolean => reader.exists(p);
  const countFds = createFdCounter(procRoot, reader);
  const tracked = new Map<number, Tracked>();
  const fdLimit = parseMaxOpenFiles(reader.read(`${procRoot}/self/limits`) ?? '') ?? 4096;
  const maxHeldComm = Math.min(MAX_HELD_COMM, Math.floor(fdLimit / 4));
  let heldComm = 0;
  let layout: CgroupLayout | undefined;
  let tick = 0;

  const track = (pid: number, stat: PidStat): Tracked => {
    const dir = `${procRoot}/${pid}`;
    const self = pid === o.selfPid;
    const kernelThread = (stat.flags & PF_KTHREAD) !== 0;
    const argv = (): string[] => (kernelThread ? [] : parseCmdline(reader.read(`${dir}/cmdline`, 'utf8') ?? ''));
    const base = { starttime: stat.starttime, comm: stat.comm, seenTick: tick };
    if (!self && !matcher(stat.comm, argv)) {
      const commFd = heldComm < maxHeldComm ? reader.openFd(`${dir}/comm`) : undefined;
      const commText = commFd === undefined ? undefined : reader.readFd(commFd);
      if (commFd === undefined) return base;
      if (commText === undefined) {
        reader.closeFd(commFd);
        return base;
      }
      heldComm++;
      return { ...base, commFd, commText };
    }
    layout ??= detectCgroupLayout(sysRoot, exists);
    const cgroupText = reader.read(`${dir}/cgroup`);
    const cgroup = cgroupText === undefined ? undefined : resolveCgroupDirs(layout, parseProcCgroup(cgroupText), exists);
    const labels = { pid: String(pid), comm: stat.comm, role: self ? 'self' : 'watched' };
    return { ...base, watch: { source: toValidName(`${stat.comm}-${pid}`), labels, cgroup } };
  };

  /** Whether `pid` is still the process `t` describes, with its stat when that had to be read. */
  const recheck = (pid: number, t: Tracked): { same: boolean; stat?: PidStat } => {
    if (t.commFd !== undefined) return { same: reader.readFd(t.commFd) === t.commText };
    const text = t.watch
      ? reader.readHeld(`${procRoot}/${pid}/stat`, 'utf8')
      : reader.read(`${procRoot}/${pid}/stat`, 'utf8');
    const stat = text === undefined ? undefined : parsePidStat(text);
    return { same: stat !== undefined && stat.starttime === t.starttime && stat.comm === t.comm, stat };
  };

  const forget = (pid: number, t: Tracked): void => {
    tracked.delete(pid);
    if (t.commFd !== undefined) {
      reader.closeFd(t.commFd);
      heldComm--;
    }
    if (t.watch) for (const file of WATCHED_FILES) reader.release(`${procRoot}/${pid}/${file}`);
  };

  const readProcess = (pid: number, stat: PidStat): ProcessReading | undefined => {
    const status = reader.readHeld(`${procRoot}/${pid}/status`);
    if (status === undefined) return undefined;
    const io = reader.readHeld(`${procRoot}/${pid}/io`);
    return { stat, status: parsePidStatus(status), io: io === undefined ? undefined : parsePidIo(io), openFds: countFds(pid) };
  };

  const memoryLimit = (w: Watched, memTotal: number | undefined, limits: Map<string, number | undefined>): number | undefined => {
    const dirs = w.cgroup;
    if (dirs?.memory === undefined) return memTotal;
    const key = dirs.memory.dir;
    if (!limits.has(key)) limits.set(key, readMemoryLimit(reader, dirs));
    const limit = limits.get(key);
    if (limit === undefined) return memTotal;
    return memTotal === undefined ? limit : Math.min(limit, memTotal);
  };

  return {
    name: 'process',
    async collect(now) {
      const atMs = clock();
      tick++;
      const names = reader.list(procRoot);
      if (names === undefined) throw new Error(`cannot list ${procRoot}`);
      const memTotal = parseMemTotal(reader.readHeld(`${procRoot}/meminfo`) ?? '');
      const cores = countCpuList(reader.readHeld(`${sysRoot}/devices/system/cpu/online`) ?? '') || availableParallelism();
      const limits = new Map<string, number | undefined>();
      const snapshots = [];
      for (const name of names) {
        const c = name.charCodeAt(0);
        if (c < 48 || c > 57) continue;
        const pid = Number(name);
        let t = tracked.get(pid);
        let stat: PidStat | undefined;
        if (t !== undefined) {
          const check = recheck(pid, t);
          if (check.same) stat = check.stat;
          else {
            forget(pid, t);
            t = undefined;
          }
        }
        if (t === undefined) {
          // A new process, or a new one at a known pid: a fresh stat says who it is.
          const text = reader.read(`${procRoot}/${pid}/stat`, 'utf8');
          stat = text === undefined ? undefined : parsePidStat(text);
          if (stat === undefined) continue;
          t = track(pid, stat);
          tracked.set(pid, t);
        }
        t.seenTick = tick;
        const w = t.watch;
        const reading = w && stat && readProcess(pid, stat);
        if (w === undefined || reading === undefined) continue;
        const out: MetricSink = {};
        const elapsedMs = w.prevAtMs === undefined ? 0 : atMs - w.prevAtMs;
        processMetrics(out, w.prev, reading, elapsedMs, cores, memoryLimit(w, memTotal, limits));
        w.prev = reading;
        w.prevAtMs = atMs;
        snapshots.push(...toSnapshots({ source: w.source, host: o.hostName, timestamp: now, labels: w.labels }, out));
      }
      for (const [pid, t] of tracked) if (t.seenTick !== tick) forget(pid, t);
      return snapshots;
    },
    close() {
      for (const [pid, t] of tracked) forget(pid, t);
      reader.close();
    },
  };
}
