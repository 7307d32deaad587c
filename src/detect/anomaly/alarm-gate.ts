import type { DetectorOptions } from './options.js';

const PEAK = 0;
const AGE = 1;

/**
 * Refractory period after an alarm: for `refractory` samples after a score of at least `alarmScore`,
 * only a score above the episode's peak so far is emitted (and becomes the new peak); lesser scores
 * are emitted as 0. One episode then raises one alarm at any threshold, plus one per escalation.
 * Works on its slice of a detector's state (at `p` in the state array: one instance serves many detectors).
 */
export class AlarmGate {
  /** State values this component keeps in the detector's buffer. */
  static readonly SIZE = 2;

  constructor(
    private readonly b: number,
    private readonly o: DetectorOptions,
  ) {}

  /** Writes the initial state of a fresh detector. */
  init(s: Float64Array, p: number): void {
    s[this.b + p + AGE] = Number.MAX_VALUE;
  }

  /** Passes one score through the gate; returns the score to emit. */
  pass(s: Float64Array, p: number, score: number): number {
    const b = this.b + p;
    const age = ++s[b + AGE]!;
    if (age <= this.o.refractory) {
      if (score <= s[b + PEAK]!) return 0;
      s[b + PEAK] = score;
      s[b + AGE] = 0;
      return score;
    }
    if (score >= this.o.alarmScore) {
      s[b + PEAK] = score;
      s[b + AGE] = 0;
    }
    return score;
  }
}
