import type { SeriesEntry } from './series-entry.js';

/** What a new series starts from: its saved detector state and the stored samples after it. */
export interface SeriesLoad {
  /** Saved detector snapshot, or null. */
  readonly state: Uint8Array | null;
  /** Stored samples after the saved state and before the first live sample, oldest first. */
  readonly timestamps: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

/** A series to load, with the time of its first live sample (history stops before it). */
export interface LoadRequest {
  readonly source: string;
  readonly metric: string;
  readonly before: number;
}

/** A loader's answer for a series it did not read this time: queue it again (first in line). */
export const LOAD_AGAIN = Symbol('load again');

/** Loads series in a batch; one result per request, in order (null: nothing saved or stored; {@link LOAD_AGAIN}: not read, ask again). */
export type SeriesLoader = (requests: readonly LoadRequest[]) => Promise<readonly (SeriesLoad | null | typeof LOAD_AGAIN)[]>;

/** A detector state handed out for saving. */
export interface SavedState {
  readonly source: string;
  readonly metric: string;
  readonly state: Uint8Array;
  readonly lastTs: number;
}

/**
 * Series waiting for their load, read in batches by the loader, one batch at a time. A batch is
 * started on the next microtask, so the new series of one message go in one batch.
 */
export class LoadQueue {
  #queue: SeriesEntry[] = [];
  #inFlight = false;

  constructor(
    private readonly loader: SeriesLoader,
    private readonly batchSize: () => number,
    private readonly finish: (entry: SeriesEntry, load: SeriesLoad | null) => void,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** True while a batch is being read or series wait. */
  get busy(): boolean {
    return this.#inFlight || this.#queue.length > 0;
  }

  /** Queues a loading series (its buffer holds its first sample). */
  enqueue(e: SeriesEntry): void {
    this.#queue.push(e);
    if (this.#queue.length === 1) queueMicrotask(() => this.#pump());
  }

  #pump(): void {
    if (this.#inFlight) return;
    // Series that gave up waiting (buffer overflow) have no buffer any more.
    const batch = this.#queue.splice(0, this.batchSize()).filter((e) => e.buffer !== null);
    if (batch.length === 0) {
      if (this.#queue.length > 0) this.#pump();
      return;
    }
    this.#inFlight = true;
    const requests = batch.map((e) => ({ source: e.source, metric: e.metric, before: e.buffer!.length > 0 ? e.buffer![0]! : e.lastTs }));
    this.loader(requests)
      .then(
        (loads) => {
          const again = batch.filter((_, i) => loads[i] === LOAD_AGAIN);
          if (again.length > 0) this.#queue.unshift(...again);
          batch.forEach((e, i) => {
            const load = loads[i];
            if (load !== LOAD_AGAIN) this.finish(e, load ?? null);
          });
        },
        (err: unknown) => {
          this.onError(err);
          for (const e of batch) this.finish(e, null);
        },
      )
      .finally(() => {
        this.#inFlight = false;
        this.#pump();
      });
  }
}
