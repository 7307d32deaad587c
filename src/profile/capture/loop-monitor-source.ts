/**
 * The event-loop monitor that runs inside the profiled process, as source text evaluated there
 * through the DevTools protocol (`Runtime.evaluate`), so the same code serves this process and
 * another one reached through its inspector. Two instruments: `perf_hooks.monitorEventLoopDelay`
 * for the delay distribution, and a 1 ms ticker that notes every gap between two of its turns
 * at least the block threshold long (the loop was held that long). Gap bounds are on the clock of
 * V8's CPU profiles (`process.hrtime`, microseconds), so a CPU profile taken alongside names the
 * stack that held the loop, without guessing an alignment.
 */

/** Most gaps the monitor keeps (the longest). */
export const MAX_MONITOR_GAPS = 200;

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
    /** HdrHistogram's percentile walk: `[percentile, nanoseconds]`, ascending. */
    readonly walk: readonly (readonly [number, number])[];
  };
  /** Stretches `[fromUs, toUs]` during which the loop did not turn. */
  readonly gaps: readonly (readonly [number, number])[];
}

const KEY = 'perf-engine.loop-monitor';

/** Source that installs the monitor; it throws in the target when one is already running there. */
export function installLoopMonitorSource(resolutionMs: number, blockThresholdMs: number): string {
  return `(() => {
  const key = Symbol.for(${JSON.stringify(KEY)});
  if (globalThis[key]) throw new Error('an event-loop monitor is already running in this process');
  const hooks = typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule('perf_hooks') : require('perf_hooks');
  const res = ${JSON.stringify(resolutionMs)};
  const thresholdUs = ${JSON.stringify(blockThresholdMs * 1000)};
  const maxGaps = ${JSON.stringify(MAX_MONITOR_GAPS)};
  const now = () => Number(process.hrtime.bigint()) / 1000;
  const histogram = hooks.monitorEventLoopDelay({ resolution: res });
  let gaps = [];
  const note = (from, to) => {
    gaps.push([from, to]);
    if (gaps.length > 4 * maxGaps) gaps = gaps.sort((a, b) => (b[1] - b[0]) - (a[1] - a[0])).slice(0, maxGaps);
  };
  const startUs = now();
  let last = startUs;
  const ticker = setInterval(() => {
    const t = now();
    if (t - last >= thresholdUs) note(last, t);
    last = t;
  }, 1);
  ticker.unref();
  histogram.enable();
  globalThis[key] = () => {
    clearInterval(ticker);
    histogram.disable();
    const endUs = now();
    if (endUs - last >= thresholdUs) note(last, endUs);
    const h = histogram;
    const n = h.count;
    const p = (q) => (n > 0 ? h.percentile(q) : 0);
    return {
      startUs, endUs, resolutionMs: res,
      histogram: { min: n > 0 ? h.min : 0, max: n > 0 ? h.max : 0, mean: n > 0 ? h.mean : 0, stddev: n > 0 ? h.stddev : 0, count: n,
        p50: p(50), p75: p(75), p90: p(90), p99: p(99), p999: p(99.9), walk: n > 0 ? [...h.percentiles] : [] },
      gaps: gaps.sort((a, b) => (b[1] - b[0]) - (a[1] - a[0])).slice(0, maxGaps),
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
