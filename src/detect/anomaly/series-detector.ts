import { AlarmGate } from './alarm-gate.js';
import { ChangePointDetector, type LevelShift } from './change-point.js';
import { DEPARTURE_KINDS, NoveltyMemory, type DepartureKind } from './novelty-memory.js';
import { resolveDetectorOptions, type DetectorOptions } from './options.js';
import { RobustBaseline } from './robust-baseline.js';
import { SeasonalProfile } from './seasonal-profile.js';
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

const KIND_COUNT = DEPARTURE_KINDS.length;
const ABOVE = DEPARTURE_KINDS.indexOf('above');
const BELOW = DEPARTURE_KINDS.indexOf('below');
const BURST = DEPARTURE_KINDS.indexOf('burst');
const CALM = DEPARTURE_KINDS.indexOf('calm');
const SHIFT = DEPARTURE_KINDS.indexOf('shift');

// The detector's own slots at the start of the state buffer; components follow.
const LAST_TS = 0;
const LAST_VALUE = 1;
const LAST_RESIDUAL = 2;
const LAST_OFFSET = 3;
const SHORT_MEAN = 4;
const VOLATILITY = 5;
const LONG_VOLATILITY = 6;
const LAST_SCORE = 7;
const LAST_CAUSE = 8;
const OWN_SIZE = 9;
const BASELINE = OWN_SIZE;
const SEASONAL = BASELINE + RobustBaseline.SIZE;
const CHANGES = SEASONAL + SeasonalProfile.SIZE;
const TREND = CHANGES + ChangePointDetector.SIZE;
const MEMORY = TREND + TrendEstimator.SIZE;
const GATE = MEMORY + NoveltyMemory.SIZE;
const STATE_SIZE = GATE + AlarmGate.SIZE;

/** Departures of the sample being scored: scratch shared by all detectors (update is synchronous). */
const departures = new Float64Array(KIND_COUNT);

/** Concrete detector: baseline, seasonality, change points, trend, novelty of departures, alarm gate. */
class OnlineSeriesDetector implements SeriesDetector {
  private readonly s = new Float64Array(STATE_SIZE);
  private readonly baseline: RobustBaseline;
  private readonly seasonal: SeasonalProfile;
  private readonly changes: ChangePointDetector;
  private readonly trend: TrendEstimator;
  private readonly memory: NoveltyMemory;
  private readonly gate: AlarmGate;

  constructor(private readonly o: DetectorOptions) {
    const s = this.s;
    s[LAST_TS] = Number.NEGATIVE_INFINITY;
    s[LAST_CAUSE] = -1;
    this.baseline = new RobustBaseline(s, BASELINE, o);
    this.seasonal = new SeasonalProfile(s, SEASONAL, o);
    this.changes = new ChangePointDetector(s, CHANGES, o);
    this.trend = new TrendEstimator(s, TREND, o);
    this.memory = new NoveltyMemory(s, MEMORY, o);
    this.gate = new AlarmGate(s, GATE, o);
  }

  update(timestamp: number, value: number): number {
    const s = this.s;
    if (!(timestamp >= s[LAST_TS]!) || !Number.isFinite(value) || !Number.isFinite(timestamp)) return 0;
    const first = this.baseline.samples === 0;
    const offset = this.seasonal.offset(timestamp);
    const used = this.seasonal.active() ? offset : 0;
    const residual = value - this.baseline.level - used;
    const spread = this.baseline.effectiveSpread();
    const step = first ? 0 : Math.abs(value - s[LAST_VALUE]!);
    s[LAST_TS] = timestamp;
    s[LAST_VALUE] = value;
    s[LAST_RESIDUAL] = residual;
    s[LAST_OFFSET] = used;
    this.learn(timestamp, value, offset, residual, spread, step);
    const n = this.baseline.samples;
    const floor = this.baseline.spreadFloor();
    const d = departures;
    d[ABOVE] = residual > 0 ? residual : 0;
    d[BELOW] = residual < 0 ? -residual : 0;
    d[BURST] = s[VOLATILITY]!;
    const longVol = s[LONG_VOLATILITY]! > floor ? s[LONG_VOLATILITY]! : floor;
    d[CALM] = longVol / Math.max(s[VOLATILITY]!, floor * 0.01);
    d[SHIFT] = Math.abs(s[SHORT_MEAN]!);
    let novelty = Number.NEGATIVE_INFINITY;
    let cause = -1;
    const remember = n > this.o.warmup;
    for (let k = 0; k < KIND_COUNT; k++) {
      const q = this.memory.novelty(k, d[k]!);
      if (q > novelty) {
        novelty = q;
        cause = k;
      }
      if (remember) this.memory.remember(k, d[k]!);
    }
    const raw = n > this.o.learningPeriod ? 1 / (1 + Math.exp(-novelty)) : 0;
    const score = this.gate.pass(raw);
    s[LAST_SCORE] = score;
    s[LAST_CAUSE] = score > 0 ? cause : -1;
    return score;
  }

  /** Updates every component with one accepted sample. */
  private learn(timestamp: number, value: number, offset: number, residual: number, spread: number, step: number): void {
    const s = this.s;
    const o = this.o;
    const warm = 1 / (this.baseline.samples + 1);
    s[VOLATILITY]! += Math.max(warm, o.volatilityRate) * (step - s[VOLATILITY]!);
    s[LONG_VOLATILITY]! += Math.max(warm, o.longVolatilityRate) * (step - s[LONG_VOLATILITY]!);
    s[SHORT_MEAN]! += o.shortRate * (residual - s[SHORT_MEAN]!);
    const limit = o.huberClip * spread;
    const departure = value - this.baseline.level;
    this.seasonal.learn(timestamp, departure > offset + limit ? offset + limit : departure < offset - limit ? offset - limit : departure);
    this.baseline.learn(value - offset);
    this.trend.update(timestamp, value);
    if (this.baseline.samples > o.warmup) {
      const shift = this.changes.update(timestamp, residual + s[LAST_OFFSET]! - offset, spread);
      if (shift !== 0) {
        this.baseline.shift(shift);
        s[SHORT_MEAN] = 0;
      }
    }
  }

  warm(timestamps: ArrayLike<number>, values: ArrayLike<number>): void {
    if (timestamps.length !== values.length) throw new RangeError('warm: timestamps and values differ in length');
    for (let i = 0; i < timestamps.length; i++) this.update(timestamps[i]!, values[i]!);
    this.s[LAST_SCORE] = 0;
    this.s[LAST_CAUSE] = -1;
  }

  detail(): SeriesDetail {
    const s = this.s;
    const spread = this.baseline.effectiveSpread();
    const deviation = s[LAST_RESIDUAL]! / spread;
    const clip = this.o.huberClip;
    const cause = s[LAST_CAUSE]!;
    return {
      samples: this.baseline.samples,
      timestamp: this.baseline.samples > 0 ? s[LAST_TS]! : Number.NaN,
      baseline: this.baseline.level + s[LAST_OFFSET]!,
      spread,
      seasonal: s[LAST_OFFSET]!,
      deviation,
      direction: deviation > clip ? 'above' : deviation < -clip ? 'below' : 'none',
      cause: cause >= 0 ? DEPARTURE_KINDS[cause]! : null,
      levelShift: this.changes.last(),
      shiftEvidence: this.changes.evidence(),
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
