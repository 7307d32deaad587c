import type { ProcReader } from '../proc-reader.js';
import { type Pressure, parsePressure } from '../proc/parse-pressure.js';
import { ancestry, type CgroupDir, type CgroupDirs } from './cgroup-layout.js';
import { cpuQuotaCores, parseByteLimit, parseCpuMax, parseKeyedCounters, parseSingleValue } from './parse-cgroup-files.js';

/** One reading of a cgroup, in the same units whatever the cgroup version. */
export interface CgroupReading {
  readonly version: 1 | 2;
  readonly memoryCurrentBytes?: number;
  /** Tightest memory limit of the cgroup and its ancestors; undefined when unlimited. */
  readonly memoryLimitBytes?: number;
  /** Highest memory use the kernel recorded for the cgroup (v2 `memory.peak`, v1 `memory.max_usage_in_bytes`). */
  readonly memoryPeakBytes?: number;
  /** Page cache the kernel may reclaim first (`inactive_file` of memory.stat; v1 `total_inactive_file`). */
  readonly memoryInactiveFileBytes?: number;
  /** Cumulative count of processes the OOM killer ended in the cgroup (`oom_kill` of memory.events / memory.oom_control). */
  readonly oomKills?: number;
  /** Cumulative CPU time of the cgroup's tasks, µs. */
  readonly cpuUsageUs?: number;
  /** Tightest CPU quota of the cgroup and its ancestors, in cores; undefined when unlimited. */
  readonly cpuLimitCores?: number;
  /** Cumulative time its runqueues were throttled, µs (summed over CPUs by the kernel). */
  readonly throttledUs?: number;
  readonly periods?: number;
  readonly throttledPeriods?: number;
  readonly pressure: { readonly cpu?: Pressure; readonly memory?: Pressure; readonly io?: Pressure };
}

/** Reads a cgroup's counters and limits (v2 files, or their v1 equivalents). */
export function readCgroup(reader: ProcReader, dirs: CgroupDirs): CgroupReading {
  const file = (dir: CgroupDir | undefined, name: string): string | undefined =>
    dir && reader.readHeld(`${dir.dir}/${name}`);
  const pressureOf = (name: string): Pressure | undefined => {
    const text = dirs.pressure === undefined ? undefined : reader.readHeld(`${dirs.pressure}/${name}.pressure`);
    return text === undefined ? undefined : parsePressure(text);
  };
  const pressure = { cpu: pressureOf('cpu'), memory: pressureOf('memory'), io: pressureOf('io') };
  const cpuStatText = file(dirs.cpu, 'cpu.stat');
  const cpuStat = cpuStatText === undefined ? new Map<string, number>() : parseKeyedCounters(cpuStatText);
  if (dirs.version === 2) {
    return {
      version: 2,
      memoryCurrentBytes: single(file(dirs.memory, 'memory.current')),
      memoryLimitBytes: tightest(reader, dirs.memory, 'memory.max', parseByteLimit),
      memoryPeakBytes: single(file(dirs.memory, 'memory.peak')),
      memoryInactiveFileBytes: keyed(file(dirs.memory, 'memory.stat'), 'inactive_file'),
      oomKills: keyed(file(dirs.memory, 'memory.events'), 'oom_kill'),
      cpuUsageUs: cpuStat.get('usage_usec'),
      cpuLimitCores: tightest(reader, dirs.cpu, 'cpu.max', parseCpuMax),
      throttledUs: cpuStat.get('throttled_usec'),
      periods: cpuStat.get('nr_periods'),
      throttledPeriods: cpuStat.get('nr_throttled'),
      pressure,
    };
  }
  const usageNs = single(file(dirs.cpuacct, 'cpuacct.usage'));
  const throttledNs = cpuStat.get('throttled_time');
  return {
    version: 1,
    memoryCurrentBytes: single(file(dirs.memory, 'memory.usage_in_bytes')),
    memoryLimitBytes: tightest(reader, dirs.memory, 'memory.limit_in_bytes', parseByteLimit),
    memoryPeakBytes: single(file(dirs.memory, 'memory.max_usage_in_bytes')),
    memoryInactiveFileBytes: keyed(file(dirs.memory, 'memory.stat'), 'total_inactive_file'),
    oomKills: keyed(file(dirs.memory, 'memory.oom_control'), 'oom_kill'),
    cpuUsageUs: usageNs === undefined ? undefined : usageNs / 1000,
    cpuLimitCores: v1CpuLimit(reader, dirs.cpu),
    throttledUs: throttledNs === undefined ? undefined : throttledNs / 1000,
    periods: cpuStat.get('nr_periods'),
    throttledPeriods: cpuStat.get('nr_throttled'),
    pressure,
  };
}

/** The memory limit of a cgroup (tightest over its ancestors); undefined when unlimited or unknown. */
export function readMemoryLimit(reader: ProcReader, dirs: CgroupDirs): number | undefined {
  return tightest(reader, dirs.memory, dirs.version === 2 ? 'memory.max' : 'memory.limit_in_bytes', parseByteLimit);
}

function single(text: string | undefined): number | undefined {
  return text === undefined ? undefined : parseSingleValue(text);
}

function keyed(text: string | undefined, key: string): number | undefined {
  return text === undefined ? undefined : parseKeyedCounters(text).get(key);
}

/** Smallest limit found in `name` along the cgroup's ancestry: a child cannot exceed its parents. */
function tightest(
  reader: ProcReader,
  dir: CgroupDir | undefined,
  name: string,
  parse: (text: string) => number | undefined,
): number | undefined {
  if (dir === undefined) return undefined;
  let min: number | undefined;
  for (const d of ancestry(dir)) {
    const text = reader.readHeld(`${d}/${name}`);
    const limit = text === undefined ? undefined : parse(text);
    if (limit !== undefined && (min === undefined || limit < min)) min = limit;
  }
  return min;
}

function v1CpuLimit(reader: ProcReader, dir: CgroupDir | undefined): number | undefined {
  if (dir === undefined) return undefined;
  let min: number | undefined;
  for (const d of ancestry(dir)) {
    const quota = reader.readHeld(`${d}/cpu.cfs_quota_us`);
    const period = reader.readHeld(`${d}/cpu.cfs_period_us`);
    const cores = quota === undefined || period === undefined ? undefined : cpuQuotaCores(quota, period);
    if (cores !== undefined && (min === undefined || cores < min)) min = cores;
  }
  return min;
}
