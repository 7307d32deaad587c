import { monitorEventLoopDelay } from 'node:perf_hooks';
import { indexCpuProfile } from '../../profile/analysis/cpu-profile.js';
import { EVENT_LOOP_PERCENTILES, type EventLoopReport } from '../../profile/analysis/event-loop-report.js';
import { sleepUnlessAborted, startCpuProfile } from './inspector-capture.js';
import { delayBuckets } from '../instrumentation/event-loop-delay.js';
import { attributeBlocks, longestGaps, type LoopGap } from './loop-blocks.js';

/** Settings of an event-loop capture. */
export interface EventLoopCaptureOptions {
  readonly durationMs: number;
  /** Resolution of the delay histogram, ms. */
  readonly resolutionMs: number;
  /** Shortest stall reported as a block, ms. */
  readonly blockThresholdMs: number;
  /** CPU sampling interval used to name the blocking stacks, µs. */
  readonly samplingIntervalUs: number;
}

/** Most blocks a report lists (the longest ones). */
export const MAX_REPORTED_BLOCKS = 50;
/** Percentile of Node's histogram behind each reported percentile key. */
const PERCENTILE_OF: Record<(typeof EVENT_LOOP_PERCENTILES)[number], number> = { p50: 50, p75: 75, p90: 90, p99: 99, p999: 99.9 };

/** Microseconds on the monotonic clock V8's CPU profiler stamps its samples with. */
function nowUs(): number {
  return Number(process.hrtime.bigint()) / 1000;
}

const round3 = (v: number): number => Math.round(v * 1000) / 1000;

/**
 * Records an event-loop report. Three instruments run together for the duration: Node's delay
 * histogram (`monitorEventLoopDelay`), a 1 ms ticker that notes every gap between two of its
 * turns longer than the threshold (the loop was blocked that long), and V8's CPU profiler. The
 * stack that held the loop in each gap is then read from the CPU samples taken inside it (see
 * `attributeBlocks`). Profile and ticker share the monotonic clock, so no alignment is guessed.
 */
export async function captureEventLoop(opts: EventLoopCaptureOptions, signal: AbortSignal): Promise<EventLoopReport> {
  const histogram = monitorEventLoopDelay({ resolution: opts.resolutionMs });
  const thresholdUs = opts.blockThresholdMs * 1000;
  let gaps: LoopGap[] = [];
  const cpu = await startCpuProfile(opts.samplingIntervalUs);
  const startUs = nowUs();
  let last = startUs;
  histogram.enable();
  const ticker = setInterval(() => {
    const t = nowUs();
    if (t - last >= thresholdUs) {
      gaps.push({ startUs: last, endUs: t });
      if (gaps.length > 20 * MAX_REPORTED_BLOCKS) gaps = longestGaps(gaps, MAX_REPORTED_BLOCKS);
    }
    last = t;
  }, 1);
  try {
    await sleepUnlessAborted(opts.durationMs, signal);
  } finally {
    clearInterval(ticker);
    histogram.disable();
  }
  const endUs = nowUs();
  if (endUs - last >= thresholdUs) gaps.push({ startUs: last, endUs });
  const profile = await cpu.stop();
  const blocks = attributeBlocks(longestGaps(gaps, MAX_REPORTED_BLOCKS), indexCpuProfile(profile), startUs);
  const res = opts.resolutionMs;
  const beyond = (ns: number): number => round3(Math.max(0, ns / 1e6 - res));
  const count = histogram.count;
  const percentiles = Object.fromEntries(
    EVENT_LOOP_PERCENTILES.map((k) => [k, count > 0 ? beyond(histogram.percentile(PERCENTILE_OF[k])) : 0]),
  ) as EventLoopReport['delay']['percentiles_ms'];
  return {
    kind: 'event_loop',
    duration_ms: round3((endUs - startUs) / 1000),
    resolution_ms: res,
    delay: {
      min_ms: count > 0 ? beyond(histogram.min) : 0,
      max_ms: count > 0 ? beyond(histogram.max) : 0,
      mean_ms: count > 0 ? beyond(histogram.mean) : 0,
      stddev_ms: count > 0 ? round3(histogram.stddev / 1e6) : 0,
      count,
      percentiles_ms: percentiles,
      buckets: count > 0 ? delayBuckets(histogram.percentiles, count, res) : [],
    },
    blocks,
  };
}
