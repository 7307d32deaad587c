import type { MetricSnapshot } from '../model/snapshot.js';

/** A listener of accepted snapshot batches. */
export type SnapshotListener = (snapshots: readonly MetricSnapshot[]) => void;

/**
 * The engine's accepted snapshots for whoever watches live (the dashboard's SSE stream): the stage
 * fan-out publishes each batch once; subscribers come and go. A failing subscriber does not stop the others.
 */
export class LiveFeed {
  readonly #listeners = new Set<SnapshotListener>();

  publish(snapshots: readonly MetricSnapshot[]): void {
    for (const l of this.#listeners) {
      try {
        l(snapshots);
      } catch {
        // A broken connection's listener is removed by its own close handler.
      }
    }
  }

  /** Adds a listener; the returned function removes it. */
  subscribe(listener: SnapshotListener): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  get size(): number {
    return this.#listeners.size;
  }
}
