import type { DetectorOptions } from './options.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** 1970-01-01 was a Thursday: shifts epoch days so that Monday is day 0. */
const EPOCH_WEEKDAY = 3;
/** Day-of-week offsets are used only after this much history. */
const WEEKLY_AFTER_MS = 14 * DAY_MS;
/** Knot k sits at hour k + 0.5: shifting by 23.5 h makes floor() land on the knot at or before a time. */
const KNOT_SHIFT = 23.5;

/** Position in the day in hours [0, 24), UTC, of an epoch-millisecond timestamp, without allocating a Date. */
export function hourOfDay(timestamp: number): number {
  const h = (timestamp % DAY_MS) / HOUR_MS;
  return h < 0 ? h + 24 : h;
}

/** Day of week (0 = Monday ... 6 = Sunday, UTC) of an epoch-millisecond timestamp. */
export function dayOfWeek(timestamp: number): number {
  const d = (Math.floor(timestamp / DAY_MS) + EPOCH_WEEKDAY) % 7;
  return d < 0 ? d + 7 : d;
}

// Slots in the detector's Float64 state: times, the running sums that keep the profile centred, and
// the residual variances with and without the profile.
const FIRST = 0;
const LAST = 1;
const HOUR_SUM = 2;
const DAY_SUM = 3;
const VAR_WITH = 4;
const VAR_WITHOUT = 5;
// Slots in the detector's Float32 state: offsets are small next to the level and counts only steer
// early learning rates, so single precision holds them (half the bytes of the largest component).
const HOUR = 0;
const HOUR_COUNT = 24;
const DAY = 48;
const DAY_COUNT = 55;

/**
 * Additive seasonal profile: a daily curve through 24 hourly knots (linear between knot centres, so a
 * smooth daily rhythm is followed within the hour) plus one offset per day of week, each learned as the
 * running mean of the series' departure from its deseasonalised level. Both are kept centred (the
 * mean knot and the mean day offset are subtracted), so the level stays the plain daily mean and does
 * not trade its value against the profile. It is used only once it has seen `seasonalMinDays` days
 * and explains the data: the residual variance with it must be at most `seasonalGain` times the
 * variance without it, so a series with no daily rhythm is not given one. The day-of-week offsets
 * count only after two weeks. Works on its slices of a detector's double- and single-precision state
 * (one instance serves many detectors: a detector's state starts at `p` in the Float64 array and its
 * single-precision part at `2 * p` plus the part's offset in the Float32 array over the same bytes).
 */
export class SeasonalProfile {
  /** Float64 state values this component keeps. */
  static readonly SIZE = 6;
  /** Float32 state values this component keeps (knots, day offsets and their counts). */
  static readonly SINGLE_SIZE = 62;

  // Where the latest timestamp falls: its lower knot, the weight of the upper one, its day of week.
  // Scratch shared by every detector of this instance (updates are synchronous); a snapshot's series
  // share one timestamp, so most samples find it here instead of dividing the time again (the
  // floating-point remainder behind `hourOfDay` was a third of this component's cost).
  #at = Number.NaN;
  #lo = 0;
  #w = 0;
  #day = 0;

  /**
   * `b`: offset in a detector's Float64 state; `c`: offset in the Float32 view of the same bytes
   * (past the detector's double-precision part).
   */
  constructor(
    private readonly b: number,
    private readonly c: number,
    private readonly o: DetectorOptions,
  ) {}

  #place(timestamp: number): void {
    if (timestamp === this.#at) return;
    const pos = hourOfDay(timestamp) + KNOT_SHIFT;
    this.#lo = Math.floor(pos);
    this.#w = pos - this.#lo;
    this.#day = dayOfWeek(timestamp);
    this.#at = timestamp;
  }

  /** Writes the initial state of a fresh detector. */
  init(s: Float64Array, p: number): void {
    s[this.b + p + FIRST] = Number.NaN;
    s[this.b + p + LAST] = Number.NaN;
  }

  /** Offset the profile predicts at `timestamp` (whether or not it is used). */
  offset(s: Float64Array, f: Float32Array, p: number, timestamp: number): number {
    const b = this.b + p;
    this.#place(timestamp);
    const daily = this.daily(s, f, b, this.c + 2 * p);
    if (s[b + LAST]! - s[b + FIRST]! < WEEKLY_AFTER_MS) return daily;
    return daily + f[this.c + 2 * p + DAY + this.#day]! - s[b + DAY_SUM]! / 7;
  }

  /** Whether the profile has enough history and explains enough variance to be used. */
  active(s: Float64Array, p: number): boolean {
    const b = this.b + p;
    return s[b + LAST]! - s[b + FIRST]! >= this.o.seasonalMinDays * DAY_MS && s[b + VAR_WITH]! <= this.o.seasonalGain * s[b + VAR_WITHOUT]!;
  }

  /**
   * Learns one sample: `departure` is the value minus the deseasonalised level, clipped by the caller
   * so that a spike moves the profile by a bounded amount.
   */
  learn(s: Float64Array, f: Float32Array, p: number, timestamp: number, departure: number): void {
    const b = this.b + p;
    const c = this.c + 2 * p;
    if (Number.isNaN(s[b + FIRST]!)) s[b + FIRST] = timestamp;
    s[b + LAST] = timestamp;
    const miss = departure - this.offset(s, f, p, timestamp);
    s[b + VAR_WITH]! += this.o.spreadRate * (miss * miss - s[b + VAR_WITH]!);
    s[b + VAR_WITHOUT]! += this.o.spreadRate * (departure * departure - s[b + VAR_WITHOUT]!);
    // offset() placed the timestamp.
    const lo = this.#lo;
    const w = this.#w;
    this.learnKnot(s, f, b, c + HOUR + (lo % 24), 1 - w, miss);
    this.learnKnot(s, f, b, c + HOUR + ((lo + 1) % 24), w, miss);
    const d = c + DAY + this.#day;
    const count = ++f[d + DAY_COUNT - DAY]!;
    const before = f[d]!;
    f[d] = before + Math.max(1 / count, this.o.seasonalRate / 24) * (departure - this.daily(s, f, b, c) - before);
    s[b + DAY_SUM]! += f[d]! - before;
  }

  /**
   * The daily curve at the placed timestamp: linear between the two nearest hourly knots (`b`, `c`:
   * where this component's slices of the detector's state start in `s` and `f`).
   */
  private daily(s: Float64Array, f: Float32Array, b: number, c: number): number {
    const lo = this.#lo;
    const w = this.#w;
    return f[c + HOUR + (lo % 24)]! * (1 - w) + f[c + HOUR + ((lo + 1) % 24)]! * w - s[b + HOUR_SUM]! / 24;
  }

  /**
   * LMS step of one knot by its interpolation weight; the rate starts at 1/count (a mean), then
   * settles. The sum moves by the step as stored (rounded), so it stays the sum of the knots.
   */
  private learnKnot(s: Float64Array, f: Float32Array, b: number, k: number, weight: number, miss: number): void {
    if (weight <= 0) return;
    const count = (f[k + HOUR_COUNT]! += weight);
    const before = f[k]!;
    f[k] = before + Math.max(weight / count, this.o.seasonalRate * weight) * miss;
    s[b + HOUR_SUM]! += f[k]! - before;
  }
}
