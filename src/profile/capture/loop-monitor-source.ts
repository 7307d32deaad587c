/**
 * The event-loop monitor that runs inside the profiled process, as source text evaluated there
 * through the DevTools protocol (`Runtime.evaluate`), so the same code serves this process and
 * another one reached through its inspector. It runs `perf_hooks.monitorEventLoopDelay` for the
 * percentiles and a timer of the same resolution that buckets each turn's interval and records the
 * turns that came late by at least the block threshold, with their bounds on the clock of V8's CPU
 * profiles (`process.hrtime`, microseconds), so a CPU profile taken at the same time names the stack.
 */

/** Upper bounds of the interval buckets, milliseconds; longer intervals go in an overflow bucket. */
export const LOOP_BUCKET_BOUNDS_MS = [5, 10, 12, 15, 20, 30, 50, 75, 100, 200, 500, 1000, 2000, 5000] as const;

/** Most blocks the monitor keeps (the longest). */
export const MAX_MONITOR_BLOCKS = 200;

/** What the monitor hands back when stopped (times in microseconds of `process.hrtime`, delays in nanoseconds). */
export interface LoopMonitorResult {
  readonly startUs: number;
  readonly endUs: number;
  readonly resolutionMs: number;
  readonly histogram: {
    readonly min: number;
    readonly max: number;
    readonly mean: number;
    readonly stddev: number;
    readonly count: number;
    readonly p50: number;
    readonly p75: number;
    readonly p90: number;
    readonly p99: number;
    readonly p999: number;
  };
  /** Turns per bucket of `LOOP_BUCKET_BOUNDS_MS`, then the overflow bucket. */
  readonly counts: readonly number[];
  /** Longest interval seen, milliseconds (the overflow bucket's bound). */
  readonly maxIntervalMs: number;
  /** Late turns: `[fromUs, toUs, lateMs]`, where the loop was busy somewhere in `[fromUs, toUs]`. */
  readonly blocks: readonly (readonly [number, number, number])[];
}

const KEY = 'perf-engine.loop-monitor';

/** Source that installs the monitor; it throws in the target when one is already running there. */
export function installLoopMonitorSource(resolutionMs: number, blockThresholdMs: number): string {
  return `(() => {
  const key = Symbol.for(${JSON.stringify(KEY)});
  if (globalThis[key]) throw new Error('an event-loop monitor is already running in this process');
  const hooks = typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule('perf_hooks') : require('perf_hooks');
  const res = ${JSON.stringify(resolutionMs)};
  const threshold = ${JSON.stringify(blockThresholdMs)};
  const bounds = ${JSON.stringify(LOOP_BUCKET_BOUNDS_MS)};
  const maxBlocks = ${JSON.stringify(MAX_MONITOR_BLOCKS)};
  const now = () => Number(process.hrtime.bigint() / 1000n);
  const histogram = hooks.monitorEventLoopDelay({ resolution: res });
  const counts = new Array(bounds.length + 1).fill(0);
  const blocks = [];
  const startUs = now();
  let prev = startUs;
  let maxInterval = 0;
  let timer;
  const tick = () => {
    const t = now();
    const interval = (t - prev) / 1000;
    let i = 0;
    while (i < bounds.length && interval > bounds[i]) i++;
    counts[i]++;
    if (interval > maxInterval) maxInterval = interval;
    const late = interval - res;
    if (late >= threshold) {
      blocks.push([prev, t, late]);
      if (blocks.length > maxBlocks) {
        let shortest = 0;
        for (let j = 1; j < blocks.length; j++) if (blocks[j][2] < blocks[shortest][2]) shortest = j;
        blocks.splice(shortest, 1);
      }
    }
    prev = t;
    timer = setTimeout(tick, res);
    timer.unref();
  };
  histogram.enable();
  timer = setTimeout(tick, res);
  timer.unref();
  globalThis[key] = () => {
    clearTimeout(timer);
    histogram.disable();
    const h = histogram;
    const p = (q) => (h.count > 0 ? h.percentile(q) : 0);
    return {
      startUs, endUs: now(), resolutionMs: res,
      histogram: { min: h.count > 0 ? h.min : 0, max: h.max, mean: h.count > 0 ? h.mean : 0, stddev: h.count > 0 ? h.stddev : 0, count: h.count,
        p50: p(50), p75: p(75), p90: p(90), p99: p(99), p999: p(99.9) },
      counts, maxIntervalMs: maxInterval, blocks,
    };
  };
  return true;
})()`;
}

/** Source that stops the monitor and returns its `LoopMonitorResult` (null when none runs). */
export function collectLoopMonitorSource(): string {
  return `(() => {
  const key = Symbol.for(${JSON.stringify(KEY)});
  const stop = globalThis[key];
  if (!stop) return null;
  delete globalThis[key];
  return stop();
})()`;
}
