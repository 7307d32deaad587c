import type { Logger } from 'pino';

/** Shortest time between two lines of one key, unless told otherwise. */
export const DEFAULT_LOG_EVERY_MS = 10_000;

/** Levels a rate-limited line may have. */
export type LimitedLevel = 'error' | 'warn' | 'info';

/** The fields of a line, or a function building them (only called when the line is written). */
export type LineFields = Record<string, unknown> | (() => Record<string, unknown>);

/** Most keys remembered; beyond, the memory is cleared (keys are subjects and codes, a short list). */
const MAX_KEYS = 10_000;

/**
 * Writes at most one line per key per `everyMs`; the lines left out are counted and the next line
 * of that key carries `suppressed` (how many since the previous one). It is for every line an
 * outside party can provoke at will (a rejected message, a handler that throws on crafted input,
 * a write the database refuses): a flood of those must neither flood the log nor spend the CPU on
 * formatting a stack trace per message. Fields can be given as a function so that nothing is
 * built for a line that is left out.
 */
export class RateLimitedLog {
  readonly #last = new Map<string, number>();
  readonly #suppressed = new Map<string, number>();
  #suppressedTotal = 0;

  constructor(
    readonly log: Logger,
    private readonly everyMs = DEFAULT_LOG_EVERY_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Writes the line unless one of `key` was written within the window; true when written. */
  write(level: LimitedLevel, key: string, fields: LineFields, msg: string): boolean {
    const t = this.now();
    const last = this.#last.get(key);
    if (last !== undefined && t - last < this.everyMs) {
      this.#suppressed.set(key, (this.#suppressed.get(key) ?? 0) + 1);
      this.#suppressedTotal++;
      return false;
    }
    if (this.#last.size >= MAX_KEYS && last === undefined) {
      this.#last.clear();
      this.#suppressed.clear();
    }
    const suppressed = this.#suppressed.get(key) ?? 0;
    this.#last.set(key, t);
    this.#suppressed.set(key, 0);
    const f = typeof fields === 'function' ? fields() : fields;
    this.log[level](suppressed > 0 ? { ...f, suppressed } : f, msg);
    return true;
  }

  /** `write` at level error. */
  error(key: string, fields: LineFields, msg: string): boolean {
    return this.write('error', key, fields, msg);
  }

  /** `write` at level warn. */
  warn(key: string, fields: LineFields, msg: string): boolean {
    return this.write('warn', key, fields, msg);
  }

  /** `write` at level info. */
  info(key: string, fields: LineFields, msg: string): boolean {
    return this.write('info', key, fields, msg);
  }

  /** Lines left out so far, over every key. */
  get suppressedTotal(): number {
    return this.#suppressedTotal;
  }
}
