import { AlarmGate } from './alarm-gate.js';
import type { LevelShift } from './change-point.js';
import { DetectorCore } from './detector-core.js';
import { DEPARTURE_KINDS, type DepartureKind } from './novelty-memory.js';
import type { DetectorOptions } from './options.js';
import { TrendEstimator } from './trend-estimator.js';

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

// The detector's own slots at the start of its Float64 state; the components follow.
const LAST_TS = 0;
const LAST_SCORE = 1;
const LAST_CAUSE = 2;
const CAUSE_SCALE = 3;
const BLOCK_SUM = 4;
const BLOCK_COUNT = 5;
const OWN_SIZE = 6;
/** Float64 values of a detector's state: its own slots, the fine core, the trend, the gate, the coarse core. */
const SIZE = OWN_SIZE + DetectorCore.SIZE + TrendEstimator.SIZE + AlarmGate.SIZE + DetectorCore.SIZE;
/** Float32 values of a detector's state (the two cores' seasonal profiles), after the Float64 part. */
const SINGLE_SIZE = 2 * DetectorCore.SINGLE_SIZE;

/**
 * The components of a detector and the layout of its state, built once per options object and
 * shared by every detector with those options. A detector's state is {@link stateBytes} bytes: a
 * Float64 part, then a Float32 part. Every method takes the state as a Float64 and a Float32 view of
 * the same bytes and `p`, where the detector's state starts in the Float64 view (its Float32 part
 * then starts at `2 * (p + SIZE)` in the other): so one view pair can hold one detector or many, side
 * by side.
 */
export class DetectorModel {
  readonly fine: DetectorCore;
  readonly coarse: DetectorCore;
  readonly trend: TrendEstimator;
  readonly gate: AlarmGate;
  /** Bytes of one detector's state. */
  readonly stateBytes = SIZE * 8 + SINGLE_SIZE * 4;

  constructor(readonly o: DetectorOptions) {
    let at = OWN_SIZE;
    this.fine = new DetectorCore(at, 2 * SIZE, o);
    at += DetectorCore.SIZE;
    this.trend = new TrendEstimator(at, o);
    at += TrendEstimator.SIZE;
    this.gate = new AlarmGate(at, o);
    at += AlarmGate.SIZE;
    this.coarse = new DetectorCore(at, 2 * SIZE + DetectorCore.SINGLE_SIZE, Object.freeze({ ...o, learningPeriod: o.coarseLearningPeriod }));
  }

  /** Writes a fresh detector's state at `p` (over whatever was there). */
  init(s: Float64Array, f: Float32Array, p: number): void {
    s.fill(0, p, p + SIZE);
    f.fill(0, 2 * (p + SIZE), 2 * (p + SIZE) + SINGLE_SIZE);
    s[p + LAST_TS] = Number.NEGATIVE_INFINITY;
    s[p + LAST_CAUSE] = -1;
    this.fine.init(s, p);
    this.coarse.init(s, p);
    this.trend.init(s, p);
    this.gate.init(s, p);
  }

  /** {@link SeriesDetector.update} of the detector at `p`. */
  update(s: Float64Array, f: Float32Array, p: number, timestamp: number, value: number): number {
    if (!(timestamp >= s[p + LAST_TS]!) || !Number.isFinite(value) || !Number.isFinite(timestamp)) return 0;
    s[p + LAST_TS] = timestamp;
    let raw = this.fine.update(s, f, p, timestamp, value);
    let cause = this.fine.cause;
    let scale = 1;
    this.trend.update(s, p, timestamp, value);
    const block = this.o.coarseBlock;
    if (block > 0) {
      s[p + BLOCK_SUM]! += value;
      if (++s[p + BLOCK_COUNT]! >= block) {
        const coarse = this.coarse.update(s, f, p, timestamp, s[p + BLOCK_SUM]! / s[p + BLOCK_COUNT]!);
        s[p + BLOCK_SUM] = 0;
        s[p + BLOCK_COUNT] = 0;
        if (coarse > raw) {
          raw = coarse;
          cause = this.coarse.cause;
          scale = block;
        }
      }
    }
    const score = this.gate.pass(s, p, raw);
    s[p + LAST_SCORE] = score;
    s[p + LAST_CAUSE] = score > 0 ? cause : -1;
    s[p + CAUSE_SCALE] = score > 0 ? scale : 0;
    return score;
  }

  /** {@link SeriesDetector.warm} of the detector at `p`. */
  warm(s: Float64Array, f: Float32Array, p: number, timestamps: ArrayLike<number>, values: ArrayLike<number>): void {
    if (timestamps.length !== values.length) throw new RangeError('warm: timestamps and values differ in length');
    for (let i = 0; i < timestamps.length; i++) this.update(s, f, p, timestamps[i]!, values[i]!);
    s[p + LAST_SCORE] = 0;
    s[p + LAST_CAUSE] = -1;
    s[p + CAUSE_SCALE] = 0;
  }

  /** {@link SeriesDetector.detail} of the detector at `p`. */
  detail(s: Float64Array, p: number): SeriesDetail {
    const fine = this.fine;
    const samples = fine.baseline.samples(s, p);
    const spread = fine.baseline.effectiveSpread(s, p);
    const deviation = fine.residual(s, p) / spread;
    const clip = this.o.huberClip;
    const cause = s[p + LAST_CAUSE]!;
    return {
      samples,
      timestamp: samples > 0 ? s[p + LAST_TS]! : Number.NaN,
      baseline: fine.baseline.level(s, p) + fine.offset(s, p),
      spread,
      seasonal: fine.offset(s, p),
      deviation,
      direction: deviation > clip ? 'above' : deviation < -clip ? 'below' : 'none',
      cause: cause >= 0 ? DEPARTURE_KINDS[cause]! : null,
      causeScale: s[p + CAUSE_SCALE]!,
      levelShift: fine.changes.last(s, p),
      shiftEvidence: fine.changes.evidence(s, p),
      trendPerSecond: this.trend.slopePerSecond(s, p),
      trendFit: this.trend.fit(s, p),
      score: s[p + LAST_SCORE]!,
    };
  }

  /** {@link SeriesDetector.timeToExhaustion} of the detector at `p`. */
  timeToExhaustion(s: Float64Array, p: number, limit: number): number {
    return this.trend.timeToLimit(s, p, limit);
  }
}

/** Models by options object (resolveDetectorOptions returns one shared object for the defaults). */
const models = new WeakMap<DetectorOptions, DetectorModel>();

/** The model of `o`, built on first use. */
export function modelOf(o: DetectorOptions): DetectorModel {
  let m = models.get(o);
  if (m === undefined) {
    m = new DetectorModel(o);
    models.set(o, m);
  }
  return m;
}
