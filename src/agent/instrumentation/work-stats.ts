import { performance } from 'node:perf_hooks';
import { LogHistogram } from './log-histogram.js';

/** What one interval of work amounted to. */
export interface WorkInterval {
  readonly calls: number;
  readonly errors: number;
  /** 95th percentile of the durations of the calls that ended in the interval, ms; null without calls. */
  readonly p95Ms: number | null;
  /** Mean of the calls in progress (running or queued) over the interval. */
  readonly meanDepth: number;
}

/** Timed calls aimed at per second once calls are many, by default: 3,840 per 15-s interval, a stable p95. */
export const DEFAULT_TIMED_PER_SECOND = 256;
/** Calls between two checks of the call rate (the only clock read untimed calls ever cost). */
const RATE_CHECK_CALLS = 1024;

/** The sampling period at `perSecond` calls a second: 1 in this many calls is timed on average (a power of two). */
export function samplingPeriod(perSecond: number, timedPerSecond: number): number {
  return Math.max(1, 2 ** Math.floor(Math.log2(Math.max(1, perSecond / timedPerSecond))));
}

/**
 * Counters of a kind of work (handler calls, database queries) between two readings. Counts are
 * exact; durations are timed on every call below 2 × `timedPerSecond` calls a second, and above
 * on a random 1 in k calls (k a power of two, from the rate measured every 1,024 calls, so that
 * `timedPerSecond` to twice as many calls a second are timed), because reading the clock twice is
 * most of the cost of instrumenting a cheap call. The mean number of calls in progress follows
 * from Little's law (rate × mean duration of the calls that ended); an interval in which none
 * ended reports the calls still in progress, so that a stuck agent does not read as idle.
 */
export class WorkStats {
  readonly #latency = new LogHistogram();
  #calls = 0;
  #errors = 0;
  #timed = 0;
  #timedSum = 0;
  #inProgress = 0;
  #period = 1;
  #countdown = 1;
  #sinceCheck = 0;
  #checkedAt: number;
  #intervalStart: number;

  /**
   * `clock` is `performance.now()` unless a test drives time itself; `timedPerSecond` (> 0) is
   * how many calls a second are timed once calls are more than twice as many.
   */
  constructor(
    now: number,
    private readonly clock: () => number = () => performance.now(),
    private readonly timedPerSecond = DEFAULT_TIMED_PER_SECOND,
  ) {
    if (!(timedPerSecond > 0) || !Number.isFinite(timedPerSecond)) throw new RangeError(`timedPerSecond must be a finite number above 0, not ${timedPerSecond}`);
    this.#intervalStart = now;
    this.#checkedAt = now;
  }

  /** A call arrives; true when this one is to be timed (the caller then reads the clock). */
  begin(): boolean {
    this.#inProgress++;
    if (++this.#sinceCheck === RATE_CHECK_CALLS) this.#adapt();
    if (--this.#countdown > 0) return false;
    this.#countdown = this.#period === 1 ? 1 : 1 + Math.floor(Math.random() * (2 * this.#period - 1));
    return true;
  }

  #adapt(): void {
    const now = this.clock();
    const perSecond = (1000 * this.#sinceCheck) / Math.max(1e-3, now - this.#checkedAt);
    this.#period = samplingPeriod(perSecond, this.timedPerSecond);
    this.#countdown = Math.min(this.#countdown, this.#period);
    this.#sinceCheck = 0;
    this.#checkedAt = now;
  }

  /** A call ended; `durationMs` is its duration when it was timed, else a negative number. */
  end(durationMs: number, failed: boolean): void {
    this.#inProgress--;
    this.#calls++;
    if (failed) this.#errors++;
    if (durationMs >= 0) {
      this.#timed++;
      this.#timedSum += durationMs;
      this.#latency.record(durationMs);
    }
  }

  /** Calls in progress right now. */
  get depth(): number {
    return this.#inProgress;
  }

  /** Reads the interval that ends at `now` (ms, `performance.now()`) and starts the next one. */
  drain(now: number): WorkInterval {
    const span = now - this.#intervalStart;
    const meanDuration = this.#timed > 0 ? this.#timedSum / this.#timed : 0;
    const littles = span > 0 ? (this.#calls * meanDuration) / span : 0;
    const out: WorkInterval = {
      calls: this.#calls,
      errors: this.#errors,
      p95Ms: this.#timed > 0 ? this.#latency.percentile(95) : null,
      meanDepth: this.#calls > 0 ? littles : this.#inProgress,
    };
    this.#latency.reset();
    this.#calls = 0;
    this.#errors = 0;
    this.#timed = 0;
    this.#timedSum = 0;
    this.#intervalStart = now;
    return out;
  }
}
