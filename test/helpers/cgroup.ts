import { existsSync, mkdirSync, readFileSync, realpathSync, rmdirSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** A cgroup made for a test, in every hierarchy the controller needs, removed by `remove`. */
export interface TestCgroup {
  readonly version: 1 | 2;
  /** The directory holding the controller's limit files. */
  readonly dir: string;
  /** Moves a process (all its threads) into the cgroup. */
  addProcess(pid: number): void;
  /** Removes the directories; the processes in them must have exited. */
  remove(): Promise<void>;
}

const ROOT = '/sys/fs/cgroup';

function v2Controllers(): string[] | undefined {
  const path = `${ROOT}/cgroup.controllers`;
  return existsSync(path) ? readFileSync(path, 'utf8').trim().split(/\s+/) : undefined;
}

/**
 * Creates cgroup `name` with `controller` (`cpu` or `memory`): below the v2 root when the
 * controller is available there (enabling it for children), else in the v1 controller's own
 * hierarchy; for v1 `cpu`, also in `cpuacct` when that is mounted apart, so usage is the
 * cgroup's own. Returns the reason instead when this machine cannot.
 */
export function createTestCgroup(name: string, controller: 'cpu' | 'memory'): TestCgroup | { skip: string } {
  const dirs: string[] = [];
  try {
    const v2 = v2Controllers();
    if (v2 !== undefined) {
      if (!v2.includes(controller)) return { skip: `cgroup v2 without the ${controller} controller at ${ROOT}` };
      writeFileSync(`${ROOT}/cgroup.subtree_control`, `+${controller}`);
      mkdirSync(`${ROOT}/${name}`);
      dirs.push(`${ROOT}/${name}`);
      return make(2, dirs);
    }
    const mounts = controller === 'cpu' ? [['cpu', 'cpu,cpuacct'], ['cpuacct']] : [['memory']];
    for (const names of mounts) {
      const found = names.map((n) => `${ROOT}/${n}`).find((d) => existsSync(`${d}/cgroup.procs`));
      if (found === undefined) {
        if (names[0] === controller) return { skip: `no cgroup v1 ${controller} hierarchy under ${ROOT}` };
        continue;
      }
      // Co-mounted controllers (`cpu,cpuacct`, with `cpu` and `cpuacct` links to it) are one hierarchy.
      const mount = realpathSync(found);
      if (dirs.some((d) => d.startsWith(`${mount}/`))) continue;
      mkdirSync(`${mount}/${name}`);
      dirs.push(`${mount}/${name}`);
    }
    return make(1, dirs);
  } catch (err) {
    for (const d of dirs.reverse()) rmdirSync(d);
    return { skip: `cannot create a ${controller} cgroup: ${(err as Error).message}` };
  }
}

function make(version: 1 | 2, dirs: string[]): TestCgroup {
  return {
    version,
    dir: dirs[0]!,
    addProcess(pid) {
      for (const d of dirs) writeFileSync(`${d}/cgroup.procs`, String(pid));
    },
    async remove() {
      for (const d of [...dirs].reverse()) {
        for (let i = 0; existsSync(d); i++) {
          try {
            rmdirSync(d);
          } catch (err) {
            if (i >= 50) throw err;
            await sleep(100);
          }
        }
      }
    },
  };
}
