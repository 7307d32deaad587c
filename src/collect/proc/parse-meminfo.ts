import { valueAfterKey } from './fields.js';

/** What the collectors use of /proc/meminfo, in bytes. */
export interface MemInfo {
  readonly totalBytes: number;
  /** MemAvailable, or free + buffers + cached on kernels older than 3.14 that lack it. */
  readonly availableBytes: number;
  readonly swapTotalBytes: number;
  readonly swapFreeBytes: number;
}

/** Parses the few /proc/meminfo lines the collectors use (values in kB); undefined when MemTotal is missing. */
export function parseMemInfo(text: string): MemInfo | undefined {
  const kb = (key: string): number | undefined => valueAfterKey(text, `${key}:`);
  const total = kb('MemTotal');
  if (total === undefined) return undefined;
  const available = kb('MemAvailable') ?? (kb('MemFree') ?? 0) + (kb('Buffers') ?? 0) + (kb('Cached') ?? 0);
  return {
    totalBytes: total * 1024,
    availableBytes: available * 1024,
    swapTotalBytes: (kb('SwapTotal') ?? 0) * 1024,
    swapFreeBytes: (kb('SwapFree') ?? 0) * 1024,
  };
}

/** MemTotal alone, in bytes; undefined when absent. */
export function parseMemTotal(text: string): number | undefined {
  const kb = valueAfterKey(text, 'MemTotal:');
  return kb === undefined ? undefined : kb * 1024;
}
