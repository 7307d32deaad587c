import type { DetectorOptions } from './options.js';

const W = 0;
const ST = 1;
const SX = 2;
const STT = 3;
const STX = 4;
const SXX = 5;
const ORIGIN = 6;

/**
 * Exponentially weighted least-squares line through (time, value): the slope per second, how well a
 * line fits (R²), and when a steadily growing (or shrinking) series reaches a limit. Time is kept
 * relative to the latest sample, so the sums stay well conditioned however long the series runs.
 * Works on its slice of a detector's state (at `p` in the state array: one instance serves many
 * detectors).
 */
export class TrendEstimator {
  /** State values this component keeps in the detector's buffer. */
  static readonly SIZE = 7;

  constructor(
    private readonly b: number,
    private readonly o: DetectorOptions,
  ) {}

  /** Writes the initial state of a fresh detector. */
  init(s: Float64Array, p: number): void {
    s[this.b + p + ORIGIN] = Number.NaN;
  }

  /** Learns one sample (epoch ms, value). */
  update(s: Float64Array, p: number, timestamp: number, value: number): void {
    const b = this.b + p;
    const origin = s[b + ORIGIN]!;
    if (!Number.isNaN(origin)) {
      const d = (timestamp - origin) / 1000;
      s[b + STT]! += -2 * d * s[b + ST]! + d * d * s[b + W]!;
      s[b + STX]! -= d * s[b + SX]!;
      s[b + ST]! -= d * s[b + W]!;
    }
    s[b + ORIGIN] = timestamp;
    const keep = 1 - this.o.trendRate;
    s[b + W] = s[b + W]! * keep + 1;
    s[b + ST]! *= keep;
    s[b + SX] = s[b + SX]! * keep + value;
    s[b + STT]! *= keep;
    s[b + STX]! *= keep;
    s[b + SXX] = s[b + SXX]! * keep + value * value;
  }

  /** Slope of the fitted line, in value units per second (0 until two distinct times were seen). */
  slopePerSecond(s: Float64Array, p: number): number {
    const b = this.b + p;
    const vt = s[b + W]! * s[b + STT]! - s[b + ST]! * s[b + ST]!;
    return vt > 0 ? (s[b + W]! * s[b + STX]! - s[b + ST]! * s[b + SX]!) / vt : 0;
  }

  /** R² of the fitted line in [0, 1]: 1 when the recent samples lie on a line. */
  fit(s: Float64Array, p: number): number {
    const b = this.b + p;
    const w = s[b + W]!;
    const vt = w * s[b + STT]! - s[b + ST]! * s[b + ST]!;
    const vx = w * s[b + SXX]! - s[b + SX]! * s[b + SX]!;
    if (!(vt > 0) || !(vx > 1e-12 * Math.max(1, w * s[b + SXX]!))) return 0;
    const c = w * s[b + STX]! - s[b + ST]! * s[b + SX]!;
    return Math.min(1, (c * c) / (vt * vx));
  }

  /** Value of the fitted line at the latest sample. */
  fittedNow(s: Float64Array, p: number): number {
    const b = this.b + p;
    const w = s[b + W]!;
    return w > 0 ? (s[b + SX]! - this.slopePerSecond(s, p) * s[b + ST]!) / w : 0;
  }

  /**
   * Seconds until the fitted line reaches `limit`, when the series moves steadily towards it (R² at
   * least the minimum fit); Infinity when it does not (flat, erratic, or moving away).
   */
  timeToLimit(s: Float64Array, p: number, limit: number): number {
    const slope = this.slopePerSecond(s, p);
    if (slope === 0 || this.fit(s, p) < this.o.trendMinFit) return Number.POSITIVE_INFINITY;
    const seconds = (limit - this.fittedNow(s, p)) / slope;
    return seconds >= 0 ? seconds : Number.POSITIVE_INFINITY;
  }
}
