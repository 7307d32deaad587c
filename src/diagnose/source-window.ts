import { DIAGNOSTIC_METRICS } from './diagnostic-metrics.js';
import type { SourceReferences } from './source-references.js';

/** The reference of one metric: its baseline before the departure under diagnosis. */
export interface MetricRef {
  readonly baseline: number;
  readonly spread: number;
  /** Event time it was taken (epoch ms). */
  readonly at: number;
  /** Snapshots its level had been learned from. */
  readonly samples: number;
}

/** Frames kept per watched source: 2 minutes at 1 s, 30 minutes at 15 s. */
export const WINDOW_FRAMES = 120;

/**
 * The recent frames (snapshots) of one watched source, for the diagnostic metrics only, in a ring,
 * and the reference of each metric. References follow the source's in-stream levels while a metric
 * is normal and stay where they were while it departs, or when frozen (a signature is pending or a
 * bottleneck open), so a bottleneck is measured against the baseline before it.
 */
export class SourceWindow {
  readonly #ts = new Float64Array(WINDOW_FRAMES);
  readonly #values = new Map<string, Float64Array>();
  readonly #refs = new Map<string, MetricRef>();
  #head = -1;
  #count = 0;

  /** Frames held. */
  get size(): number {
    return this.#count;
  }

  /** Timestamp of the latest frame, NaN before any. */
  get lastTs(): number {
    return this.#count === 0 ? Number.NaN : this.#ts[this.#head]!;
  }

  /** Adds a frame: the diagnostic metrics of one snapshot (others are ignored). */
  push(timestamp: number, metrics: Readonly<Record<string, number>>): void {
    this.#head = (this.#head + 1) % WINDOW_FRAMES;
    if (this.#count < WINDOW_FRAMES) this.#count++;
    this.#ts[this.#head] = timestamp;
    for (const name of DIAGNOSTIC_METRICS) {
      const v = metrics[name];
      let arr = this.#values.get(name);
      if (v === undefined) {
        if (arr) arr[this.#head] = Number.NaN;
        continue;
      }
      if (!arr) {
        arr = new Float64Array(WINDOW_FRAMES).fill(Number.NaN);
        this.#values.set(name, arr);
      }
      arr[this.#head] = v;
    }
  }

  /** Metrics seen in the frames held. */
  metrics(): IterableIterator<string> {
    return this.#values.keys();
  }

  /** Value of `metric` `back` frames ago (0: the latest), NaN when absent. */
  value(metric: string, back = 0): number {
    const arr = this.#values.get(metric);
    if (!arr || back >= this.#count) return Number.NaN;
    return arr[(this.#head - back + WINDOW_FRAMES) % WINDOW_FRAMES]!;
  }

  /** Timestamp `back` frames ago. */
  timestamp(back = 0): number {
    if (back >= this.#count) return Number.NaN;
    return this.#ts[(this.#head - back + WINDOW_FRAMES) % WINDOW_FRAMES]!;
  }

  /** The last `frames` frames of a metric with timestamps, oldest first, skipping frames without it. */
  series(metric: string, frames = this.#count): { ts: number[]; values: number[] } {
    const ts: number[] = [];
    const values: number[] = [];
    const arr = this.#values.get(metric);
    if (!arr) return { ts, values };
    for (let back = Math.min(frames, this.#count) - 1; back >= 0; back--) {
      const i = (this.#head - back + WINDOW_FRAMES) % WINDOW_FRAMES;
      if (!Number.isNaN(arr[i]!)) {
        ts.push(this.#ts[i]!);
        values.push(arr[i]!);
      }
    }
    return { ts, values };
  }

  /** The reference of a metric, or undefined when none could be taken yet. */
  ref(metric: string): MetricRef | undefined {
    return this.#refs.get(metric);
  }

  /** Every reference (for saving an open bottleneck). */
  refs(): ReadonlyMap<string, MetricRef> {
    return this.#refs;
  }

  /** Restores saved references. */
  restoreRefs(refs: Readonly<Record<string, MetricRef>>): void {
    for (const [k, r] of Object.entries(refs)) this.#refs.set(k, r);
  }

  /**
   * Updates the references from the source's in-stream levels after the frame at `ts`: a metric
   * gets its first reference as soon as its level is known; later, its reference follows the level
   * only while its value is normal (within `normalSpreads` of the level) and references are not
   * `frozen`, so a departing metric keeps the baseline from before it.
   */
  followRefs(levels: SourceReferences, metrics: Readonly<Record<string, number>>, ts: number, frozen: boolean, normalSpreads = 3): void {
    for (const metric of this.#values.keys()) {
      const x = metrics[metric];
      const level = levels.level(metric);
      if (x === undefined || Number.isNaN(level)) continue;
      const spread = levels.spread(metric);
      const current = this.#refs.get(metric);
      if (current !== undefined && (frozen || Math.abs(x - level) > normalSpreads * Math.max(spread, Math.abs(level) * 1e-3))) continue;
      this.#refs.set(metric, { baseline: level, spread, at: ts, samples: levels.samples(metric) });
    }
  }
}
