import { AlarmGate } from './alarm-gate.js';
import type { LevelShift } from './change-point.js';
import { DetectorCore } from './detector-core.js';
import { DEPARTURE_KINDS, type DepartureKind } from './novelty-memory.js';
import { resolveDetectorOptions, type DetectorOptions } from './options.js';
import { decodeState, encodeState } from './state-codec.js';
import { TrendEstimator } from './trend-estimator.js';

/** Per-series online detector: bounded memory, no look-ahead. */
export interface SeriesDetector {
  /**
   * Feeds one sample (epoch ms, finite value) in event-time order; returns the anomaly score in [0, 1].
   * A sample older than the latest one, or with a non-finite value, is ignored (the state is
   * untouched) and scored 0.
   */
  update(timestamp: number, value: number): number;
  /** Serialisable state, so it can be persisted and restored (and its size reported). */
  snapshot(): Uint8Array;
  /** Learns from history (parallel arrays, oldest first) without scoring it: warms baseline and seasonality. */
  warm(timestamps: ArrayLike<number>, values: ArrayLike<number>): void;
  /** What diagnosis needs beside the score: a cheap read of the state after the latest sample. */
  detail(): SeriesDetail;
  /** Seconds until the trend reaches `limit` when the series moves steadily towards it; Infinity otherwise. */
  timeToExhaustion(limit: number): number;
}

/** The detector's view of a series after its latest sample. */
export interface SeriesDetail {
  /** Samples learned (out-of-order and non-finite ones excluded). */
  readonly samples: number;
  /** Timestamp (epoch ms) of the latest sample learned, NaN before any. */
  readonly timestamp: number;
  /** Expected value at the latest sample: the robust level (running median) plus the seasonal term. */
  readonly baseline: number;
  /** Spread of normal values around the baseline (MAD-like). */
  readonly spread: number;
  /** Seasonal term included in the baseline (0 while the seasonal profile is not in use). */
  readonly seasonal: number;
  /** Latest value minus the baseline, in spreads (signed). */
  readonly deviation: number;
  /** Side of the baseline the latest value departs to, when it departs by more than the Huber clip. */
  readonly direction: 'above' | 'below' | 'none';
  /** The departure kind that drove the latest score, or null when the score is 0. */
  readonly cause: DepartureKind | null;
  /** Samples per value of the time scale behind `cause`: 1 (single samples), `coarseBlock` (block means), 0 when the score is 0. */
  readonly causeScale: number;
  /** The latest level shift (change point) declared, or null. */
  readonly levelShift: LevelShift | null;
  /** Evidence in [0, 1] of a level shift under way but not yet declared. */
  readonly shiftEvidence: number;
  /** Slope of the recent trend, in value units per second. */
  readonly trendPerSecond: number;
  /** R² of the recent trend line in [0, 1]: how steadily the series moves. */
  readonly trendFit: number;
  /** Latest score emitted. */
  readonly score: number;
}

// The detector's own slots at the start of the state buffer; the cores and components follow.
const LAST_TS = 0;
const LAST_SCORE = 1;
const LAST_CAUSE = 2;
const CAUSE_SCALE = 3;
const BLOCK_SUM = 4;
const BLOCK_COUNT = 5;
const OWN_SIZE = 6;
const FINE = OWN_SIZE;
const TREND = FINE + DetectorCore.SIZE;
const GATE = TREND + TrendEstimator.SIZE;
const COARSE = GATE + AlarmGate.SIZE;
const STATE_SIZE = COARSE + DetectorCore.SIZE;

/** Options of the coarse core, one object per options object (not per detector). */
const coarseOptions = new WeakMap<DetectorOptions, DetectorOptions>();

/** The options a coarse core runs with: the detector's, with the coarse learning period. */
function coarseOptionsOf(o: DetectorOptions): DetectorOptions {
  let coarse = coarseOptions.get(o);
  if (coarse === undefined) {
    coarse = Object.freeze({ ...o, learningPeriod: o.coarseLearningPeriod });
    coarseOptions.set(o, coarse);
  }
  return coarse;
}

/**
 * Concrete detector: one core on the samples and one on means of `coarseBlock` samples (a slower
 * time scale that sees changes of level or rhythm too gradual for the first), the trend line, and the
 * alarm gate over the larger of the two scores.
 */
