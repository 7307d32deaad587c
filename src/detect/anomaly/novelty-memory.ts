import type { DetectorOptions } from './options.js';

/** The departures the detector judges, each a non-negative number in the series' own units or a ratio. */
export const DEPARTURE_KINDS = ['above', 'below', 'burst', 'calm', 'shift'] as const;
/** One kind of departure from normal behaviour. */
export type DepartureKind = (typeof DEPARTURE_KINDS)[number];

/** Offset of the typical departures after the maxima. */
const TYPICAL = DEPARTURE_KINDS.length;

/**
 * Memory, per kind of departure, of the largest departure seen lately (a maximum decaying with
 * `memoryHalfLife` samples) and of the typical one (an EWMA at `typicalRate`). A departure's novelty
 * is how far it exceeds that maximum, in units of the maximum's own height above typical: 0 when it
 * equals the largest seen, 1 when it exceeds it by as much again. Measuring against the series' own
 * record, not a z-score, makes the score independent of the series' scale and noise model: a value is
 * alarming when it is unprecedented for this series, and a series with regular large spikes learns
 * that those are normal.
 */
export class NoveltyMemory {
  /** State values this component keeps in the detector's buffer. */
  static readonly SIZE = 2 * DEPARTURE_KINDS.length;
  private readonly keep: number;

  constructor(
    private readonly s: Float64Array,
    private readonly b: number,
    private readonly o: DetectorOptions,
  ) {
    this.keep = Math.pow(0.5, 1 / o.memoryHalfLife);
  }

  /** Novelty of `departure` of kind index `k` against the memory (before remembering it); any real number. */
  novelty(k: number, departure: number): number {
    const peak = this.s[this.b + k]!;
    const height = peak - this.s[this.b + TYPICAL + k]!;
    return (departure - peak) / (height > 1e-300 ? height : 1e-300);
  }

  /** Remembers a departure of kind index `k`, after its novelty was taken. */
  remember(k: number, departure: number): void {
    const decayed = this.s[this.b + k]! * this.keep;
    this.s[this.b + k] = departure > decayed ? departure : decayed;
    const t = this.b + TYPICAL + k;
    this.s[t]! += this.o.typicalRate * (departure - this.s[t]!);
  }
}
