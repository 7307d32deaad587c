import { num } from './fields.js';

/** Kernel threads carry this flag in /proc/<pid>/stat (PF_KTHREAD). */
export const PF_KTHREAD = 0x00200000;

/** What the collectors use of /proc/<pid>/stat; times in USER_HZ ticks. */
export interface PidStat {
  readonly pid: number;
  readonly comm: string;
  readonly state: string;
  readonly ppid: number;
  readonly flags: number;
  readonly minorFaults: number;
  readonly majorFaults: number;
  readonly utime: number;
  readonly stime: number;
  readonly threads: number;
  /** Start time in ticks after boot: with the pid, it identifies a process across pid reuse. */
  readonly starttime: number;
  readonly rssPages: number;
}

/**
 * Parses /proc/<pid>/stat; undefined when malformed. The command name sits between the first
 * '(' and the last ')' because it may itself contain spaces and parentheses.
 */
export function parsePidStat(text: string): PidStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  // Fields numbered as in proc(5): f[0] is field 3 (state). The kernel separates them by one space.
  const f = text.slice(close + 2).split(' ');
  if (f.length < 22) return undefined;
  const stat: PidStat = {
    pid: num(text.slice(0, open - 1)),
    comm: text.slice(open + 1, close),
    state: f[0]!,
    ppid: num(f[1]),
    flags: num(f[6]),
    minorFaults: num(f[7]),
    majorFaults: num(f[9]),
    utime: num(f[11]),
    stime: num(f[12]),
    threads: num(f[17]),
    starttime: num(f[19]),
    rssPages: num(f[21]),
  };
  return Number.isFinite(stat.pid) && Number.isFinite(stat.starttime) && Number.isFinite(stat.stime) ? stat : undefined;
}
