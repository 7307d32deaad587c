import { fields, lines, num } from '../proc/fields.js';

/**
 * Limits at or above this are "no limit": cgroup v1 writes its unlimited memory limit as
 * LONG_MAX rounded down to a page (9223372036854771712), not as a keyword.
 */
const UNLIMITED_FLOOR = 2 ** 60;

/** Parses a flat keyed file such as cpu.stat or memory.stat (`key value` lines) into numbers. */
export function parseKeyedCounters(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of lines(text)) {
    const f = fields(line);
    const value = num(f[1]);
    if (f.length === 2 && Number.isFinite(value)) out.set(f[0]!, value);
  }
  return out;
}

/** Parses a single-number file (memory.current, cpuacct.usage...); undefined when not a number. */
export function parseSingleValue(text: string): number | undefined {
  const value = num(text.trim());
  return Number.isFinite(value) ? value : undefined;
}

/** Parses a byte limit (v2 memory.max, v1 memory.limit_in_bytes); undefined for `max` or a v1 "unlimited". */
export function parseByteLimit(text: string): number | undefined {
  const value = parseSingleValue(text);
  return value === undefined || value >= UNLIMITED_FLOOR ? undefined : value;
}

/** Parses cgroup v2 cpu.max (`max 100000` or `50000 100000`) into cores; undefined when unlimited. */
export function parseCpuMax(text: string): number | undefined {
  const f = fields(text.trim());
  return coresOf(num(f[0]), num(f[1]));
}

/** Cores granted by a v1 cfs quota and period in µs (quota -1 = unlimited); undefined when unlimited. */
export function cpuQuotaCores(quotaText: string, periodText: string): number | undefined {
  return coresOf(num(quotaText.trim()), num(periodText.trim()));
}

function coresOf(quota: number, period: number): number | undefined {
  return Number.isFinite(quota) && quota > 0 && Number.isFinite(period) && period > 0 ? quota / period : undefined;
}
