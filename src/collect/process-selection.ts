import { USER_HZ } from './process-metrics.js';

/** A process that matched the watch patterns, as far as choosing which to watch goes. */
export interface WatchCandidate {
  readonly pid: number;
  /** Start time in ticks after boot (/proc/<pid>/stat). */
  readonly starttime: number;
  /** Whether it was watched at the previous tick. */
  readonly watched: boolean;
}

/**
 * Whether a process has run for at least `minAgeSeconds`, from the seconds since boot and its
 * start time in ticks after boot. True when the uptime is unknown: better watch a short-lived
 * process than miss every process.
 */
export function isOldEnough(uptimeSeconds: number | undefined, starttime: number, minAgeSeconds: number): boolean {
  return uptimeSeconds === undefined || uptimeSeconds - starttime / USER_HZ >= minAgeSeconds;
}

/**
 * Picks at most `max` candidates to watch: those already watched keep their place (a series does
 * not come and go with its neighbours), free places go to the oldest (smallest starttime, then pid),
 * so a long-running service is never pushed out by a burst of new processes. Returns the chosen in
 * start order and how many were left out.
 */
export function selectWatched<T extends WatchCandidate>(candidates: readonly T[], max: number): { chosen: T[]; skipped: number } {
  const byAge = [...candidates].sort((a, b) => a.starttime - b.starttime || a.pid - b.pid);
  if (byAge.length <= max) return { chosen: byAge, skipped: 0 };
  const kept = byAge.filter((c) => c.watched).slice(0, max);
  const free = max - kept.length;
  const added = byAge.filter((c) => !c.watched).slice(0, free);
  const picked = new Set<T>([...kept, ...added]);
  return { chosen: byAge.filter((c) => picked.has(c)), skipped: byAge.length - picked.size };
}

/**
 * Source names of watched processes: the first live process of an identity is named by the
 * identity itself, each further one at the same time by `<identity>:<n>` with the lowest free
 * n from 2. A name is held until released, so it never changes while its process lives.
 */
export class SourceNames {
  readonly #taken = new Map<string, Set<number>>();

  /** A name for a newly watched process of `identity`, with the ordinal to release it by. */
  acquire(identity: string): { name: string; ordinal: number } {
    let taken = this.#taken.get(identity);
    if (taken === undefined) {
      taken = new Set();
      this.#taken.set(identity, taken);
    }
    let ordinal = 1;
    while (taken.has(ordinal)) ordinal++;
    taken.add(ordinal);
    return { name: ordinal === 1 ? identity : `${identity}:${ordinal}`, ordinal };
  }

  /** Frees a name once its process is no longer watched. */
  release(identity: string, ordinal: number): void {
    const taken = this.#taken.get(identity);
    taken?.delete(ordinal);
    if (taken?.size === 0) this.#taken.delete(identity);
  }
}

/**
 * Decides when to say that the cap left processes out: at the first tick that does, then at most
 * once per `everyMs` while the cap keeps doing so, so a busy host gets one line, not one per tick.
 */
export class CapNotice {
  #lastAtMs: number | undefined;

  constructor(private readonly everyMs: number) {}

  /** Whether to log now, given how many processes this tick left out. */
  due(skipped: number, nowMs: number): boolean {
    if (skipped === 0) return false;
    if (this.#lastAtMs !== undefined && nowMs - this.#lastAtMs < this.everyMs) return false;
    this.#lastAtMs = nowMs;
    return true;
  }
}
