import type { DetectorOptions } from './options.js';

/** A level shift found by the change-point detector. */
export interface LevelShift {
  /** Estimated onset (epoch ms): the sample where the evidence for the shift started to accumulate. */
  readonly at: number;
  /** Timestamp (epoch ms) of the sample at which the shift was declared. */
  readonly declaredAt: number;
  /** Signed size of the shift, in the series' units (new level minus old). */
  readonly size: number;
}

const UP = 0;
const DOWN = 1;
const UP_SUM = 2;
const UP_COUNT = 3;
const UP_START = 4;
const DOWN_SUM = 5;
const DOWN_COUNT = 6;
const DOWN_START = 7;
const LAST_AT = 8;
const LAST_SIZE = 9;
const DECLARED_AT = 10;

/**
 * Two-sided CUSUM on standardised residuals (Page's test). Each residual, clipped to ±`huberClip`
 * spreads so that one spike cannot declare a shift, adds its excess over the slack to the evidence; a
 * level shift is declared when either sum reaches the threshold. The shift is dated to the sample where
 * that sum last left zero and sized as the mean residual since then, which the caller adds to its
 * baseline. Works on its slice of a detector's state (at `p` in the state array: one instance serves
 * many detectors).
 */
export class ChangePointDetector {
  /** State values this component keeps in the detector's buffer. */
  static readonly SIZE = 11;

  constructor(
    private readonly b: number,
    private readonly o: DetectorOptions,
  ) {}

  /** Writes the initial state of a fresh detector. */
  init(s: Float64Array, p: number): void {
    s[this.b + p + LAST_AT] = Number.NaN;
    s[this.b + p + DECLARED_AT] = Number.NaN;
  }

  /**
   * Adds one residual (value minus baseline) scaled by `spread`; returns the size of the level shift
   * declared at this sample, or 0 when none is.
   */
  update(s: Float64Array, p: number, timestamp: number, residual: number, spread: number): number {
    const b = this.b + p;
    const clip = this.o.huberClip;
    const raw = residual / spread;
    const z = raw > clip ? clip : raw < -clip ? -clip : raw;
    this.accumulate(s, b, UP, UP_SUM, UP_COUNT, UP_START, s[b + UP]! + z - this.o.changeSlack, timestamp, residual);
    this.accumulate(s, b, DOWN, DOWN_SUM, DOWN_COUNT, DOWN_START, s[b + DOWN]! - z - this.o.changeSlack, timestamp, residual);
    const threshold = this.o.changeThreshold;
    if (s[b + UP]! < threshold && s[b + DOWN]! < threshold) return 0;
    const up = s[b + UP]! >= threshold;
    const size = s[b + (up ? UP_SUM : DOWN_SUM)]! / s[b + (up ? UP_COUNT : DOWN_COUNT)]!;
    s[b + LAST_AT] = s[b + (up ? UP_START : DOWN_START)]!;
    s[b + LAST_SIZE] = size;
    s[b + DECLARED_AT] = timestamp;
    for (let k = UP; k <= DOWN_START; k++) s[b + k] = 0;
    return size;
  }

  /** One side's statistic: restarts its sums (and onset) whenever it falls back to zero. */
  /** `b`: where this component's slice starts in `s`. */
  private accumulate(s: Float64Array, b: number, stat: number, sum: number, count: number, start: number, next: number, timestamp: number, residual: number): void {
    if (next <= 0) {
      s[b + stat] = 0;
      s[b + sum] = 0;
      s[b + count] = 0;
      return;
    }
    if (s[b + stat] === 0) s[b + start] = timestamp;
    s[b + stat] = next;
    s[b + sum]! += residual;
    s[b + count]! += 1;
  }

  /** Evidence in [0, 1] of a shift under way (1: about to be declared). */
  evidence(s: Float64Array, p: number): number {
    const b = this.b + p;
    return Math.min(1, Math.max(s[b + UP]!, s[b + DOWN]!) / this.o.changeThreshold);
  }

  /** The last level shift declared, or null when none was. */
  last(s: Float64Array, p: number): LevelShift | null {
    const b = this.b + p;
    const at = s[b + LAST_AT]!;
    return Number.isNaN(at) ? null : { at, declaredAt: s[b + DECLARED_AT]!, size: s[b + LAST_SIZE]! };
  }
}
