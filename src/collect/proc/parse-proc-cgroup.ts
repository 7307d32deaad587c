import { lines } from './fields.js';

/** Which cgroups a process belongs to, from /proc/<pid>/cgroup. */
export interface CgroupMembership {
  /** Path in the unified (v2) hierarchy, from the `0::/path` line. */
  readonly unified?: string;
  /** v1 controller name (`memory`, `cpu`, `cpuacct`, `name=systemd`...) -> path. */
  readonly controllers: ReadonlyMap<string, string>;
}

/** Parses /proc/<pid>/cgroup (`id:controller,list:/path` lines; the path may contain ':'). */
export function parseProcCgroup(text: string): CgroupMembership {
  let unified: string | undefined;
  const controllers = new Map<string, string>();
  for (const line of lines(text)) {
    const first = line.indexOf(':');
    const second = first < 0 ? -1 : line.indexOf(':', first + 1);
    if (second < 0) continue;
    const list = line.slice(first + 1, second);
    const path = line.slice(second + 1);
    if (line.slice(0, first) === '0' && list === '') unified = path;
    else for (const c of list.split(',')) if (c !== '') controllers.set(c, path);
  }
  return unified === undefined ? { controllers } : { unified, controllers };
}
