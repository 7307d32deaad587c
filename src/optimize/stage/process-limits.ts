import { ancestry, type CgroupDir, detectCgroupLayout, ownCgroupDirs, resolveCgroupDirs } from '../../collect/cgroup/cgroup-layout.js';
import { cpuQuotaCores, parseByteLimit, parseCpuMax } from '../../collect/cgroup/parse-cgroup-files.js';
import { ProcReader } from '../../collect/proc-reader.js';
import { parseProcCgroup } from '../../collect/proc/parse-proc-cgroup.js';
import type { LimitCgroup } from '../limits/limits-advisor.js';

/** The cgroups that bind a process's CPU and memory, as the limits advisor and applier need them. */
export interface ProcessLimits {
  readonly version: 1 | 2;
  /** The cgroup whose CPU quota binds (the tightest along the ancestry; the process's own when none has one). */
  readonly cpu?: LimitCgroup<number>;
  readonly memory?: LimitCgroup<number>;
}

/** Where to look; the roots let tests point at fixture trees. */
export interface ProcessLimitsOptions {
  readonly procRoot?: string;
  readonly sysRoot?: string;
}

/**
 * Reads which cgroups limit process `pid` (cgroup v2, or v1 cpu and memory controllers) and their
 * limits; undefined when the process is gone or sits at the root of every hierarchy (the root
 * cgroup is the whole machine and has no limit to write). A limit set on an ancestor binds the
 * process as much as its own, so the directory given is the one whose limit is the tightest: a
 * change written to the process's own cgroup would not lift it.
 */
export function readProcessLimits(pid: number, o: ProcessLimitsOptions = {}): ProcessLimits | undefined {
  const reader = new ProcReader(0);
  try {
    const text = reader.read(`${o.procRoot ?? '/proc'}/${pid}/cgroup`);
    if (text === undefined) return undefined;
    const exists = (p: string): boolean => reader.exists(p);
    const layout = detectCgroupLayout(o.sysRoot ?? '/sys', exists);
    const all = resolveCgroupDirs(layout, parseProcCgroup(text), exists);
    const dirs = all && ownCgroupDirs(all, layout);
    if (dirs === undefined) return undefined;
    const v2 = dirs.version === 2;
    const cpuOf = (d: string): number | undefined => {
      if (v2) return parse(reader, `${d}/cpu.max`, parseCpuMax);
      const quota = reader.read(`${d}/cpu.cfs_quota_us`);
      const period = reader.read(`${d}/cpu.cfs_period_us`);
      return quota === undefined || period === undefined ? undefined : cpuQuotaCores(quota, period);
    };
    const memoryOf = (d: string): number | undefined => parse(reader, `${d}/${v2 ? 'memory.max' : 'memory.limit_in_bytes'}`, parseByteLimit);
    const cpu = dirs.cpu && binding(dirs.cpu, cpuOf);
    const memory = dirs.memory && binding(dirs.memory, memoryOf);
    return { version: dirs.version, ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) };
  } finally {
    reader.close();
  }
}

function parse(reader: ProcReader, path: string, fn: (text: string) => number | undefined): number | undefined {
  const text = reader.read(path);
  return text === undefined ? undefined : fn(text);
}

/** The tightest limit along the ancestry (below the mount) and its directory; the leaf unlimited when none. */
function binding(dir: CgroupDir, limitOf: (dir: string) => number | undefined): LimitCgroup<number> {
  let best: LimitCgroup<number> = { cgroup: dir.dir, limit: null };
  for (const d of ancestry(dir)) {
    if (d === dir.mount) break;
    const limit = limitOf(d);
    if (limit !== undefined && (best.limit === null || limit < best.limit)) best = { cgroup: d, limit };
  }
  return best;
}
