import type { DetectorOptions } from './options.js';

const LEVEL = 0;
const SPREAD = 1;
const SAMPLES = 2;

/**
 * Robust running level and spread of a series: a Huber-clipped EWMA of the value (a running median
 * estimate that a spike moves by at most `clip` spreads times the rate) and an EWMA of clipped absolute
 * residuals (a MAD-like spread). Rates start at 1/n so the first samples are averaged, not forgotten.
 * Stateless itself: it works on its slice of a detector's state (at `p` in the state array), so one instance serves
 * every detector with the same options and layout.
 */
export class RobustBaseline {
  /** State values this component keeps in the detector's buffer. */
  static readonly SIZE = 3;

  constructor(
    private readonly b: number,
    private readonly o: DetectorOptions,
  ) {}

  /** The level (running median estimate, deseasonalised). */
  level(s: Float64Array, p: number): number {
    return s[this.b + p + LEVEL]!;
  }

  /** Samples learned. */
  samples(s: Float64Array, p: number): number {
    return s[this.b + p + SAMPLES]!;
  }

  /** Smallest spread used to scale residuals: keeps a constant series from dividing by zero. */
  spreadFloor(s: Float64Array, p: number): number {
    return Math.max(1e-12, Math.abs(s[this.b + p + LEVEL]!) * 1e-3);
  }

  /** The spread used to scale residuals (never below the floor). */
  effectiveSpread(s: Float64Array, p: number): number {
    return Math.max(s[this.b + p + SPREAD]!, this.spreadFloor(s, p));
  }

  /** Learns one value (already net of any seasonal term). */
  learn(s: Float64Array, p: number, value: number): void {
    const b = this.b + p;
    const n = ++s[b + SAMPLES]!;
    if (n === 1) {
      s[b + LEVEL] = value;
      return;
    }
    const residual = value - s[b + LEVEL]!;
    const floor = this.spreadFloor(s, p);
    const limit = this.o.huberClip * Math.max(s[b + SPREAD]!, floor);
    const clipped = residual > limit ? limit : residual < -limit ? -limit : residual;
    const warm = 1 / n;
    s[b + LEVEL]! += (warm > this.o.levelRate ? warm : this.o.levelRate) * clipped;
    const absolute = Math.abs(residual);
    const bounded = absolute < limit + floor ? absolute : limit + floor;
    s[b + SPREAD]! += (warm > this.o.spreadRate ? warm : this.o.spreadRate) * (bounded - s[b + SPREAD]!);
  }

  /** Moves the level by `delta` (after a detected level shift). */
  shift(s: Float64Array, p: number, delta: number): void {
    s[this.b + p + LEVEL]! += delta;
  }
}
