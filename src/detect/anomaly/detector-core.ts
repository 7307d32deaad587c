import { ChangePointDetector } from './change-point.js';
import { DEPARTURE_KINDS, NoveltyMemory } from './novelty-memory.js';
import type { DetectorOptions } from './options.js';
import { RobustBaseline } from './robust-baseline.js';
import { SeasonalProfile } from './seasonal-profile.js';

const KIND_COUNT = DEPARTURE_KINDS.length;
const ABOVE = DEPARTURE_KINDS.indexOf('above');
const BELOW = DEPARTURE_KINDS.indexOf('below');
const BURST = DEPARTURE_KINDS.indexOf('burst');
const CALM = DEPARTURE_KINDS.indexOf('calm');
const SHIFT = DEPARTURE_KINDS.indexOf('shift');

// The core's own slots at its base; its components follow.
const LAST_VALUE = 0;
const LAST_RESIDUAL = 1;
const LAST_OFFSET = 2;
const SHORT_MEAN = 3;
const VOLATILITY = 4;
const LONG_VOLATILITY = 5;
const OWN_SIZE = 6;

/** Departures of the value being scored: scratch shared by all cores (update is synchronous). */
const departures = new Float64Array(KIND_COUNT);

/**
 * The scoring pipeline of one time scale: robust baseline, seasonal profile, change points and
 * the novelty of five departures against their remembered records. The detector runs one core on the
 * samples and one on block means (a coarser scale); both live in the detector's one state buffer.
 */
export class DetectorCore {
  /** State values a core keeps in the detector's buffer. */
  static readonly SIZE = OWN_SIZE + RobustBaseline.SIZE + SeasonalProfile.SIZE + ChangePointDetector.SIZE + NoveltyMemory.SIZE;

  readonly baseline: RobustBaseline;
  readonly seasonal: SeasonalProfile;
  readonly changes: ChangePointDetector;
  private readonly memory: NoveltyMemory;
  /** Departure kind index behind the latest score (scratch, read right after `update`). */
  cause = -1;

  constructor(
    private readonly s: Float64Array,
    private readonly b: number,
    private readonly o: DetectorOptions,
  ) {
    let at = b + OWN_SIZE;
    this.baseline = new RobustBaseline(s, at, o);
    at += RobustBaseline.SIZE;
    this.seasonal = new SeasonalProfile(s, at, o);
    at += SeasonalProfile.SIZE;
    this.changes = new ChangePointDetector(s, at, o);
    at += ChangePointDetector.SIZE;
    this.memory = new NoveltyMemory(s, at, o);
  }

  /** Value minus baseline at the latest value. */
  get residual(): number {
    return this.s[this.b + LAST_RESIDUAL]!;
  }

  /** Seasonal term in the baseline at the latest value (0 while the profile is not in use). */
  get offset(): number {
    return this.s[this.b + LAST_OFFSET]!;
  }

  /** Learns one value (time order checked by the caller); returns its raw score in [0, 1] before any gate. */
  update(timestamp: number, value: number): number {
    const s = this.s;
    const b = this.b;
    const first = this.baseline.samples === 0;
    const offset = this.seasonal.offset(timestamp);
    const used = this.seasonal.active() ? offset : 0;
    const residual = value - this.baseline.level - used;
    const spread = this.baseline.effectiveSpread();
    const step = first ? 0 : Math.abs(value - s[b + LAST_VALUE]!);
    s[b + LAST_VALUE] = value;
    s[b + LAST_RESIDUAL] = residual;
    s[b + LAST_OFFSET] = used;
    this.learn(timestamp, value, offset, residual + used - offset, residual, spread, step);
    const n = this.baseline.samples;
    const floor = this.baseline.spreadFloor();
    const d = departures;
    d[ABOVE] = residual > 0 ? residual : 0;
    d[BELOW] = residual < 0 ? -residual : 0;
    d[BURST] = s[b + VOLATILITY]!;
    const longVol = s[b + LONG_VOLATILITY]! > floor ? s[b + LONG_VOLATILITY]! : floor;
    d[CALM] = longVol / Math.max(s[b + VOLATILITY]!, floor * 0.01);
    d[SHIFT] = Math.abs(s[b + SHORT_MEAN]!);
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
    this.cause = cause;
    return n > this.o.learningPeriod ? 1 / (1 + Math.exp(-novelty)) : 0;
  }

  /** Updates baseline, seasonality, volatilities and change points with one value. */
  private learn(timestamp: number, value: number, offset: number, changeResidual: number, residual: number, spread: number, step: number): void {
    const s = this.s;
    const b = this.b;
    const o = this.o;
    const warm = 1 / (this.baseline.samples + 1);
    s[b + VOLATILITY]! += Math.max(warm, o.volatilityRate) * (step - s[b + VOLATILITY]!);
    s[b + LONG_VOLATILITY]! += Math.max(warm, o.longVolatilityRate) * (step - s[b + LONG_VOLATILITY]!);
    s[b + SHORT_MEAN]! += o.shortRate * (residual - s[b + SHORT_MEAN]!);
    const limit = o.huberClip * spread;
    const departure = value - this.baseline.level;
    this.seasonal.learn(timestamp, departure > offset + limit ? offset + limit : departure < offset - limit ? offset - limit : departure);
    this.baseline.learn(value - offset);
    if (this.baseline.samples > o.warmup) {
      const shift = this.changes.update(timestamp, changeResidual, spread);
      if (shift !== 0) {
        this.baseline.shift(shift);
        s[b + SHORT_MEAN] = 0;
      }
    }
  }
}
