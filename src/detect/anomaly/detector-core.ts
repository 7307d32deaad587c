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
/** Resolution of the `calm` ratio below which its record counts as flat. */
const CALM_RESOLUTION = 1e-9;
/** Relative resolution of departures in the series' units (far above rounding, far below any real change). */
const RELATIVE_RESOLUTION = 1e-9;

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
 * The scoring pipeline of one time scale: robust baseline, seasonal profile, change points and the
 * novelty of five departures against their remembered records. The detector runs one core on the
 * samples and one on block means (a coarser scale); both live in the detector's one state buffer. A
 * core is stateless itself (its state is its slice of the buffer), so one serves every detector with
 * the same options.
 */
export class DetectorCore {
  /** Float64 state values a core keeps. */
  static readonly SIZE = OWN_SIZE + RobustBaseline.SIZE + SeasonalProfile.SIZE + ChangePointDetector.SIZE + NoveltyMemory.SIZE;
  /** Float32 state values a core keeps. */
  static readonly SINGLE_SIZE = SeasonalProfile.SINGLE_SIZE;

  readonly baseline: RobustBaseline;
  readonly seasonal: SeasonalProfile;
  readonly changes: ChangePointDetector;
  private readonly memory: NoveltyMemory;
  /** Departure kind index behind the latest score (scratch, read right after `update`). */
  cause = -1;

  /**
   * `b`: offset in a detector's Float64 state; `c`: offset in the Float32 view of the same bytes
   * (past the detector's double-precision part). A detector's state starts at `p` (methods' argument).
   */
  constructor(
    private readonly b: number,
    c: number,
    private readonly o: DetectorOptions,
  ) {
    let at = b + OWN_SIZE;
    this.baseline = new RobustBaseline(at, o);
    at += RobustBaseline.SIZE;
    this.seasonal = new SeasonalProfile(at, c, o);
    at += SeasonalProfile.SIZE;
    this.changes = new ChangePointDetector(at, o);
    at += ChangePointDetector.SIZE;
    this.memory = new NoveltyMemory(at, o);
  }

  /** Writes the initial state of a fresh detector. */
  init(s: Float64Array, p: number): void {
    this.seasonal.init(s, p);
    this.changes.init(s, p);
  }

  /** Value minus baseline at the latest value. */
  residual(s: Float64Array, p: number): number {
    return s[this.b + p + LAST_RESIDUAL]!;
  }

  /** Seasonal term in the baseline at the latest value (0 while the profile is not in use). */
  offset(s: Float64Array, p: number): number {
    return s[this.b + p + LAST_OFFSET]!;
  }

  /** Learns one value (time order checked by the caller); returns its raw score in [0, 1] before any gate. */
  update(s: Float64Array, f: Float32Array, p: number, timestamp: number, value: number): number {
    const b = this.b + p;
    const baseline = this.baseline;
    const first = baseline.samples(s, p) === 0;
    const offset = this.seasonal.offset(s, f, p, timestamp);
    const used = this.seasonal.active(s, p) ? offset : 0;
    // The first value defines the level: it departs from nothing (not from a level of 0).
    const residual = first ? 0 : value - baseline.level(s, p) - used;
    const spread = baseline.effectiveSpread(s, p);
    const step = first ? 0 : Math.abs(value - s[b + LAST_VALUE]!);
    s[b + LAST_VALUE] = value;
    s[b + LAST_RESIDUAL] = residual;
    s[b + LAST_OFFSET] = used;
    this.learn(s, f, p, timestamp, value, offset, residual + used - offset, residual, spread, step);
    const n = baseline.samples(s, p);
    const floor = baseline.spreadFloor(s, p);
    const resolution = Math.max(1e-300, Math.abs(baseline.level(s, p)) * RELATIVE_RESOLUTION);
    const d = departures;
    d[ABOVE] = residual > 0 ? residual : 0;
    d[BELOW] = residual < 0 ? -residual : 0;
    d[BURST] = s[b + VOLATILITY]!;
    // A series that never moved is not calm (a ratio of two nothings): only a fall from past motion counts.
    d[CALM] = s[b + LONG_VOLATILITY]! / Math.max(s[b + VOLATILITY]!, floor * 0.01);
    d[SHIFT] = Math.abs(s[b + SHORT_MEAN]!);
    let novelty = Number.NEGATIVE_INFINITY;
    let cause = -1;
    const remember = n > this.o.warmup;
    for (let k = 0; k < KIND_COUNT; k++) {
      const q = this.memory.novelty(s, p, k, d[k]!, k === CALM ? CALM_RESOLUTION : resolution);
      if (q > novelty) {
        novelty = q;
        cause = k;
      }
      if (remember) this.memory.remember(s, p, k, d[k]!);
    }
    this.cause = cause;
    return n > this.o.learningPeriod ? 1 / (1 + Math.exp(-novelty)) : 0;
  }

  /** Updates baseline, seasonality, volatilities and change points with one value. */
  private learn(s: Float64Array, f: Float32Array, p: number, timestamp: number, value: number, offset: number, changeResidual: number, residual: number, spread: number, step: number): void {
    const b = this.b + p;
    const o = this.o;
    const baseline = this.baseline;
    const warm = 1 / (baseline.samples(s, p) + 1);
    s[b + VOLATILITY]! += Math.max(warm, o.volatilityRate) * (step - s[b + VOLATILITY]!);
    s[b + LONG_VOLATILITY]! += Math.max(warm, o.longVolatilityRate) * (step - s[b + LONG_VOLATILITY]!);
    s[b + SHORT_MEAN]! += o.shortRate * (residual - s[b + SHORT_MEAN]!);
    const limit = o.huberClip * spread;
    const raw = baseline.samples(s, p) === 0 ? offset : value - baseline.level(s, p);
    const departure = raw > offset + limit ? offset + limit : raw < offset - limit ? offset - limit : raw;
    this.seasonal.learn(s, f, p, timestamp, departure);
    baseline.learn(s, p, value - offset);
    if (baseline.samples(s, p) > o.warmup) {
      const shift = this.changes.update(s, p, timestamp, changeResidual, spread);
      if (shift !== 0) {
        baseline.shift(s, p, shift);
        s[b + SHORT_MEAN] = 0;
      }
    }
  }
}
