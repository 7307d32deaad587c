import type { WorkInterval } from './work-stats.js';

/** What the runtime sampler read over one interval (deltas) and at its end (levels). */
export interface RuntimeReading {
  readonly elapsedMs: number;
  /** User plus system CPU time of the process over the interval, microseconds. */
  readonly cpuUs: number;
  /** Cores available to the process. */
  readonly cores: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly heapTotalBytes: number;
  /** Memory limit of the process (cgroup), when one is set. */
  readonly memoryLimitBytes?: number;
  /** 99th percentile of the event-loop delay a message arriving at a random moment waits, ms. */
  readonly eventLoopDelayP99Ms: number;
  /** Longest event-loop delay beyond the monitor's resolution, ms. */
  readonly eventLoopDelayMaxMs: number;
  /** Share of the interval the loop was busy, 0-1. */
  readonly eventLoopUtilization: number;
  /** Summed duration of GC pauses in the interval, ms. */
  readonly gcPauseMs: number;
  /** Bytes the process caused to be read from and written to storage, when the OS says (Linux `/proc/self/io`). */
  readonly diskReadBytes?: number;
  readonly diskWriteBytes?: number;
}

const round = (v: number, decimals: number): number => {
  const f = 10 ** decimals;
  return Math.round(v * f) / f;
};

/**
 * The fixed-name metrics of one agent snapshot (PROTOCOL.md), from a runtime reading and the
 * handler and query intervals. Latency percentiles are left out of an interval without calls
 * rather than reported as 0; rates are per second of the interval.
 */
export function agentMetrics(r: RuntimeReading, handlers: WorkInterval, queries: WorkInterval | null): Record<string, number> {
  const seconds = r.elapsedMs / 1000;
  const perSecond = (n: number): number => (seconds > 0 ? n / seconds : 0);
  const m: Record<string, number> = {
    cpu_usage: round(Math.min(100, r.elapsedMs > 0 ? (100 * r.cpuUs) / (1000 * r.elapsedMs * r.cores) : 0), 3),
    memory_rss_bytes: r.rssBytes,
    heap_used_bytes: r.heapUsedBytes,
    heap_total_bytes: r.heapTotalBytes,
    event_loop_delay_p99_ms: round(r.eventLoopDelayP99Ms, 3),
    event_loop_delay_max_ms: round(r.eventLoopDelayMaxMs, 3),
    event_loop_utilization: round(Math.min(1, Math.max(0, r.eventLoopUtilization)), 4),
    gc_pause_ms: round(r.gcPauseMs, 3),
    queue_depth: round(handlers.meanDepth, 3),
    error_rate: round(perSecond(handlers.errors), 4),
    handler_calls_per_sec: round(perSecond(handlers.calls), 3),
  };
  if (r.memoryLimitBytes !== undefined && r.memoryLimitBytes > 0) m.memory_usage = round((100 * r.rssBytes) / r.memoryLimitBytes, 3);
  if (handlers.p95Ms !== null) m.handler_latency_p95_ms = round(handlers.p95Ms, 3);
  if (queries) {
    if (queries.p95Ms !== null) m.db_query_p95_ms = round(queries.p95Ms, 3);
    m.db_queries_per_sec = round(perSecond(queries.calls), 3);
  }
  if (r.diskReadBytes !== undefined) m.disk_read_bytes_per_sec = Math.round(perSecond(r.diskReadBytes));
  if (r.diskWriteBytes !== undefined) m.disk_write_bytes_per_sec = Math.round(perSecond(r.diskWriteBytes));
  return m;
}

/** Reads `read_bytes` and `write_bytes` of a `/proc/<pid>/io` file; undefined when absent. */
export function parseIoBytes(text: string): { readBytes: number; writeBytes: number } | undefined {
  const read = /^read_bytes:\s*(\d+)/m.exec(text);
  const write = /^write_bytes:\s*(\d+)/m.exec(text);
  if (!read || !write) return undefined;
  return { readBytes: Number(read[1]), writeBytes: Number(write[1]) };
}
