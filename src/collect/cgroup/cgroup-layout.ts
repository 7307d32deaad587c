import type { CgroupMembership } from '../proc/parse-proc-cgroup.js';

/** Where the cgroup hierarchies this collector reads are mounted. */
export interface CgroupLayout {
  /** Mount of the unified hierarchy when it holds the controllers (cgroup v2). */
  readonly v2?: string;
  /** v1 controller mounts (`cpu,cpuacct` co-mounts appear under both names). */
  readonly memory?: string;
  readonly cpu?: string;
  readonly cpuacct?: string;
  /** The unified hierarchy of a hybrid v1 setup, which only offers pressure files. */
  readonly unified?: string;
}

/** Directories of one process's cgroups, resolved against a layout. */
export interface CgroupDirs {
  readonly version: 1 | 2;
  /** v2: the cgroup; v1: memory controller cgroup. */
  readonly memory?: CgroupDir;
  /** v2: the cgroup; v1: cpu controller cgroup (quota, throttling). */
  readonly cpu?: CgroupDir;
  /** v1 only: cpuacct controller cgroup (usage). */
  readonly cpuacct?: CgroupDir;
  /** Directory holding cpu.pressure, memory.pressure, io.pressure. */
  readonly pressure?: string;
}

/** A cgroup directory and the mount it lives under (limits are inherited from ancestors up to it). */
export interface CgroupDir {
  readonly dir: string;
  readonly mount: string;
}

/**
 * Finds the hierarchies at their conventional mount points under `<sysRoot>/fs/cgroup`: v2 when
 * cgroup.controllers sits at the top, else v1 controllers in their own directories (and a hybrid
 * unified hierarchy in `unified/`).
 */
export function detectCgroupLayout(sysRoot: string, exists: (path: string) => boolean): CgroupLayout {
  const root = `${sysRoot}/fs/cgroup`;
  if (exists(`${root}/cgroup.controllers`)) return { v2: root };
  const first = (...names: string[]): string | undefined =>
    names.map((n) => `${root}/${n}`).find((dir) => exists(dir));
  return {
    memory: first('memory'),
    cpu: first('cpu', 'cpu,cpuacct'),
    cpuacct: first('cpuacct', 'cpu,cpuacct'),
    unified: exists(`${root}/unified/cgroup.controllers`) ? `${root}/unified` : undefined,
  };
}

/**
 * Resolves a process's cgroup paths to directories; undefined when no hierarchy applies. A path
 * whose directory does not exist falls back to the mount itself: without a cgroup namespace a
 * container sees its host-side path in /proc/self/cgroup but has its own cgroup mounted at the root.
 */
export function resolveCgroupDirs(
  layout: CgroupLayout,
  membership: CgroupMembership,
  exists: (path: string) => boolean,
): CgroupDirs | undefined {
  const at = (mount: string | undefined, path: string | undefined): CgroupDir | undefined => {
    if (mount === undefined || path === undefined) return undefined;
    const dir = path === '/' ? mount : `${mount}${path}`;
    return { dir: exists(dir) ? dir : mount, mount };
  };
  if (layout.v2 !== undefined) {
    const dir = at(layout.v2, membership.unified);
    return dir && { version: 2, memory: dir, cpu: dir, pressure: dir.dir };
  }
  const memory = at(layout.memory, membership.controllers.get('memory'));
  const cpu = at(layout.cpu, membership.controllers.get('cpu'));
  const cpuacct = at(layout.cpuacct, membership.controllers.get('cpuacct'));
  const pressure = at(layout.unified, membership.unified)?.dir;
  if (!memory && !cpu && !cpuacct && pressure === undefined) return undefined;
  return { version: 1, memory, cpu, cpuacct, pressure };
}

/**
 * The controllers of `dirs` in which the process sits below the hierarchy's root; undefined when
 * none. At the root a cgroup's figures are the whole machine's, not the process's.
 */
export function ownCgroupDirs(dirs: CgroupDirs, layout: CgroupLayout): CgroupDirs | undefined {
  const own = (d: CgroupDir | undefined): CgroupDir | undefined => (d !== undefined && d.dir !== d.mount ? d : undefined);
  if (dirs.version === 2) return own(dirs.memory) && dirs;
  const pressure = dirs.pressure !== undefined && dirs.pressure !== layout.unified ? dirs.pressure : undefined;
  const out = { version: 1 as const, memory: own(dirs.memory), cpu: own(dirs.cpu), cpuacct: own(dirs.cpuacct), pressure };
  return out.memory || out.cpu || out.cpuacct || pressure !== undefined ? out : undefined;
}

/** The directory and its ancestors up to and including its mount, leaf first. */
export function ancestry({ dir, mount }: CgroupDir): string[] {
  const out = [dir];
  let d = dir;
  while (d.length > mount.length && d.startsWith(mount)) {
    d = d.slice(0, d.lastIndexOf('/'));
    if (d.length >= mount.length) out.push(d);
  }
  return out;
}