class OnlineSeriesDetector implements SeriesDetector {
  private readonly s = new Float64Array(STATE_SIZE);
  private readonly fine: DetectorCore;
  private readonly coarse: DetectorCore;
  private readonly trend: TrendEstimator;
  private readonly gate: AlarmGate;

  constructor(private readonly o: DetectorOptions) {
    const s = this.s;
    s[LAST_TS] = Number.NEGATIVE_INFINITY;
    s[LAST_CAUSE] = -1;
    this.fine = new DetectorCore(s, FINE, o);
    this.coarse = new DetectorCore(s, COARSE, coarseOptionsOf(o));
    this.trend = new TrendEstimator(s, TREND, o);
    this.gate = new AlarmGate(s, GATE, o);
  }

  update(timestamp: number, value: number): number {
    const s = this.s;
    if (!(timestamp >= s[LAST_TS]!) || !Number.isFinite(value) || !Number.isFinite(timestamp)) return 0;
    s[LAST_TS] = timestamp;
    let raw = this.fine.update(timestamp, value);
    let cause = this.fine.cause;
    let scale = 1;
    this.trend.update(timestamp, value);
    const block = this.o.coarseBlock;
    if (block > 0) {
      s[BLOCK_SUM]! += value;
      if (++s[BLOCK_COUNT]! >= block) {
        const coarse = this.coarse.update(timestamp, s[BLOCK_SUM]! / s[BLOCK_COUNT]!);
        s[BLOCK_SUM] = 0;
        s[BLOCK_COUNT] = 0;
        if (coarse > raw) {
          raw = coarse;
          cause = this.coarse.cause;
          scale = block;
        }
      }
    }
    const score = this.gate.pass(raw);
    s[LAST_SCORE] = score;
    s[LAST_CAUSE] = score > 0 ? cause : -1;
    s[CAUSE_SCALE] = score > 0 ? scale : 0;
    return score;
  }

  warm(timestamps: ArrayLike<number>, values: ArrayLike<number>): void {
    if (timestamps.length !== values.length) throw new RangeError('warm: timestamps and values differ in length');
    for (let i = 0; i < timestamps.length; i++) this.update(timestamps[i]!, values[i]!);
    this.s[LAST_SCORE] = 0;
    this.s[LAST_CAUSE] = -1;
    this.s[CAUSE_SCALE] = 0;
  }

  detail(): SeriesDetail {
    const s = this.s;
    const fine = this.fine;
    const spread = fine.baseline.effectiveSpread();
    const deviation = fine.residual / spread;
    const clip = this.o.huberClip;
    const cause = s[LAST_CAUSE]!;
    return {
      samples: fine.baseline.samples,
      timestamp: fine.baseline.samples > 0 ? s[LAST_TS]! : Number.NaN,
      baseline: fine.baseline.level + fine.offset,
      spread,
      seasonal: fine.offset,
      deviation,
      direction: deviation > clip ? 'above' : deviation < -clip ? 'below' : 'none',
      cause: cause >= 0 ? DEPARTURE_KINDS[cause]! : null,
      causeScale: s[CAUSE_SCALE]!,
      levelShift: fine.changes.last(),
      shiftEvidence: fine.changes.evidence(),
      trendPerSecond: this.trend.slopePerSecond(),
      trendFit: this.trend.fit(),
      score: s[LAST_SCORE]!,
    };
  }

  timeToExhaustion(limit: number): number {
    return this.trend.timeToLimit(limit);
  }

  snapshot(): Uint8Array {
    return encodeState(this.s);
  }

  /** Restores the state written by {@link snapshot}. */
  load(state: Uint8Array): void {
    decodeState(state, this.s);
  }
}

/** A fresh detector with the default configuration, or with some options overridden. */
export function createSeriesDetector(options?: Partial<DetectorOptions>): SeriesDetector {
  return new OnlineSeriesDetector(resolveDetectorOptions(options));
}

/** A detector continuing from a snapshot; `options` must match the ones the snapshot was taken with. */
export function restoreSeriesDetector(state: Uint8Array, options?: Partial<DetectorOptions>): SeriesDetector {
  const detector = new OnlineSeriesDetector(resolveDetectorOptions(options));
  detector.load(state);
  return detector;
}
