import { performance } from 'node:perf_hooks';
import { toValidName } from '../model/metric-names.js';
import type { BlockDeviceKind } from './block-device-kind.js';
import { cgroupMetrics } from './cgroup/cgroup-metrics.js';
import { type CgroupDirs, type CgroupLayout, detectCgroupLayout, resolveCgroupDirs } from './cgroup/cgroup-layout.js';
import { type CgroupReading, readCgroup } from './cgroup/read-cgroup.js';
import type { Collector, HostCollectorOptions } from './collector.js';
import type { MetricSink } from './counter.js';
import { diskMetrics } from './disk-metrics.js';
import { cpuMetrics, loadMetrics, memoryMetrics, pressureMetrics } from './host-metrics.js';
import { type HostReading, readHost } from './host-reading.js';
import { netMetrics } from './net-metrics.js';
import { ProcReader } from './proc-reader.js';
import { parseProcCgroup } from './proc/parse-proc-cgroup.js';
import { toSnapshots } from './snapshot-split.js';

interface Tick {
  readonly atMs: number;
  readonly host: HostReading;
  readonly cgroup?: CgroupReading;
}

/** The host collector: one snapshot of the whole machine (and the engine's own cgroup) per tick. */
export function createHostCollector(o: HostCollectorOptions): Collector {
  const procRoot = o.procRoot ?? '/proc';
  const sysRoot = o.sysRoot ?? '/sys';
  const clock = o.clock ?? (() => performance.now());
  const reader = new ProcReader();
  const kinds = new Map<string, BlockDeviceKind | null>();
  const source = toValidName(o.hostName);
  const exists = (p: string): boolean => reader.exists(p);
  let layout: CgroupLayout | undefined;
  let membership: { text: string; dirs: CgroupDirs | undefined } | undefined;
  let prev: Tick | undefined;

  const readOwnCgroup = (): CgroupReading | undefined => {
    const text = reader.readHeld(`${procRoot}/self/cgroup`);
    if (text === undefined) return undefined;
    if (membership?.text !== text) {
      layout ??= detectCgroupLayout(sysRoot, exists);
      membership = { text, dirs: resolveCgroupDirs(layout, parseProcCgroup(text), exists) };
    }
    return membership.dirs && readCgroup(reader, membership.dirs);
  };

  return {
    name: 'host',
    async collect(now) {
      const atMs = clock();
      const cur: Tick = { atMs, host: readHost(reader, procRoot, sysRoot, kinds), cgroup: readOwnCgroup() };
      const elapsedMs = prev === undefined ? 0 : atMs - prev.atMs;
      const h = cur.host;
      const p = prev?.host;
      const out: MetricSink = {};
      cpuMetrics(out, p?.stat, h.stat, elapsedMs);
      loadMetrics(out, h.load);
      memoryMetrics(out, h.mem);
      pressureMetrics(out, 'pressure_cpu', ['some'], p?.pressure.cpu, h.pressure.cpu, elapsedMs);
      pressureMetrics(out, 'pressure_memory', ['some', 'full'], p?.pressure.memory, h.pressure.memory, elapsedMs);
      pressureMetrics(out, 'pressure_io', ['some', 'full'], p?.pressure.io, h.pressure.io, elapsedMs);
      if (cur.cgroup) cgroupMetrics(out, prev?.cgroup, cur.cgroup, elapsedMs, h.stat.cores);
      diskMetrics(out, new Map(p?.disks.map((d) => [d.stat.name, d.stat])), h.disks, elapsedMs);
      netMetrics(out, new Map(p?.nets.map((n) => [n.name, n])), h.nets, elapsedMs);
      prev = cur;
      return toSnapshots({ source, host: o.hostName, timestamp: now }, out);
    },
    close() {
      reader.close();
    },
  };
}
