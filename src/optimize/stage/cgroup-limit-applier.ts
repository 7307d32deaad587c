import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { ValidateFunction } from 'ajv';
import { cpuQuotaCores, parseByteLimit, parseCpuMax } from '../../collect/cgroup/parse-cgroup-files.js';
import { ACTION_PARAMS } from '../../wire/optimizing.js';
import { wireAjv } from '../../wire/wire-ajv.js';
import type { ActionApplier, ActionStep } from '../proposal.js';

/** Why a limit could not be set. */
export const CGROUP_LIMIT_ERROR_CODES = ['invalid_params', 'not_allowed', 'not_a_cgroup', 'conflict', 'write_failed'] as const;

/** A cgroup limit that was not set: bad parameters, a path outside the cgroup mount, a limit changed by someone else, a refused write. */
export class CgroupLimitError extends Error {
  override readonly name = 'CgroupLimitError';
  constructor(
    readonly code: (typeof CGROUP_LIMIT_ERROR_CODES)[number],
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Options of the cgroup limit applier. */
export interface CgroupLimitApplierOptions {
  /** Only cgroups below this directory are written; default `/sys/fs/cgroup`. */
  readonly cgroupRoot?: string;
  /** Told of each write (file, from, to). */
  readonly log?: { info(fields: object, message: string): void };
}

/** One limit file: how to read it, and what to write for a value. */
interface LimitFile {
  readonly path: string;
  /** The limit now, in the action's unit (cores, bytes); null for none. */
  readonly current: number | null;
  /** File content that sets `value` (null: no limit). */
  text(value: number | null): string;
  /** Whether two limits are the same once written (quotas in µs, v1 memory in pages). */
  same(a: number | null, b: number | null): boolean;
}

const read = (path: string): string => readFileSync(path, 'latin1');
const PAGE = 4096;

function cpuFile(dir: string): LimitFile {
  if (existsSync(`${dir}/cpu.max`)) {
    const path = `${dir}/cpu.max`;
    const text = read(path);
    const period = Number(text.trim().split(/\s+/)[1]) || 100_000;
    return { path, current: parseCpuMax(text) ?? null, text: (v) => `${v === null ? 'max' : Math.round(v * period)} ${period}`, same: sameQuota(period) };
  }
  if (existsSync(`${dir}/cpu.cfs_quota_us`)) {
    const path = `${dir}/cpu.cfs_quota_us`;
    const period = Number(read(`${dir}/cpu.cfs_period_us`).trim()) || 100_000;
    return { path, current: cpuQuotaCores(read(path), String(period)) ?? null, text: (v) => (v === null ? '-1' : String(Math.round(v * period))), same: sameQuota(period) };
  }
  throw new CgroupLimitError('not_a_cgroup', `${dir} has neither cpu.max nor cpu.cfs_quota_us`);
}

function memoryFile(dir: string): LimitFile {
  const v2 = existsSync(`${dir}/memory.max`);
  const path = v2 ? `${dir}/memory.max` : `${dir}/memory.limit_in_bytes`;
  if (!v2 && !existsSync(path)) throw new CgroupLimitError('not_a_cgroup', `${dir} has neither memory.max nor memory.limit_in_bytes`);
  return {
    path,
    current: parseByteLimit(read(path)) ?? null,
    text: (v) => (v === null ? (v2 ? 'max' : '-1') : String(v)),
    // v1 rounds a limit down to a page.
    same: (a, b) => (a === null || b === null ? a === b : Math.floor(a / PAGE) === Math.floor(b / PAGE)),
  };
}

const sameQuota = (period: number) => (a: number | null, b: number | null) =>
  a === null || b === null ? a === b : Math.round(a * period) === Math.round(b * period);

/**
 * Applies `set_cpu_limit` (cgroup v2 `cpu.max`, keeping its period; v1 `cpu.cfs_quota_us`) and
 * `set_memory_limit` (v2 `memory.max`, v1 `memory.limit_in_bytes`) by writing the cgroup file
 * named by the `cgroup` parameter, which must be a directory below `cgroupRoot`. Idempotent: a
 * limit already in place is not written again. A limit that is neither the step's `previous` nor
 * its target was changed by someone else since the proposal: it is left alone (`conflict`). The
 * file is read back after the write.
 */
export function createCgroupLimitApplier(o: CgroupLimitApplierOptions = {}): ActionApplier {
  const root = o.cgroupRoot ?? '/sys/fs/cgroup';
  const checks: Record<string, ValidateFunction> = {
    set_cpu_limit: wireAjv.compile(ACTION_PARAMS.set_cpu_limit),
    set_memory_limit: wireAjv.compile(ACTION_PARAMS.set_memory_limit),
  };
  return {
    actions: ['set_cpu_limit', 'set_memory_limit'],
    async apply(step: ActionStep): Promise<void> {
      const check = checks[step.action];
      if (check === undefined) throw new CgroupLimitError('invalid_params', `this applier does not carry out ${step.action}`);
      if (!check(step.params)) throw new CgroupLimitError('invalid_params', `${step.action} params${check.errors?.[0]?.instancePath ?? ''}: ${check.errors?.[0]?.message ?? 'invalid'}`);
      const p = step.params as { cgroup: string; cpu_cores?: number | null; bytes?: number | null; previous?: number | null };
      const dir = allowedDir(p.cgroup, root);
      const file = step.action === 'set_cpu_limit' ? cpuFile(dir) : memoryFile(dir);
      const target = (step.action === 'set_cpu_limit' ? p.cpu_cores : p.bytes) ?? null;
      if (file.same(file.current, target)) return;
      if (p.previous !== undefined && !file.same(file.current, p.previous)) {
        throw new CgroupLimitError('conflict', `${file.path} holds ${file.current ?? 'no limit'}, neither the expected ${p.previous ?? 'no limit'} nor ${target ?? 'no limit'}: changed by someone else`);
      }
      try {
        await writeFile(file.path, file.text(target));
      } catch (err) {
        throw new CgroupLimitError('write_failed', `writing ${file.text(target)} to ${file.path}: ${(err as Error).message}`, { cause: err });
      }
      const after = step.action === 'set_cpu_limit' ? cpuFile(dir).current : memoryFile(dir).current;
      if (!file.same(after, target)) throw new CgroupLimitError('write_failed', `${file.path} reads ${after ?? 'no limit'} after writing ${file.text(target)}`);
      o.log?.info({ file: file.path, from: file.current, to: target }, `${step.action}: ${file.path} set`);
    },
  };
}

/** The real directory of `path` when it is a directory strictly below `root`; else `not_allowed`. */
function allowedDir(path: string, root: string): string {
  let real: string;
  try {
    real = realpathSync(path);
    if (!statSync(real).isDirectory()) throw new Error('not a directory');
  } catch (err) {
    throw new CgroupLimitError('not_a_cgroup', `${path} is not a cgroup directory: ${(err as Error).message}`, { cause: err });
  }
  const base = realpathSync(root);
  if (!real.startsWith(`${base}/`)) throw new CgroupLimitError('not_allowed', `${path} is not below ${root}: only cgroups there are written`);
  return real;
}
