import type { PathFrame } from './hot-paths.js';
import { round } from './hotspots.js';
import { ProfileFormatError } from './profile-format-error.js';

/** The delay percentiles an event-loop report carries, as keys of `delay.percentiles_ms`. */
export const EVENT_LOOP_PERCENTILES = ['p50', 'p75', 'p90', 'p99', 'p999'] as const;
/** One of the reported percentiles. */
export type EventLoopPercentile = (typeof EVENT_LOOP_PERCENTILES)[number];

/** A bucket of the delay histogram: how many delay samples were at most `le_ms` (and above the previous bucket). */
export interface DelayBucket {
  readonly le_ms: number;
  readonly count: number;
}

/** A stretch during which the loop did not turn, with the stack that held it. */
export interface BlockingStack {
  /** How long the loop was blocked, milliseconds. */
  readonly duration_ms: number;
  /** When it started, milliseconds from the start of the capture. */
  readonly at_ms: number;
  /** Outermost caller first. */
  readonly stack: readonly PathFrame[];
}

/**
 * What an `event_loop` profile captures (filled by the capture side): the delay histogram over the
 * duration (as `perf_hooks.monitorEventLoopDelay` measures it) and the longest blocking stacks.
 */
export interface EventLoopReport {
  readonly kind: 'event_loop';
  readonly duration_ms: number;
  /** The histogram's sampling resolution, milliseconds. */
  readonly resolution_ms: number;
  readonly delay: {
    readonly min_ms: number;
    readonly max_ms: number;
    readonly mean_ms: number;
    readonly stddev_ms: number;
    readonly count: number;
    readonly percentiles_ms: Readonly<Record<EventLoopPercentile, number>>;
    /** Ascending `le_ms`. */
    readonly buckets: readonly DelayBucket[];
  };
  readonly blocks: readonly BlockingStack[];
}

/** The digest of an event-loop report that reports and alerts use. */
export interface EventLoopSummary {
  readonly duration_ms: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly max_ms: number;
  readonly mean_ms: number;
  /** Time spent in the reported blocks, and its share of the duration. */
  readonly blocked_ms: number;
  readonly blocked_pct: number;
  /** Share of delay samples above `threshold_ms` (from the buckets). */
  readonly over_threshold_pct: number;
  readonly threshold_ms: number;
  /** The longest blocks, longest first, each named by its innermost frame. */
  readonly longest: readonly (BlockingStack & { readonly function: string })[];
}

/** True when the value claims to be an event-loop report. */
export function looksLikeEventLoopReport(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'event_loop';
}

/** Checks the shape of a parsed event-loop report; throws ProfileFormatError naming the first problem. */
export function parseEventLoopReport(value: unknown): EventLoopReport {
  if (!looksLikeEventLoopReport(value)) throw new ProfileFormatError('not an event-loop report: kind is not "event_loop"');
  const r = value as Partial<EventLoopReport>;
  const num = (v: unknown, what: string): void => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ProfileFormatError(`event-loop report ${what} is not a number`);
  };
  num(r.duration_ms, 'duration_ms');
  num(r.resolution_ms, 'resolution_ms');
  if (typeof r.delay !== 'object' || r.delay === null) throw new ProfileFormatError('event-loop report has no delay object');
  for (const k of ['min_ms', 'max_ms', 'mean_ms', 'stddev_ms', 'count'] as const) num(r.delay[k], `delay.${k}`);
  for (const p of EVENT_LOOP_PERCENTILES) num(r.delay.percentiles_ms?.[p], `delay.percentiles_ms.${p}`);
  if (!Array.isArray(r.delay.buckets)) throw new ProfileFormatError('event-loop report delay.buckets is not an array');
  r.delay.buckets.forEach((b, i) => {
    num(b?.le_ms, `delay.buckets[${i}].le_ms`);
    num(b?.count, `delay.buckets[${i}].count`);
  });
  if (!Array.isArray(r.blocks)) throw new ProfileFormatError('event-loop report blocks is not an array');
  r.blocks.forEach((b, i) => {
    num(b?.duration_ms, `blocks[${i}].duration_ms`);
    num(b?.at_ms, `blocks[${i}].at_ms`);
    if (!Array.isArray(b.stack)) throw new ProfileFormatError(`event-loop report blocks[${i}].stack is not an array`);
  });
  return value as EventLoopReport;
}

/**
 * Summarises an event-loop report: delay percentiles, the share of delay samples above
 * `thresholdMs` (default 50 ms, counting whole buckets whose upper bound exceeds it), the blocked
 * time, and the `top` longest blocks.
 */
export function summarizeEventLoop(report: EventLoopReport, options: { thresholdMs?: number; top?: number } = {}): EventLoopSummary {
  const threshold = options.thresholdMs ?? 50;
  let all = 0;
  let over = 0;
  for (const b of report.delay.buckets) {
    all += b.count;
    if (b.le_ms > threshold) over += b.count;
  }
  const blocked = report.blocks.reduce((sum, b) => sum + b.duration_ms, 0);
  const longest = [...report.blocks]
    .sort((a, b) => b.duration_ms - a.duration_ms || a.at_ms - b.at_ms)
    .slice(0, options.top ?? 5)
    .map((b) => ({ ...b, function: b.stack.length > 0 ? b.stack[b.stack.length - 1]!.function : '(unknown)' }));
  return {
    duration_ms: report.duration_ms,
    p50_ms: report.delay.percentiles_ms.p50,
    p99_ms: report.delay.percentiles_ms.p99,
    max_ms: report.delay.max_ms,
    mean_ms: round(report.delay.mean_ms, 3),
    blocked_ms: round(blocked, 3),
    blocked_pct: report.duration_ms > 0 ? round((100 * blocked) / report.duration_ms, 2) : 0,
    over_threshold_pct: all > 0 ? round((100 * over) / all, 2) : 0,
    threshold_ms: threshold,
    longest,
  };
}
