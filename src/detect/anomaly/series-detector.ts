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

// The detector's own slots at the start of the Float64 state; the components follow.
const LAST_TS = 0;
const LAST_SCORE = 1;
const LAST_CAUSE = 2;
const CAUSE_SCALE = 3;
const BLOCK_SUM = 4;
const BLOCK_COUNT = 5;
const OWN_SIZE = 6;

/**
 * The components of a detector and the layout of its state, built once per options object and
 * shared by every detector with those options: a detector itself is its state buffer and a
 * reference to its model.
 */
class DetectorModel {
  readonly fine: DetectorCore;
  readonly coarse: DetectorCore;
  readonly trend: TrendEstimator;
  readonly gate: AlarmGate;
  /** Float64 values of the state (first in the buffer). */
  private readonly size: number;
  /** Float32 values of the state (after the Float64 part). */
  private readonly singleSize: number;

  constructor(readonly o: DetectorOptions) {
    let at = OWN_SIZE;
    this.fine = new DetectorCore(at, 0, o);
    at += DetectorCore.SIZE;
    this.trend = new TrendEstimator(at, o);
    at += TrendEstimator.SIZE;
    this.gate = new AlarmGate(at, o);
    at += AlarmGate.SIZE;
    this.coarse = new DetectorCore(at, DetectorCore.SINGLE_SIZE, Object.freeze({ ...o, learningPeriod: o.coarseLearningPeriod }));
    this.size = at + DetectorCore.SIZE;
    this.singleSize = 2 * DetectorCore.SINGLE_SIZE;
  }

  /** A fresh state: one buffer, seen as its double- and single-precision parts. */
  fresh(): { s: Float64Array; f: Float32Array } {
    const buffer = new ArrayBuffer(this.size * 8 + this.singleSize * 4);
    const s = new Float64Array(buffer, 0, this.size);
    const f = new Float32Array(buffer, this.size * 8, this.singleSize);
    s[LAST_TS] = Number.NEGATIVE_INFINITY;
    s[LAST_CAUSE] = -1;
    this.fine.init(s);
    this.coarse.init(s);
    this.trend.init(s);
    this.gate.init(s);
    return { s, f };
  }
}

/** Models by options object (resolveDetectorOptions returns one shared object for the defaults). */
const models = new WeakMap<DetectorOptions, DetectorModel>();

/** The model of `o`, built on first use. */
function modelOf(o: DetectorOptions): DetectorModel {
  let m = models.get(o);
  if (m === undefined) {
    m = new DetectorModel(o);
    models.set(o, m);
  }
  return m;
}

/**
 * Concrete detector: one core on the samples and one on means of `coarseBlock` samples (a slower
 * time scale that sees changes of level or rhythm too gradual for the first), the trend line, and the
 * alarm gate over the larger of the two scores. Its own memory is the state buffer and a reference to
 * the shared model.
 */
class OnlineSeriesDetector implements SeriesDetector {
  private readonly s: Float64Array;
  private readonly f: Float32Array;

  constructor(private readonly m: DetectorModel) {
    const { s, f } = m.fresh();
    this.s = s;
    this.f = f;
  }

  update(timestamp: number, value: number): number {
    const s = this.s;
    if (!(timestamp >= s[LAST_TS]!) || !Number.isFinite(value) || !Number.isFinite(timestamp)) return 0;
    const f = this.f;
    const m = this.m;
    s[LAST_TS] = timestamp;
    let raw = m.fine.update(s, f, timestamp, value);
    let cause = m.fine.cause;
    let scale = 1;
    m.trend.update(s, timestamp, value);
    const block = m.o.coarseBlock;
    if (block > 0) {
      s[BLOCK_SUM]! += value;
      if (++s[BLOCK_COUNT]! >= block) {
        const coarse = m.coarse.update(s, f, timestamp, s[BLOCK_SUM]! / s[BLOCK_COUNT]!);
        s[BLOCK_SUM] = 0;
        s[BLOCK_COUNT] = 0;
        if (coarse > raw) {
          raw = coarse;
          cause = m.coarse.cause;
          scale = block;
        }
      }
    }
    const score = m.gate.pass(s, raw);
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
    const m = this.m;
    const fine = m.fine;
    const samples = fine.baseline.samples(s);
    const spread = fine.baseline.effectiveSpread(s);
    const deviation = fine.residual(s) / spread;
    const clip = m.o.huberClip;
    const cause = s[LAST_CAUSE]!;
    return {
      samples,
      timestamp: samples > 0 ? s[LAST_TS]! : Number.NaN,
      baseline: fine.baseline.level(s) + fine.offset(s),
      spread,
      seasonal: fine.offset(s),
      deviation,
      direction: deviation > clip ? 'above' : deviation < -clip ? 'below' : 'none',
      cause: cause >= 0 ? DEPARTURE_KINDS[cause]! : null,
      causeScale: s[CAUSE_SCALE]!,
      levelShift: fine.changes.last(s),
      shiftEvidence: fine.changes.evidence(s),
      trendPerSecond: m.trend.slopePerSecond(s),
      trendFit: m.trend.fit(s),
      score: s[LAST_SCORE]!,
    };
  }

  timeToExhaustion(limit: number): number {
    return this.m.trend.timeToLimit(this.s, limit);
  }

  snapshot(): Uint8Array {
    return encodeState(this.s.buffer as ArrayBuffer);
  }

  /** Restores the state written by {@link snapshot}. */
  load(state: Uint8Array): void {
    decodeState(state, this.s.buffer as ArrayBuffer);
  }
}

/** A fresh detector with the default configuration, or with some options overridden. */
export function createSeriesDetector(options?: Partial<DetectorOptions>): SeriesDetector {
  return new OnlineSeriesDetector(modelOf(resolveDetectorOptions(options)));
}

/** A detector continuing from a snapshot; `options` must match the ones the snapshot was taken with. */
export function restoreSeriesDetector(state: Uint8Array, options?: Partial<DetectorOptions>): SeriesDetector {
  const detector = new OnlineSeriesDetector(modelOf(resolveDetectorOptions(options)));
  detector.load(state);
  return detector;
}
