import type { DetectorOptions } from './options.js';

/** The departures the detector judges, each a non-negative number in the series' own units or a ratio. */
export const DEPARTURE_KINDS = ['above', 'below', 'burst', 'calm', 'shift'] as const;
/** One kind of departure from normal behaviour. */
export type DepartureKind = (typeof DEPARTURE_KINDS)[number];

/** Offset of the typical departures after the maxima. */
const TYPICAL = DEPARTURE_KINDS.length;
/**
 * Novelty subtracted when a kind has never departed from its typical value (a flat line): the record
 * then ties with every sample, and a tie must read as "nothing new" (score ~0), not as "as large as
 * the largest seen" (0.5).
 */
const FLAT_PENALTY = 6;
/** A record standing less than this share of itself above the typical departure is steady (flat). */
const FLAT_SHARE = 0.05;

/**
 * Memory, per kind of departure, of the largest departure seen lately (a maximum decaying with
 * `memoryHalfLife` samples) and of the typical one (an EWMA at `typicalRate`). A departure's novelty
 * is how far it exceeds that maximum, in units of the maximum's own height above typical: 0 when it
 * equals the largest seen, 1 when it exceeds it by as much again. Measuring against the series' own
 * record, not a z-score, makes the score independent of the series' scale and noise model: a value is
 * alarming when it is unprecedented for this series, and a series with regular large spikes learns
 * that those are normal. Works on its slice of a detector's state (at `p` in the state array: one instance serves
 * many detectors).
 */
export class NoveltyMemory {
  /** State values this component keeps in the detector's buffer. */
  static readonly SIZE = 2 * DEPARTURE_KINDS.length;
  private readonly keep: number;

  constructor(
    private readonly b: number,
    private readonly o: DetectorOptions,
  ) {
    this.keep = Math.pow(0.5, 1 / o.memoryHalfLife);
  }

  /**
   * Novelty of `departure` of kind index `k` against the memory (before remembering it); any real
   * number. `resolution` is the smallest height of a record above typical that counts as a
   * departure at all: below it the kind has been flat, and the flat value itself scores far below 0
   * while anything beyond the resolution is far above it.
   */
  novelty(s: Float64Array, p: number, k: number, departure: number, resolution: number): number {
    const b = this.b + p;
    const peak = s[b + k]!;
    const height = peak - s[b + TYPICAL + k]!;
    const steady = FLAT_SHARE * peak > resolution ? FLAT_SHARE * peak : resolution;
    const novelty = (departure - peak) / (height > resolution ? height : resolution);
    return height >= steady ? novelty : novelty - FLAT_PENALTY * (1 - (height > 0 ? height : 0) / steady);
  }

  /** Remembers a departure of kind index `k`, after its novelty was taken. */
  remember(s: Float64Array, p: number, k: number, departure: number): void {
    const b = this.b + p;
    const decayed = s[b + k]! * this.keep;
    s[b + k] = departure > decayed ? departure : decayed;
    const t = b + TYPICAL + k;
    s[t]! += this.o.typicalRate * (departure - s[t]!);
  }
}
