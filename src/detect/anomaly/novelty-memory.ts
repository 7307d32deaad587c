import type { DetectorOptions } from './options.js';

/** The departures the detector judges, each a non-negative number in the series' own units or a ratio. */
export const DEPARTURE_KINDS = ['above', 'below', 'burst', 'calm', 'shift'] as const;
/** One kind of departure from normal behaviour. */
export type DepartureKind = (typeof DEPARTURE_KINDS)[number];

/**
 * Memory of the largest departure of each kind seen so far, decaying with a half-life in samples. A
 * departure's novelty is its ratio to that memory: above 1 it is larger than anything seen lately.
 * Ratios, not z-scores, make the score independent of the series' scale and noise model: a value is
 * alarming when it is unprecedented for this series, whatever its distribution.
 */
export class NoveltyMemory {
  /** State values this component keeps in the detector's buffer. */
  static readonly SIZE = DEPARTURE_KINDS.length;
  private readonly keep: number;

  constructor(
    private readonly s: Float64Array,
    private readonly b: number,
    o: DetectorOptions,
  ) {
    this.keep = Math.pow(0.5, 1 / o.memoryHalfLife);
  }

  /** Novelty ratio of `departure` of kind index `k` against the memory (before remembering it). */
  novelty(k: number, departure: number): number {
    const peak = this.s[this.b + k]!;
    return departure / (peak > 1e-300 ? peak : 1e-300);
  }

  /** Remembers a departure of kind index `k`, after its novelty was taken. */
  remember(k: number, departure: number): void {
    const decayed = this.s[this.b + k]! * this.keep;
    this.s[this.b + k] = departure > decayed ? departure : decayed;
  }
}
