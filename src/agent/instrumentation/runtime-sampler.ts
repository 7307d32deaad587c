import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';
import { parseIoBytes, type RuntimeReading } from './agent-metrics.js';
import { arrivalDelayPercentile, delayBuckets } from './event-loop-delay.js';
import { startGcPauses, type GcPauses } from './gc-pauses.js';

/**
 * Resolution of the event-loop delay monitor, ms: twice Node's default. Each turn of its timer
 * costs the agent a wake-up (measured on the 2-core VM: 5.7 ms of CPU a second at 10 ms, idle),
 * and the arrival-weighted p99 weighs each turn by the time it covered, so fewer turns lose no
 * blocked time; what a coarser timer loses is precision: short stalls are sampled less often.
 */
export const EVENT_LOOP_RESOLUTION_MS = 20;

/** The cgroup memory limit libuv found, when it is a real limit (below the machine's memory). */
function memoryLimit(): number | undefined {
  const constrained = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
  if (constrained === undefined || !Number.isFinite(constrained) || constrained <= 0) return undefined;
  return constrained < totalmem() ? constrained : undefined;
}

function readIo(): { readBytes: number; writeBytes: number } | undefined {
  try {
    return parseIoBytes(readFileSync('/proc/self/io', 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Reads the process's runtime figures over successive intervals with Node's own instruments:
 * `process.cpuUsage`, `process.memoryUsage`, `monitorEventLoopDelay` (reset at each reading),
 * `performance.eventLoopUtilization`, GC pauses (`gc-pauses.ts`: the native clock, or sampled
 * with `v8.GCProfiler` without it), and `/proc/self/io` where it exists. Each `read` covers the
 * time since the previous one (or since `start`). Not a `gc` PerformanceObserver: the observer
 * creates a JavaScript entry per collection and, measured on Node 20, halves the throughput of an
 * allocation-heavy loop (about 1,000 collections a second).
 */
export class RuntimeSampler {
  #delay: IntervalHistogram | null = null;
  #gc: GcPauses | null = null;
  #cpu: NodeJS.CpuUsage = process.cpuUsage();
  #elu: EventLoopUtilization = performance.eventLoopUtilization();
  #at = performance.now();
  #io: { readBytes: number; writeBytes: number } | undefined;
  #ioAvailable = true;
  readonly #cores = availableParallelism();
  readonly #memoryLimit = memoryLimit();

  /** How GC pauses are timed while started: `clock` (every pause) or `sampled` (GCProfiler); null when stopped. */
  get gcMethod(): 'clock' | 'sampled' | null {
    return this.#gc?.method ?? null;
  }

  /** Starts the monitors; the first reading covers the time from here. */
  start(): void {
    this.#delay = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
    this.#delay.enable();
    this.#gc = startGcPauses();
    this.#cpu = process.cpuUsage();
    this.#elu = performance.eventLoopUtilization();
    this.#at = performance.now();
    this.#io = readIo();
    this.#ioAvailable = this.#io !== undefined;
  }

  /** Figures since the previous reading; `now` is `performance.now()`. */
  read(now: number): RuntimeReading {
    const gcPauseMs = this.#gc?.take(now) ?? 0;
    const cpu = process.cpuUsage();
    const elu = performance.eventLoopUtilization();
    const mem = process.memoryUsage();
    const delta = performance.eventLoopUtilization(elu, this.#elu);
    const delay = this.#delayFigures();
    const reading: RuntimeReading = {
      elapsedMs: now - this.#at,
      cpuUs: cpu.user - this.#cpu.user + (cpu.system - this.#cpu.system),
      cores: this.#cores,
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
      heapTotalBytes: mem.heapTotal,
      ...(this.#memoryLimit !== undefined ? { memoryLimitBytes: this.#memoryLimit } : {}),
      eventLoopDelayP99Ms: delay.p99,
      eventLoopDelayMaxMs: delay.max,
      eventLoopUtilization: delta.utilization,
      gcPauseMs,
      ...this.#ioDelta(),
    };
    this.#cpu = cpu;
    this.#elu = elu;
    this.#at = now;
    return reading;
  }

  /** Arrival-weighted p99 and max of the delay since the last reading, then a fresh histogram. */
  #delayFigures(): { p99: number; max: number } {
    const h = this.#delay;
    if (!h || h.count === 0) return { p99: 0, max: 0 };
    const buckets = delayBuckets(h.percentiles, h.count, EVENT_LOOP_RESOLUTION_MS);
    const figures = { p99: arrivalDelayPercentile(buckets, EVENT_LOOP_RESOLUTION_MS, 99), max: Math.max(0, h.max / 1e6 - EVENT_LOOP_RESOLUTION_MS) };
    h.reset();
    return figures;
  }

  #ioDelta(): { diskReadBytes?: number; diskWriteBytes?: number } {
    if (!this.#ioAvailable) return {};
    const io = readIo();
    const prev = this.#io;
    this.#io = io;
    if (!io || !prev) return {};
    return { diskReadBytes: Math.max(0, io.readBytes - prev.readBytes), diskWriteBytes: Math.max(0, io.writeBytes - prev.writeBytes) };
  }

  /** Stops the monitors. */
  stop(): void {
    this.#delay?.disable();
    this.#delay = null;
    this.#gc?.stop();
    this.#gc = null;
  }
}
