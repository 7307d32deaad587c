import type { Logger } from 'pino';

/**
 * One warning line per receiver per `everyMs` at most: a dead receiver fails on every attempt and
 * must not flood the log. The next line written says how many were left out (`suppressed`).
 */
export class FailureLog {
  #lastAt = -Infinity;
  #suppressed = 0;

  constructor(
    private readonly log: Logger,
    private readonly fields: Readonly<Record<string, unknown>>,
    private readonly everyMs: number,
    private readonly now: () => number,
  ) {}

  /** Writes the line unless one was written within the window; true when written. */
  warn(error: string, msg: string): boolean {
    const now = this.now();
    if (now - this.#lastAt < this.everyMs) {
      this.#suppressed++;
      return false;
    }
    this.log.warn({ ...this.fields, error, suppressed: this.#suppressed }, msg);
    this.#lastAt = now;
    this.#suppressed = 0;
    return true;
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(t);
      resolve(false);
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
