import type { SampleFollower } from './detection-events.js';

/**
 * One series held by the detection manager. It is in one of three states: unstarted (no sample
 * yet: created by a follower), loading (samples buffered while its saved state and history are
 * read), or ready (`slot` set). Kept small: it sits beside every detector.
 */
export class SeriesEntry {
  /** Its detector's slot in the manager's detector store; -1 until ready. */
  slot = -1;
  /** Buffered samples while loading, as [ts, value, ts, value, ...]; null otherwise. */
  buffer: number[] | null = null;
  /** Newest sample accepted (event time). */
  lastTs = Number.NEGATIVE_INFINITY;
  /** Manager clock at the latest update, for least-recently-updated eviction. */
  touched = 0;
  /** Updated since its state was last handed out for saving. */
  dirty = false;
  followers: SampleFollower[] | null = null;

  constructor(
    readonly source: string,
    readonly metric: string,
  ) {}
}

/**
 * The series of one source. Besides the map by metric, it remembers the metric names of the
 * source's latest snapshot and their entries, in order: agents report the same names snapshot
 * after snapshot, so most samples find their entry by one string comparison instead of a lookup.
 */
export class SourceSeries {
  readonly byMetric = new Map<string, SeriesEntry>();
  names: string[] = [];
  entries: SeriesEntry[] = [];
  /** Series of the source waiting for their load. */
  loading = 0;

  /** Forgets the remembered order (after an entry was removed). */
  resetOrder(): void {
    this.names = [];
    this.entries = [];
  }
}

/**
 * Picks the `excess` least recently updated entries that may be evicted (followed and loading
 * ones are kept): the cut-off clock is found by selection in O(n), and callers evict a slack of
 * a few percent at a time, so the cost per new series stays small.
 */
export function pickVictims(sources: Iterable<SourceSeries>, excess: number): SeriesEntry[] {
  const candidates: SeriesEntry[] = [];
  for (const src of sources) {
    for (const e of src.byMetric.values()) if (e.followers === null && e.buffer === null) candidates.push(e);
  }
  if (candidates.length <= excess) return candidates;
  const clocks = new Float64Array(candidates.length);
  for (let i = 0; i < candidates.length; i++) clocks[i] = candidates[i]!.touched;
  const cut = kthSmallest(clocks, excess - 1);
  const victims: SeriesEntry[] = [];
  for (const e of candidates) {
    if (e.touched < cut) victims.push(e);
  }
  for (const e of candidates) {
    if (victims.length >= excess) break;
    if (e.touched === cut) victims.push(e);
  }
  return victims;
}

/** The k-th smallest value (0-based) of `a`, by quickselect (reorders `a`). */
export function kthSmallest(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i++] = a[j]!;
        a[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}
