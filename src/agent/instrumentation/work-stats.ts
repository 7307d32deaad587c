import { LogHistogram } from './log-histogram.js';

/** What one interval of work amounted to. */
export interface WorkInterval {
  readonly calls: number;
  readonly errors: number;
  /** 95th percentile of the durations of the calls that ended in the interval, ms; null without calls. */
  readonly p95Ms: number | null;
  /** Time-weighted mean of the calls in progress (running or queued) over the interval. */
  readonly meanDepth: number;
}

/**
 * Counters of a kind of work (handler calls, database queries) between two readings: calls,
 * failures, a duration histogram, and the time-weighted number of calls in progress. Times are
 * `performance.now()` milliseconds passed in by the caller, who already reads the clock to time
 * the call, so that recording costs no extra clock read.
 */
export class WorkStats {
  readonly #latency = new LogHistogram();
  #calls = 0;
  #errors = 0;
  #depth = 0;
  #depthArea = 0;
  #depthSince: number;
  #intervalStart: number;

  constructor(now: number) {
    this.#depthSince = now;
    this.#intervalStart = now;
  }

  /** A call arrived (queued or started) at `now`. */
  begin(now: number): void {
    this.#depthArea += this.#depth * (now - this.#depthSince);
    this.#depthSince = now;
    this.#depth++;
  }

  /** A call that began at `startedAt` ended at `now`. */
  end(now: number, startedAt: number, failed: boolean): void {
    this.#depthArea += this.#depth * (now - this.#depthSince);
    this.#depthSince = now;
    this.#depth--;
    this.#calls++;
    if (failed) this.#errors++;
    this.#latency.record(now - startedAt);
  }

  /** Calls in progress right now. */
  get depth(): number {
    return this.#depth;
  }

  /** Reads the interval that ends at `now` and starts the next one. */
  drain(now: number): WorkInterval {
    const area = this.#depthArea + this.#depth * (now - this.#depthSince);
    const span = now - this.#intervalStart;
    const out: WorkInterval = {
      calls: this.#calls,
      errors: this.#errors,
      p95Ms: this.#calls > 0 ? this.#latency.percentile(95) : null,
      meanDepth: span > 0 ? area / span : this.#depth,
    };
    this.#latency.reset();
    this.#calls = 0;
    this.#errors = 0;
    this.#depthArea = 0;
    this.#depthSince = now;
    this.#intervalStart = now;
    return out;
  }
}
