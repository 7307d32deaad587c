import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { type CgroupDirs, type CgroupLayout, detectCgroupLayout, ownCgroupDirs, resolveCgroupDirs } from './cgroup/cgroup-layout.js';
import { cgroupMetrics } from './cgroup/cgroup-metrics.js';
import { type CgroupReading, readCgroup, readMemoryLimit } from './cgroup/read-cgroup.js';
import type { Collector, ProcessCollectorOptions } from './collector.js';
import type { MetricSink } from './counter.js';
import { createFdCounter, ProcReader } from './proc-reader.js';
import { mainProcessUnit, processIdentity, serviceUnit, shortCommand } from './process-identity.js';
import { createProcessMatcher } from './process-matcher.js';
import { processMetrics, type ProcessReading } from './process-metrics.js';
import { CapNotice, isOldEnough, selectWatched, SourceNames } from './process-selection.js';
import { parseCmdline } from './proc/parse-cmdline.js';
import { countCpuList } from './proc/parse-cpu-list.js';
import { parseMaxOpenFiles } from './proc/parse-limits.js';
import { parseMemTotal } from './proc/parse-meminfo.js';
import { parsePidIo } from './proc/parse-pid-io.js';
import { PF_KTHREAD, type PidStat, parsePidStat } from './proc/parse-pid-stat.js';
import { parsePidStatus } from './proc/parse-pid-status.js';
import { type CgroupMembership, parseProcCgroup } from './proc/parse-proc-cgroup.js';
import { parseUptime } from './proc/parse-uptime.js';
import { toSnapshots } from './snapshot-split.js';

/** Files of a watched process, held open between ticks. */
const WATCHED_FILES = ['stat', 'status', 'io'] as const;

/**
 * At most this many unwatched processes keep their comm file open (beyond, their stat is re-read
 * by path), and never more than a quarter of the engine's open-file limit, which its sockets need.
 */
const MAX_HELD_COMM = 8192;

/** While the cap leaves processes out, it is said at most this often. */
const CAP_NOTICE_EVERY_MS = 15 * 60_000;

/** A watched process: what stays the same between ticks, and its last reading. */
interface Watched {
  readonly identity: string;
  readonly ordinal: number;
  readonly source: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly cgroup?: CgroupDirs;
  /** The controllers of `cgroup` in which it sits below the root: their figures are reported with its own. */
  readonly ownCgroup?: CgroupDirs;
  prev?: ProcessReading;
  prevCgroup?: CgroupReading;
  prevAtMs?: number;
}

/** Every process seen, keyed by pid. */
interface Tracked {
  readonly starttime: number;
  readonly comm: string;
  /** It matched the watch patterns, or is the engine: watched once old enough and within the cap. */
  readonly candidate: boolean;
  readonly self: boolean;
  watch?: Watched;
  /** Not a candidate: its comm file held open, and what it read when the process was identified. */
  readonly commFd?: number;
  readonly commText?: string;
  seenTick: number;
}

/** A candidate process at this tick, with its fresh stat. */
interface Candidate {
  readonly pid: number;
  readonly starttime: number;
  readonly watched: boolean;
  readonly t: Tracked;
  readonly stat: PidStat;
}

/**
 * The process collector: one snapshot per watched process per tick. A process is identified once
 * (stat, and cmdline unless comm already matches). After that, a process that does not match costs
 * one read of its held-open comm file per tick: the read fails once the process has exited (so a
 * pid reused by a new process is noticed) and shows a new name after an exec. A matching process
 * costs a stat read per tick (its starttime tells a reused pid apart, and gives its age); once it
 * is old enough and within the cap it is watched, read in full every tick (stat, status, io, fd
 * count) under a source name derived from its command line or service (process-identity.ts).
 */
