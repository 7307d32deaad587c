import type { Severity } from '../model/severity.js';
import { compileGlob } from './glob.js';

/** A silence: notifications of matching alerts are held back between `startsAt` and `endsAt` (wall clock, epoch ms). */
export interface Silence {
  readonly id: string;
  /** Glob on the source (`*` and `?`). */
  readonly sourceGlob: string;
  /** Glob on the metric; `*` for every metric. */
  readonly metricGlob: string;
  /** Only alerts of this severity, or null for any. */
  readonly severity: Severity | null;
  readonly startsAt: number;
  readonly endsAt: number;
  readonly comment: string;
  readonly createdBy: string | null;
  readonly createdAt: number;
}

/** What a silence is matched against. */
export interface SilenceTarget {
  readonly source: string;
  readonly metric: string;
  readonly severity: Severity;
}

/** True when `s` is in force at `now` and matches the alert's source, metric and severity. */
export function silenceMatches(s: Silence, a: SilenceTarget, now: number): boolean {
  return (
    now >= s.startsAt &&
    now < s.endsAt &&
    (s.severity === null || s.severity === a.severity) &&
    compileGlob(s.sourceGlob)(a.source) &&
    compileGlob(s.metricGlob)(a.metric)
  );
}

/** The first silence in force that matches the alert, or null. */
export function findSilence(silences: readonly Silence[], a: SilenceTarget, now: number): Silence | null {
  return silences.find((s) => silenceMatches(s, a, now)) ?? null;
}
