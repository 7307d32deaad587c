import { fields, lineStartingWith, num, valueAfterKey } from './fields.js';

/** The aggregate `cpu` line of /proc/stat, in USER_HZ ticks; guest time is already inside user/nice. */
export interface CpuTimes {
  readonly user: number;
  readonly nice: number;
  readonly system: number;
  readonly idle: number;
  readonly iowait: number;
  readonly irq: number;
  readonly softirq: number;
  readonly steal: number;
}

/** What the collectors use of /proc/stat. */
export interface ProcStat {
  readonly cpu: CpuTimes;
  /** Number of `cpuN` lines: the online CPUs. */
  readonly cores: number;
  readonly contextSwitches?: number;
  /** Total interrupts: the first number of the `intr` line (the per-IRQ counters after it are not read). */
  readonly interrupts?: number;
  readonly forks?: number;
  readonly procsRunning?: number;
  readonly procsBlocked?: number;
}

/** Parses /proc/stat; throws when the aggregate `cpu` line is missing or malformed. */
export function parseProcStat(text: string): ProcStat {
  const line = lineStartingWith(text, 'cpu ');
  if (line === undefined) throw new Error('/proc/stat has no aggregate cpu line');
  const f = fields(line);
  // Kernels before 2.6.11 lack steal; before 2.6 iowait/irq/softirq: missing columns count as 0.
  const at = (i: number): number => (i < f.length ? num(f[i]) : 0);
  const cpu: CpuTimes = {
    user: at(1),
    nice: at(2),
    system: at(3),
    idle: at(4),
    iowait: at(5),
    irq: at(6),
    softirq: at(7),
    steal: at(8),
  };
  if (!Object.values(cpu).every(Number.isFinite)) throw new Error(`malformed /proc/stat cpu line: ${line.slice(0, 120)}`);
  let cores = 0;
  for (let i = text.indexOf('\ncpu'); i >= 0; i = text.indexOf('\ncpu', i + 4)) cores++;
  return {
    cpu,
    cores,
    contextSwitches: valueAfterKey(text, 'ctxt '),
    interrupts: valueAfterKey(text, 'intr '),
    forks: valueAfterKey(text, 'processes '),
    procsRunning: valueAfterKey(text, 'procs_running '),
    procsBlocked: valueAfterKey(text, 'procs_blocked '),
  };
}
