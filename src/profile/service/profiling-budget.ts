/** Limits of automatic profiling. */
export interface BudgetLimits {
  /** A target profiled automatically is not profiled automatically again for this long, seconds. */
  readonly cooldownSeconds: number;
  /** Most automatic profiles started in any sliding hour. */
  readonly maxPerHour: number;
  /** Most recording time in any sliding hour, as a percentage of the hour (summed over every profile counted). */
  readonly maxTimePct: number;
}

/** Why an automatic profile may not start now. */
export type BudgetRefusal =
  | { readonly reason: 'cooldown'; readonly retryInMs: number }
  | { readonly reason: 'hourly_count'; readonly retryInMs: number }
  | { readonly reason: 'time_share'; readonly retryInMs: number };

/** The decision: allowed, or refused with the reason and when asking again could succeed. */
export type BudgetDecision = { readonly ok: true } | ({ readonly ok: false } & BudgetRefusal);

interface Spent {
  readonly target: string;
  readonly at: number;
  readonly durationMs: number;
}

const HOUR_MS = 3_600_000;

/**
 * The budget that keeps automatic profiling from becoming the bottleneck: a cooldown per target,
 * at most `maxPerHour` automatic profiles in any sliding hour, and at most `maxTimePct` of the hour
 * spent recording. Pure: the caller passes the clock. Recording time counts from the start of a
 * profile for its planned duration, so a burst of triggers cannot overshoot while profiles run.
 */
export class ProfilingBudget {
  readonly #spent: Spent[] = [];
  readonly #lastByTarget = new Map<string, number>();

  constructor(private limits: BudgetLimits) {}

  /** Replaces the limits (live configuration); what was spent stays counted. */
  setLimits(limits: BudgetLimits): void {
    this.limits = limits;
  }

  /** Whether an automatic profile of `target` lasting `durationMs` may start at `now`. */
  check(target: string, durationMs: number, now: number): BudgetDecision {
    this.#forget(now);
    const last = this.#lastByTarget.get(target);
    const cooldownMs = this.limits.cooldownSeconds * 1000;
    if (last !== undefined && now - last < cooldownMs) return { ok: false, reason: 'cooldown', retryInMs: last + cooldownMs - now };
    if (this.#spent.length >= this.limits.maxPerHour) {
      const oldest = this.#spent[0];
      return { ok: false, reason: 'hourly_count', retryInMs: oldest ? oldest.at + HOUR_MS - now : HOUR_MS };
    }
    const allowedMs = (this.limits.maxTimePct / 100) * HOUR_MS;
    const used = this.#spent.reduce((sum, s) => sum + s.durationMs, 0);
    if (used + durationMs > allowedMs) {
      // Room comes back as the oldest profiles leave the window.
      let freed = used + durationMs - allowedMs;
      let retry = HOUR_MS;
      for (const s of this.#spent) {
        freed -= s.durationMs;
        retry = s.at + HOUR_MS - now;
        if (freed <= 0) break;
      }
      return { ok: false, reason: 'time_share', retryInMs: freed <= 0 ? retry : HOUR_MS };
    }
    return { ok: true };
  }

  /** Counts an automatic profile of `target` started at `now`. */
  record(target: string, durationMs: number, now: number): void {
    this.#spent.push({ target, at: now, durationMs });
    this.#lastByTarget.set(target, now);
  }

  /** What was spent in the hour before `now`: profiles and recording milliseconds. */
  usage(now: number): { readonly profiles: number; readonly recordingMs: number } {
    this.#forget(now);
    return { profiles: this.#spent.length, recordingMs: this.#spent.reduce((sum, s) => sum + s.durationMs, 0) };
  }

  #forget(now: number): void {
    while (this.#spent.length > 0 && this.#spent[0]!.at <= now - HOUR_MS) this.#spent.shift();
    const cooldownMs = this.limits.cooldownSeconds * 1000;
    for (const [target, at] of this.#lastByTarget) if (now - at >= Math.max(cooldownMs, HOUR_MS)) this.#lastByTarget.delete(target);
  }
}
