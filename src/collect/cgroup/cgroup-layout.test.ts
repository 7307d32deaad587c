import { describe, expect, it } from 'vitest';
import { parseProcCgroup } from '../proc/parse-proc-cgroup.js';
import { ancestry, detectCgroupLayout, ownCgroupDirs, resolveCgroupDirs } from './cgroup-layout.js';

const existing = (...paths: string[]): ((p: string) => boolean) => {
  const set = new Set(paths);
  return (p) => set.has(p);
};

describe('detectCgroupLayout', () => {
  it('recognises a unified (v2) hierarchy by its top cgroup.controllers', () => {
    expect(detectCgroupLayout('/sys', existing('/sys/fs/cgroup/cgroup.controllers'))).toEqual({ v2: '/sys/fs/cgroup' });
  });

  it('finds v1 controllers, co-mounted ones and the hybrid unified hierarchy', () => {
    const layout = detectCgroupLayout(
      '/sys',
      existing('/sys/fs/cgroup/memory', '/sys/fs/cgroup/cpu,cpuacct', '/sys/fs/cgroup/unified/cgroup.controllers'),
    );
    expect(layout).toEqual({
      memory: '/sys/fs/cgroup/memory',
      cpu: '/sys/fs/cgroup/cpu,cpuacct',
      cpuacct: '/sys/fs/cgroup/cpu,cpuacct',
      unified: '/sys/fs/cgroup/unified',
    });
  });
});

describe('resolveCgroupDirs', () => {
  it('joins the unified path to the v2 mount', () => {
    const dirs = resolveCgroupDirs(
      { v2: '/cg' },
      parseProcCgroup('0::/system.slice/engine.service\n'),
      existing('/cg/system.slice/engine.service'),
    );
    const dir = { dir: '/cg/system.slice/engine.service', mount: '/cg' };
    expect(dirs).toEqual({ version: 2, memory: dir, cpu: dir, pressure: dir.dir });
  });

  it('falls back to the mount when the path is not visible (a container without a cgroup namespace)', () => {
    const dirs = resolveCgroupDirs({ v2: '/cg' }, parseProcCgroup('0::/docker/abc\n'), existing());
    expect(dirs?.memory).toEqual({ dir: '/cg', mount: '/cg' });
  });

  it('resolves each v1 controller in its own hierarchy and pressure in the hybrid unified one', () => {
    const layout = { memory: '/cg/memory', cpu: '/cg/cpu', cpuacct: '/cg/cpuacct', unified: '/cg/unified' };
    const text = '4:memory:/a/b\n2:cpuacct:/\n1:cpu:/\n0::/\n';
    const dirs = resolveCgroupDirs(layout, parseProcCgroup(text), existing('/cg/memory/a/b'));
    expect(dirs).toEqual({
      version: 1,
      memory: { dir: '/cg/memory/a/b', mount: '/cg/memory' },
      cpu: { dir: '/cg/cpu', mount: '/cg/cpu' },
      cpuacct: { dir: '/cg/cpuacct', mount: '/cg/cpuacct' },
      pressure: '/cg/unified',
    });
  });

  it('gives nothing when no hierarchy applies', () => {
    expect(resolveCgroupDirs({}, parseProcCgroup('4:memory:/a\n'), existing())).toBeUndefined();
  });
});

describe('ancestry', () => {
  it('lists a cgroup and its ancestors up to the mount, leaf first', () => {
    expect(ancestry({ dir: '/cg/a/b', mount: '/cg' })).toEqual(['/cg/a/b', '/cg/a', '/cg']);
    expect(ancestry({ dir: '/cg', mount: '/cg' })).toEqual(['/cg']);
  });
});

describe('ownCgroupDirs', () => {
  it('keeps only the v1 controllers in which the process is below the root', () => {
    const layout = { memory: '/cg/memory', cpu: '/cg/cpu', cpuacct: '/cg/cpuacct', unified: '/cg/unified' };
    const dirs = resolveCgroupDirs(layout, parseProcCgroup('4:memory:/a\n2:cpuacct:/\n1:cpu:/t\n0::/\n'), () => true)!;
    expect(ownCgroupDirs(dirs, layout)).toEqual({
      version: 1,
      memory: { dir: '/cg/memory/a', mount: '/cg/memory' },
      cpu: { dir: '/cg/cpu/t', mount: '/cg/cpu' },
      cpuacct: undefined,
      pressure: undefined,
    });
    const root = resolveCgroupDirs(layout, parseProcCgroup('4:memory:/\n1:cpu:/\n0::/\n'), () => true)!;
    expect(ownCgroupDirs(root, layout)).toBeUndefined();
  });

  it('keeps a v2 cgroup below the root and drops the root itself', () => {
    const below = resolveCgroupDirs({ v2: '/cg' }, parseProcCgroup('0::/app.slice/a.service\n'), () => true)!;
    expect(ownCgroupDirs(below, { v2: '/cg' })).toBe(below);
    const root = resolveCgroupDirs({ v2: '/cg' }, parseProcCgroup('0::/\n'), () => true)!;
    expect(ownCgroupDirs(root, { v2: '/cg' })).toBeUndefined();
  });
});
