/**
 * Settings of the per-series detector. One default configuration serves every series (and the whole
 * NAB benchmark); rates are per sample, so they mean the same at any sampling interval.
 */
export interface DetectorOptions {
  /** EWMA rate of the robust baseline level (the running median estimate). */
  readonly levelRate: number;
  /** EWMA rate of the spread (a mean absolute deviation of clipped residuals, MAD-like). */
  readonly spreadRate: number;
  /** Residuals are clipped at this many spreads before they move the baseline (Huber), so spikes do not drag it. */
  readonly huberClip: number;
  /** EWMA rate of the short mean of residuals: the evidence of a sustained departure. */
  readonly shortRate: number;
  /** EWMA rate of the short-term volatility (mean absolute step between consecutive samples). */
  readonly volatilityRate: number;
  /** EWMA rate of the long-term volatility the short term is compared with. */
  readonly longVolatilityRate: number;
  /** Half-life, in samples, of the decayed maxima each departure is compared with (the memory of "seen before"). */
  readonly memoryHalfLife: number;
  /** EWMA rate of the typical departure of each kind (the base the largest one is measured from). */
  readonly typicalRate: number;
  /** Samples learned before departures are remembered (the baseline is too young before that). */
  readonly warmup: number;
  /** Samples scored 0 at the start while the detector learns the series. */
  readonly learningPeriod: number;
  /** Samples after an alarm during which only a stronger score is emitted (one alarm per episode). */
  readonly refractory: number;
  /** Score at or above which a sample counts as an alarm and opens a refractory period. */
  readonly alarmScore: number;
  /** Seasonal profile: rate of each hour-of-day / day-of-week bin once it has seen `1 / seasonalRate` samples. */
  readonly seasonalRate: number;
  /** The seasonal profile is used only when it leaves at most this fraction of the residual variance. */
  readonly seasonalGain: number;
  /** Days of data before the seasonal profile may be used. */
  readonly seasonalMinDays: number;
  /** CUSUM slack, in spreads: smaller departures do not accumulate evidence of a level shift. */
  readonly changeSlack: number;
  /** CUSUM decision level, in spreads: a level shift is declared when the evidence reaches it. */
  readonly changeThreshold: number;
  /** EWMA rate of the weighted linear fit behind the trend and the time to exhaustion. */
  readonly trendRate: number;
  /** Minimum R² of the trend fit for a series to count as growing steadily. */
  readonly trendMinFit: number;
  /** Samples per block of the coarse scale (a second core scores block means); 0 turns the coarse scale off. */
  readonly coarseBlock: number;
  /** Blocks scored 0 at the start of the coarse scale while it learns. */
  readonly coarseLearningPeriod: number;
}

/** The one default configuration (also the one scored on NAB). */
export const DEFAULT_DETECTOR_OPTIONS: DetectorOptions = Object.freeze({
  levelRate: 0.05,
  spreadRate: 0.02,
  huberClip: 4,
  shortRate: 0.2,
  volatilityRate: 0.1,
  longVolatilityRate: 0.005,
  memoryHalfLife: 10_000,
  typicalRate: 0.02,
  warmup: 30,
  learningPeriod: 100,
  refractory: 50,
  alarmScore: 0.5,
  seasonalRate: 0.1,
  seasonalGain: 0.7,
  seasonalMinDays: 2,
  changeSlack: 1,
  changeThreshold: 10,
  trendRate: 0.01,
  trendMinFit: 0.6,
  coarseBlock: 32,
  coarseLearningPeriod: 80,
});

/** Merges overrides into the defaults and checks every value is in range; throws a RangeError naming the option. */
export function resolveDetectorOptions(overrides: Partial<DetectorOptions> = {}): DetectorOptions {
  // The shared defaults object keeps each detector from carrying its own copy.
  if (Object.keys(overrides).length === 0) return DEFAULT_DETECTOR_OPTIONS;
  const merged: DetectorOptions = { ...DEFAULT_DETECTOR_OPTIONS, ...overrides };
  const rates = ['levelRate', 'spreadRate', 'shortRate', 'volatilityRate', 'longVolatilityRate', 'typicalRate', 'seasonalRate', 'trendRate'] as const;
  for (const key of rates) {
    const v = merged[key];
    if (!(v > 0 && v <= 1)) throw new RangeError(`detector option ${key} must be in (0, 1], got ${v}`);
  }
  const positive = ['huberClip', 'memoryHalfLife', 'changeThreshold'] as const;
  for (const key of positive) {
    if (!(merged[key] > 0)) throw new RangeError(`detector option ${key} must be > 0, got ${merged[key]}`);
  }
  const counts = ['warmup', 'learningPeriod', 'refractory', 'seasonalMinDays', 'changeSlack', 'coarseBlock', 'coarseLearningPeriod'] as const;
  for (const key of counts) {
    if (!(merged[key] >= 0) || !Number.isFinite(merged[key])) throw new RangeError(`detector option ${key} must be >= 0, got ${merged[key]}`);
  }
  const fractions = ['alarmScore', 'seasonalGain', 'trendMinFit'] as const;
  for (const key of fractions) {
    if (!(merged[key] >= 0 && merged[key] <= 1)) throw new RangeError(`detector option ${key} must be in [0, 1], got ${merged[key]}`);
  }
  return Object.freeze(merged);
}
