import { performance } from 'node:perf_hooks';
import { GCProfiler } from 'node:v8';
import { loadNativeAddon } from '../../lifecycle/native-addon.js';

/** GC pause time of successive intervals. */
export interface GcPauses {
  /** `clock`: every pause, measured (native/gc-pause-clock); `sampled`: GCProfiler a quarter of the time, scaled. */
  readonly method: 'clock' | 'sampled';
  /** GC pause time (ms) in the interval since the previous call, or since the start; `now` is `performance.now()`. */
  take(now: number): number;
  stop(): void;
}

/** The addon's functions (native/gc-pause-clock). */
interface GcClockAddon {
  start(): void;
  /** Pause time since the first start, ms, and the collections counted. */
  read(): [number, number];
  stop(): void;
}

/** Samplers using the clock: V8's callbacks are removed when the last one stops. */
let clockUsers = 0;

const loadClock = () => loadNativeAddon<GcClockAddon>('gc_pause_clock', import.meta.url);

/** Why the GC pause clock is not available ('' when it is): GC pauses are then sampled. */
export function gcPauseClockUnavailable(): string {
  return loadClock().error;
}

/**
 * The pauses of this thread's collections: measured by the clock addon when it is built, else
 * estimated with GCProfiler.
 */
export function startGcPauses(): GcPauses {
  const a = loadClock().addon;
  return a ? clockPauses(a) : sampledPauses();
}

/**
 * V8 calls the addon around every collection's pause; it reads the clock in both. GCProfiler
 * measures the same pauses, but also takes the heap's and every space's statistics around each
 * collection and writes them out as JSON text: counted with callgrind on the SDK bench agent
 * (`npm run bench -- sdk-instructions`, docs/sdk.md), a few tenths of a percent of its
 * instructions even run a quarter of the time, for an estimate where the clock measures every
 * pause.
 */
function clockPauses(a: GcClockAddon): GcPauses {
  if (clockUsers++ === 0) a.start();
  let last = a.read()[0];
  let stopped = false;
  return {
    method: 'clock',
    take() {
      const total = a.read()[0];
      const ms = total - last;
      last = total;
      return ms;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (--clockUsers === 0) a.stop();
    },
  };
}

/**
 * GCProfiler runs for the first `SAMPLE_ON_MS` of every `CYCLE_MS`, and an interval's GC time is
 * what it recorded scaled by the interval's length over the time it ran (an unbiased estimate,
 * like a sampling profiler's). It records every collection while it runs, and emptying it builds
 * an object per collection (~20 µs each): on an agent collecting hundreds of times a second,
 * running it all the time cost about as much as the rest of the instrumentation. An eighth of the
 * time gained the benchmark agent 1.1 % of capacity, but the one simulator run on it named a
 * GC-pressure episode a slow query (docs/sdk.md): a quarter it is.
 */
const CYCLE_MS = 1000;
const SAMPLE_ON_MS = 250;

/** GC pauses estimated with GCProfiler (exported for tests: the clock is used whenever it loads). */
export function sampledPauses(): GcPauses {
  const gc = new GCProfiler();
  let pauseMs = 0;
  let onMs = 0;
  let sampleStart: number | null = null;
  let at = performance.now();
  const begin = () => {
    if (sampleStart !== null) return;
    gc.start();
    sampleStart = performance.now();
  };
  const end = () => {
    if (sampleStart === null) return;
    const result = gc.stop();
    onMs += performance.now() - sampleStart;
    sampleStart = null;
    for (const s of result?.statistics ?? []) pauseMs += s.cost / 1000;
  };
  begin();
  // The cycle, and the end of the sample running (replaced each cycle): what `stop` clears.
  let off = setTimeout(end, SAMPLE_ON_MS);
  const cycle = setInterval(() => {
    begin();
    off = setTimeout(end, SAMPLE_ON_MS);
    off.unref();
  }, CYCLE_MS);
  cycle.unref();
  off.unref();
  return {
    method: 'sampled',
    take(now) {
      const sampling = sampleStart !== null;
      if (sampling) end();
      const ms = onMs > 0 ? (pauseMs * (now - at)) / onMs : 0;
      if (sampling) begin();
      pauseMs = 0;
      onMs = 0;
      at = now;
      return ms;
    },
    stop() {
      clearInterval(cycle);
      clearTimeout(off);
      end();
    },
  };
}
