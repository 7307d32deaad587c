import type { BottleneckKind } from '../model/bottleneck.js';
import type { Severity } from '../model/severity.js';
import type { SourceView } from './source-view.js';
import { ratio } from './stats.js';

/** One metric's part in a finding: its value now, its baseline before the departure, and their ratio. */
export interface MetricEvidence {
  readonly value: number;
  readonly baseline: number | null;
  readonly ratio: number | null;
}

/** A bottleneck signature that holds at one frame of one source. */
export interface Finding {
  readonly kind: BottleneckKind;
  /** The metric that shows it best. */
  readonly metric: string;
  /** How well the frame matches the signature, in [0, 1]; ranks findings of one frame. */
  readonly confidence: number;
  readonly severity: Severity;
  /** The main metric first, then the correlated ones. */
  readonly metrics: Readonly<Record<string, MetricEvidence>>;
  /** Further numbers (shares, slopes, times to exhaustion) and facts (changed labels). */
  readonly facts: Readonly<Record<string, number | string>>;
  /**
   * When the signature began, when it can tell from its own frames (a leak's growth started before
   * its trend was certain), with the number of frames since; absent: at this frame.
   */
  readonly onset?: { readonly at: number; readonly frames: number };
}

/** A signature: the finding it makes of a frame, or null when the frame does not match. */
export type Signature = (v: SourceView) => Finding | null;

/** The value of a finding's main metric (0 when missing): what "how bad" means for its kind. */
export function magnitude(f: Finding): number {
  return f.metrics[f.metric]?.value ?? 0;
}

/** Main metrics of which less is worse: memory still available. */
const LESS_IS_WORSE: ReadonlySet<string> = new Set(['memory_available_bytes']);

/** The main metric's departure from its baseline as a factor above 1 (1 when its baseline is unknown). */
function departure(f: Finding): number {
  const r = f.metrics[f.metric]?.ratio;
  if (r === null || r === undefined || !(r > 0)) return 1;
  return LESS_IS_WORSE.has(f.metric) ? 1 / r : r;
}

/**
 * Whether `f` shows a worse state than `than` (two findings of one kind): a critical frame is worse
 * than a warning one, whatever its numbers, so a critical bottleneck is summarised by a critical
 * frame; then the main metric's value (less of it, for memory still available) when both name the
 * same metric, else its departure from its baseline.
 */
export function worseThan(f: Finding, than: Finding): boolean {
  if (f.severity !== than.severity) return f.severity === 'critical';
  if (f.metric !== than.metric) return departure(f) > departure(than);
  return LESS_IS_WORSE.has(f.metric) ? magnitude(f) < magnitude(than) : magnitude(f) > magnitude(than);
}

/** The evidence of `metric` in a view (value, reference, ratio), or null when the frame lacks it. */
export function evidenceOf(v: SourceView, metric: string): MetricEvidence | null {
  const value = v.cur(metric);
  if (!Number.isFinite(value)) return null;
  const ref = v.ref(metric);
  const r = ratio(value, ref, 1e-6);
  return { value: round(value), baseline: Number.isFinite(ref) ? round(ref) : null, ratio: Number.isFinite(r) && ref > 0 ? round(r) : null };
}

/** The evidence of the metrics the view has, in the order given. */
export function evidenceMap(v: SourceView, metrics: readonly string[]): Record<string, MetricEvidence> {
  const out: Record<string, MetricEvidence> = {};
  for (const m of metrics) {
    const e = evidenceOf(v, m);
    if (e) out[m] = e;
  }
  return out;
}

/** Rounds to 4 significant digits (evidence is for people and peers, not for further arithmetic). */
export function round(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const digits = 3 - Math.floor(Math.log10(Math.abs(x)));
  if (digits <= 0) return Math.round(x);
  const f = 10 ** Math.min(digits, 12);
  return Math.round(x * f) / f;
}

/** Clamps to [0, 1]. */
export function unit(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

/**
 * Relative rise of a metric over its reference (median of the latest `frames` over the baseline),
 * NaN when either is unknown. A reference below `floor` counts as `floor`.
 */
export function riseOf(v: SourceView, metric: string, frames: number, floor: number): number {
  return ratio(v.median(metric, frames), v.ref(metric), floor);
}

/**
 * How much more work the source is given than at its reference: the rise of its request rate
 * (`handler_calls_per_sec`, which the SDK reports) or, without it, of its received bytes; NaN when
 * neither is known. Load raises CPU, memory and traffic together without a bottleneck.
 */
export function loadRise(v: SourceView): number {
  const calls = riseOf(v, 'handler_calls_per_sec', 3, 0.1);
  return Number.isFinite(calls) ? calls : riseOf(v, 'network_rx_bytes_per_sec', 3, 64 * 1024);
}

/** Frames a shift signature reads, and how many of them must stand at the raised level. */
export const SHIFT_FRAMES = 4;
export const SHIFT_HITS = 3;

/** A spiky metric (latency, query time) that has shifted to a raised level. */
export interface Shift {
  /** The median of its latest three frames: how high it stands. */
  readonly value: number;
  /**
   * Dated one frame back, as two raised frames in three had been: the shift needs a frame more to
   * be told from spikes, not a longer hold. Dating it to its first raised frame would let it
   * mature at once after another cause's episode, which had held it back (a second bottleneck).
   */
  readonly onset: { readonly at: number; readonly frames: number };
}

/**
 * Whether a spiky metric has shifted to `level`: at least three of its latest four frames at or
 * above it (all three while the source's window, which starts at its first departing frame, holds
 * three; fewer never match). Independent spikes (a slow query, a long GC) make two raised frames
 * in three now and then, and a few such pairs in a row had been reported as a regression (3 in
 * 1,632 hours of the pure-core bench's streams, none since); three in four are far rarer.
 * Allowing two of two in a young window brought those three back.
 */
export function shiftTo(v: SourceView, metric: string, level: number): Shift | null {
  if (!Number.isFinite(level)) return null;
  const { ts, values } = v.series(metric, SHIFT_FRAMES);
  if (values.length < SHIFT_HITS) return null;
  const raised = values.filter((x) => x >= level).length;
  if (raised < SHIFT_HITS) return null;
  const interval = Number.isFinite(v.intervalMs) && v.intervalMs > 0 ? v.intervalMs : 0;
  return { value: v.median(metric, 3), onset: { at: ts.at(-1)! - 2 * interval, frames: 2 } };
}
