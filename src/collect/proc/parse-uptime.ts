import { fields, num } from './fields.js';

/**
 * Seconds since boot from /proc/uptime (first field; the second is idle time); undefined when
 * malformed. The same clock as the starttime of /proc/<pid>/stat, so the two give a process's age.
 */
export function parseUptime(text: string): number | undefined {
  const seconds = num(fields(text.trim())[0]);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}