export function createProcessCollector(o: ProcessCollectorOptions): Collector {
  const procRoot = o.procRoot ?? '/proc';
  const sysRoot = o.sysRoot ?? '/sys';
  const clock = o.clock ?? (() => performance.now());
  const minAgeSeconds = o.minAgeSeconds ?? 0;
  const maxProcesses = o.maxProcesses ?? Infinity;
  const matcher = createProcessMatcher(o.patterns);
  const reader = new ProcReader();
  const exists = (p: string): boolean => reader.exists(p);
  const countFds = createFdCounter(procRoot, reader);
  const tracked = new Map<number, Tracked>();
  const names = new SourceNames();
  const capNotice = new CapNotice(CAP_NOTICE_EVERY_MS);
  const fdLimit = parseMaxOpenFiles(reader.read(`${procRoot}/self/limits`) ?? '') ?? 4096;
  const maxHeldComm = Math.min(MAX_HELD_COMM, Math.floor(fdLimit / 4));
  let heldComm = 0;
  let layout: CgroupLayout | undefined;
  let tick = 0;

  const argvOf = (pid: number, stat: PidStat): string[] =>
    (stat.flags & PF_KTHREAD) !== 0 ? [] : parseCmdline(reader.read(`${procRoot}/${pid}/cmdline`, 'utf8') ?? '');

  const membershipOf = (pid: number): CgroupMembership | undefined => {
    const text = pid > 0 ? reader.read(`${procRoot}/${pid}/cgroup`) : undefined;
    return text === undefined ? undefined : parseProcCgroup(text);
  };

  const track = (pid: number, stat: PidStat): Tracked => {
    const self = pid === o.selfPid;
    const base = { starttime: stat.starttime, comm: stat.comm, self, seenTick: tick };
    if (self || matcher(stat.comm, () => argvOf(pid, stat))) return { ...base, candidate: true };
    const unmatched = { ...base, candidate: false };
    const commFd = heldComm < maxHeldComm ? reader.openFd(`${procRoot}/${pid}/comm`) : undefined;
    const commText = commFd === undefined ? undefined : reader.readFd(commFd);
    if (commFd === undefined) return unmatched;
    if (commText === undefined) {
      reader.closeFd(commFd);
      return unmatched;
    }
    heldComm++;
    return { ...unmatched, commFd, commText };
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

  const startWatching = (pid: number, t: Tracked, stat: PidStat): Watched => {
    layout ??= detectCgroupLayout(sysRoot, exists);
    const membership = membershipOf(pid);
    const cgroup = membership && resolveCgroupDirs(layout, membership, exists);
    const unit = membership && serviceUnit(membership);
    const mainOfUnit = unit && mainProcessUnit(membership, membershipOf(stat.ppid));
    const argv = argvOf(pid, stat);
    const identity = processIdentity({ comm: stat.comm, argv, ...(mainOfUnit ? { mainOfUnit } : {}) });
    const { name, ordinal } = names.acquire(identity);
    const cmd = shortCommand(argv);
    const labels = {
      pid: String(pid),
      comm: stat.comm,
      role: t.self ? 'self' : 'watched',
      ...(cmd !== '' ? { cmd } : {}),
      ...(unit ? { unit } : {}),
    };
    const ownCgroup = cgroup && !t.self ? ownCgroupDirs(cgroup, layout) : undefined;
    return { identity, ordinal, source: name, labels, cgroup, ...(ownCgroup ? { ownCgroup } : {}) };
  };

  const stopWatching = (pid: number, t: Tracked): void => {
    if (t.watch === undefined) return;
    names.release(t.watch.identity, t.watch.ordinal);
    t.watch = undefined;
    for (const file of WATCHED_FILES) reader.release(`${procRoot}/${pid}/${file}`);
  };

  const forget = (pid: number, t: Tracked): void => {
    tracked.delete(pid);
    stopWatching(pid, t);
    if (t.commFd !== undefined) {
      reader.closeFd(t.commFd);
      heldComm--;
    }
  };

  /** The tracked state of `pid` at this tick and its stat (unless it neither matches nor is new); undefined once gone. */
  const resolve = (pid: number): { t: Tracked; stat?: PidStat } | undefined => {
    const known = tracked.get(pid);
    if (known !== undefined) {
      const check = recheck(pid, known);
      if (check.same) return { t: known, stat: check.stat };
      forget(pid, known);
    }
    // A new process, or a new one at a known pid: a fresh stat says who it is.
    const text = reader.read(`${procRoot}/${pid}/stat`, 'utf8');
    const stat = text === undefined ? undefined : parsePidStat(text);
    if (stat === undefined) return undefined;
    const t = track(pid, stat);
    tracked.set(pid, t);
    return { t, stat };
  };

  /** The processes to watch at this tick: the engine, then the matching ones old enough, within the cap. */
  const choose = (candidates: Candidate[], atMs: number): Candidate[] => {
    const others = candidates.filter((c) => !c.t.self);
    const { chosen, skipped } = selectWatched(others, maxProcesses);
    const picked = new Set(chosen);
    for (const c of others) if (!picked.has(c)) stopWatching(c.pid, c.t);
    if (capNotice.due(skipped, atMs)) {
      o.log?.warn(
        { watched: chosen.length, matching: others.length, skipped, watch_max_processes: maxProcesses },
        `watching ${chosen.length} of ${others.length} matching processes (the longest running); ${skipped} not watched: raise watch_max_processes to watch more`,
      );
    }
    return [...candidates.filter((c) => c.t.self), ...chosen];
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

  /** Adds the figures of the process's own cgroup (read once per tick per cgroup) to its snapshot. */
  const addCgroup = (out: MetricSink, w: Watched, elapsedMs: number, cores: number, readings: Map<string, CgroupReading>): void => {
    const dirs = w.ownCgroup;
    if (dirs === undefined) return;
    const key = `${dirs.memory?.dir}|${dirs.cpu?.dir}|${dirs.cpuacct?.dir}|${dirs.pressure}`;
    let cur = readings.get(key);
    if (cur === undefined) {
      cur = readCgroup(reader, dirs);
      readings.set(key, cur);
    }
    cgroupMetrics(out, w.prevCgroup, cur, elapsedMs, cores);
    w.prevCgroup = cur;
  };

  return {
    name: 'process',
    async collect(now) {
      const atMs = clock();
      tick++;
      const pids = reader.list(procRoot);
      if (pids === undefined) throw new Error(`cannot list ${procRoot}`);
      const uptime = parseUptime(reader.readHeld(`${procRoot}/uptime`) ?? '');
      const candidates: Candidate[] = [];
      for (const name of pids) {
        const c = name.charCodeAt(0);
        if (c < 48 || c > 57) continue;
        const pid = Number(name);
        const r = resolve(pid);
        if (r === undefined) continue;
        r.t.seenTick = tick;
        const { t, stat } = r;
        if (!t.candidate || stat === undefined) continue;
        if (t.self || isOldEnough(uptime, stat.starttime, minAgeSeconds)) {
          candidates.push({ pid, starttime: t.starttime, watched: t.watch !== undefined, t, stat });
        }
      }
      for (const [pid, t] of tracked) if (t.seenTick !== tick) forget(pid, t);
      const memTotal = parseMemTotal(reader.readHeld(`${procRoot}/meminfo`) ?? '');
      const cores = countCpuList(reader.readHeld(`${sysRoot}/devices/system/cpu/online`) ?? '') || availableParallelism();
      const limits = new Map<string, number | undefined>();
      const cgroupReadings = new Map<string, CgroupReading>();
      const snapshots = [];
      for (const { pid, t, stat } of choose(candidates, atMs)) {
        const w = (t.watch ??= startWatching(pid, t, stat));
        const reading = readProcess(pid, stat);
        if (reading === undefined) continue;
        const out: MetricSink = {};
        const elapsedMs = w.prevAtMs === undefined ? 0 : atMs - w.prevAtMs;
        processMetrics(out, w.prev, reading, elapsedMs, cores, memoryLimit(w, memTotal, limits));
        addCgroup(out, w, elapsedMs, cores, cgroupReadings);
        w.prev = reading;
        w.prevAtMs = atMs;
        snapshots.push(...toSnapshots({ source: w.source, host: o.hostName, timestamp: now, labels: w.labels }, out));
      }
      return snapshots;
    },
    close() {
      for (const [pid, t] of tracked) forget(pid, t);
      reader.close();
    },
  };
}
