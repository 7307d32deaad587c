import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';
import { GCProfiler } from 'node:v8';
import { parseIoBytes, type RuntimeReading } from './agent-metrics.js';
import { arrivalDelayPercentile, delayBuckets } from './event-loop-delay.js';

/**
 * Resolution of the event-loop delay monitor, ms: twice Node's default. Each turn of its timer
 * costs the agent a wake-up (measured on the 2-core VM: 5.7 ms of CPU a second at 10 ms, idle),
 * and the arrival-weighted p99 weighs each turn by the time it covered, so fewer turns lose no
 * blocked time; what a coarser timer loses is precision: short stalls are sampled less often.
 */
export const EVENT_LOOP_RESOLUTION_MS = 20;
/**
 * The GC profiler runs for the first `GC_SAMPLE_ON_MS` of every `GC_CYCLE_MS`, and the GC time of
 * an interval is what it recorded scaled by the interval's length over the time it ran (an
 * unbiased estimate, like a sampling profiler's). It records every collection while it runs (a
 * JSON record with heap statistics per collection, in C++), and emptying it builds an object per
 * collection (~20 µs each): on an agent collecting hundreds of times a second, running it all the
 * time cost about as much as the rest of the instrumentation. It runs a quarter of the time,
 * emptied at the end of each sample. An eighth, with the delay monitor at 20 ms, gained the
 * benchmark agent 1.1 % of capacity, but the one simulator run on it named a GC-pressure episode
 * a slow query (docs/sdk.md): kept at a quarter until that is understood.
 */
const GC_CYCLE_MS = 1000;
const GC_SAMPLE_ON_MS = 250;

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
 * `performance.eventLoopUtilization`, `v8.GCProfiler` for GC pauses, and `/proc/self/io` where it
 * exists. Each `read` covers the time since the previous one (or since `start`). GC time comes
 * from `GCProfiler` rather than a `gc` PerformanceObserver: the observer creates a JavaScript
 * entry per collection and, measured on Node 20, halves the throughput of an allocation-heavy
 * loop (about 1,000 collections a second), where the profiler costs a few percent.
 */
export class RuntimeSampler {
  #delay: IntervalHistogram | null = null;
  #gc: GCProfiler | null = null;
  #gcTimers: NodeJS.Timeout[] = [];
  /** GC time recorded this interval, and for how long (ms) the profiler ran to record it. */
  #gcPauseMs = 0;
  #gcOnMs = 0;
  /** When the running sample started (`performance.now()`), or null between samples. */
  #gcSampleStart: number | null = null;
  #cpu: NodeJS.CpuUsage = process.cpuUsage();
  #elu: EventLoopUtilization = performance.eventLoopUtilization();
  #at = performance.now();
  #io: { readBytes: number; writeBytes: number } | undefined;
  #ioAvailable = true;
  readonly #cores = availableParallelism();
  readonly #memoryLimit = memoryLimit();

  /** Starts the monitors; the first reading covers the time from here. */
  start(): void {
    this.#delay = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
    this.#delay.enable();
    this.#gc = new GCProfiler();
    this.#startGcSample();
    const cycle = setInterval(() => {
      this.#startGcSample();
      const off = setTimeout(() => this.#endGcSample(), GC_SAMPLE_ON_MS);
      off.unref();
      this.#gcTimers[1] = off;
    }, GC_CYCLE_MS);
    const firstOff = setTimeout(() => this.#endGcSample(), GC_SAMPLE_ON_MS);
    cycle.unref();
    firstOff.unref();
    this.#gcTimers = [cycle, firstOff];
    this.#cpu = process.cpuUsage();
    this.#elu = performance.eventLoopUtilization();
    this.#at = performance.now();
    this.#io = readIo();
    this.#ioAvailable = this.#io !== undefined;
  }

  /** Figures since the previous reading; `now` is `performance.now()`. */
  read(now: number): RuntimeReading {
    const sampling = this.#gcSampleStart !== null;
    if (sampling) this.#endGcSample();
    const gcPauseMs = this.#gcOnMs > 0 ? (this.#gcPauseMs * (now - this.#at)) / this.#gcOnMs : 0;
    if (sampling) this.#startGcSample();
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
    this.#gcPauseMs = 0;
    this.#gcOnMs = 0;
    return reading;
  }

  #startGcSample(): void {
    if (!this.#gc || this.#gcSampleStart !== null) return;
    this.#gc.start();
    this.#gcSampleStart = performance.now();
  }

  /** Stops the running sample and adds the pauses it recorded, and its length, to the interval's. */
  #endGcSample(): void {
    const gc = this.#gc;
    if (!gc || this.#gcSampleStart === null) return;
    const result = gc.stop();
    this.#gcOnMs += performance.now() - this.#gcSampleStart;
    this.#gcSampleStart = null;
    for (const s of result?.statistics ?? []) this.#gcPauseMs += s.cost / 1000;
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
    for (const t of this.#gcTimers) clearTimeout(t);
    this.#gcTimers = [];
    if (this.#gcSampleStart !== null) this.#gc?.stop();
    this.#gcSampleStart = null;
    this.#gc = null;
  }
}
