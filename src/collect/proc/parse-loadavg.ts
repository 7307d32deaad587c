import { fields, num } from './fields.js';

/** /proc/loadavg: the 1, 5 and 15 minute load averages and the runnable/total task counts. */
export interface LoadAvg {
  readonly load1: number;
  readonly load5: number;
  readonly load15: number;
  readonly runnable: number;
  readonly tasks: number;
}

/** Parses /proc/loadavg; undefined when the text is malformed. */
export function parseLoadAvg(text: string): LoadAvg | undefined {
  const f = fields(text.trim());
  const [runnable, tasks] = (f[3] ?? '').split('/');
  const load: LoadAvg = {
    load1: num(f[0]),
    load5: num(f[1]),
    load15: num(f[2]),
    runnable: num(runnable),
    tasks: num(tasks),
  };
  return Number.isFinite(load.load1) && Number.isFinite(load.load5) && Number.isFinite(load.load15) ? load : undefined;
}
