import { DetectorStore, type SeriesDetail } from '../anomaly/index.js';
import type { MetricSnapshot } from '../../model/snapshot.js';
import type { Anomaly, AnomalyListener, DetectionEvents, SampleFollower } from './detection-events.js';
import { pickVictims, SeriesEntry, SourceSeries } from './series-entry.js';
import { LoadQueue, type SavedState, type SeriesLoad, type SeriesLoader } from './series-load.js';

export type { LoadRequest, SavedState, SeriesLoad, SeriesLoader } from './series-load.js';

/** Settings of the manager; `maxSeries` and `anomalyScore` may change live. */
export interface ManagerOptions {
  readonly maxSeries: number;
  readonly anomalyScore: number;
  /** Series per loader call. */
  readonly loadBatch?: number;
  /** Series waiting for their load beyond which new series start cold. */
  readonly maxLoading?: number;
  /** Samples buffered per loading series beyond which it starts cold without its load. */
  readonly maxBufferedPerSeries?: number;
}

/** Counters of the manager. */
export interface ManagerStats {
  readonly series: number;
  readonly loading: number;
  readonly samples: number;
  readonly late: number;
  readonly anomalies: number;
  readonly evicted: number;
  readonly loadsStartedCold: number;
  readonly loadErrors: number;
  readonly restoreErrors: number;
  readonly listenerErrors: number;
}

const keyOf = (source: string, metric: string) => `${source}\u0000${metric}`;

/**
 * Feeds every sample to its series' detector in event time (the snapshot's timestamp). A series'
 * first sample creates its detector from its saved state and stored history (read in batches by
 * the loader while its samples are buffered); a sample older than the series' newest is counted
 * and skipped. At most `maxSeries` series are held: the least recently updated are evicted, their
 * state handed out for saving. Synchronous and I/O-free apart from the injected loader.
 */
export class DetectionManager implements DetectionEvents {
  readonly #sources = new Map<string, SourceSeries>();
  /** Every ready series' detector, by its entry's slot. */
  readonly #store = new DetectorStore();
  readonly #listeners: AnomalyListener[] = [];
  readonly #readyListeners: ((source: string) => void)[] = [];
  /** States of evicted series not yet saved, by key: reused if the series comes back first. */
  readonly #evicted = new Map<string, SavedState>();
  #opts: Required<ManagerOptions>;
  #count = 0;
  #loading = 0;
  #clock = 0;
  readonly #loads: LoadQueue | null;
  readonly #stats = { samples: 0, late: 0, anomalies: 0, evicted: 0, loadsStartedCold: 0, loadErrors: 0, restoreErrors: 0, listenerErrors: 0 };

  constructor(
    opts: ManagerOptions,
    loader: SeriesLoader | null = null,
    private readonly onError: (err: unknown, what: string) => void = () => {},
  ) {
    this.#opts = { loadBatch: 200, maxLoading: 100_000, maxBufferedPerSeries: 1000, ...opts };
    this.#loads =
      loader === null
        ? null
        : new LoadQueue(loader, () => this.#opts.loadBatch, (e, load) => this.#finishLoad(e, load), (err) => {
            this.#stats.loadErrors++;
            this.onError(err, 'loading detector states failed; series start cold');
          });
  }

  /** Applies changed settings; a lower series cap evicts at once. */
  setOptions(opts: Partial<ManagerOptions>): void {
    this.#opts = { ...this.#opts, ...opts };
    if (this.#count > this.#opts.maxSeries) this.#evict();
  }

  /** Scores every sample of the snapshots (the hot path). */
  ingest(snapshots: readonly MetricSnapshot[]): void {
    const level = this.#opts.anomalyScore;
    let samples = 0;
    let late = 0;
    for (let i = 0; i < snapshots.length; i++) {
      const snap = snapshots[i]!;
      let src = this.#sources.get(snap.source);
      if (src === undefined) {
        src = new SourceSeries();
        this.#sources.set(snap.source, src);
      }
      const ts = snap.timestamp;
      const metrics = snap.metrics;
      const tick = ++this.#clock;
      const names = src.names;
      const entries = src.entries;
      let j = 0;
      let same = true;
      for (const metric in metrics) {
        let e: SeriesEntry;
        if (same && names[j] === metric) e = entries[j]!;
        else {
          if (same) {
            same = false;
            names.length = j;
            entries.length = j;
          }
          e = src.byMetric.get(metric) ?? this.#add(snap.source, metric, src);
          names.push(metric);
          entries.push(e);
        }
        j++;
        if (ts < e.lastTs) {
          late++;
          continue;
        }
        e.lastTs = ts;
        e.touched = tick;
        samples++;
        const value = metrics[metric]!;
        if (e.slot < 0) {
          this.#buffer(e, ts, value);
          continue;
        }
        const score = this.#store.update(e.slot, ts, value);
        e.dirty = true;
        if ((score >= level && score > 0) || e.followers !== null) this.#emit(e, ts, value, score);
      }
      if (j < names.length) {
        names.length = j;
        entries.length = j;
      }
    }
    this.#stats.samples += samples;
    this.#stats.late += late;
    if (this.#count > this.#opts.maxSeries) this.#evict();
  }

  /**
   * Makes every series of the snapshot ready or loading without scoring anything: new series
   * start their load (or start at once, from an evicted state or cold). True when all of the
   * snapshot's series are ready, so that scoring it now sees exactly the history a slower arrival
   * would; false while any loads, and {@link onSourceReady} tells when none of the source's does.
   */
  prepare(snapshot: MetricSnapshot): boolean {
    let src = this.#sources.get(snapshot.source);
    if (src === undefined) this.#sources.set(snapshot.source, (src = new SourceSeries()));
    // The names of the source's latest snapshot, in order, find most entries without a lookup.
    const { names, entries } = src;
    let j = 0;
    let same = true;
    let added = false;
    for (const metric in snapshot.metrics) {
      let e: SeriesEntry | undefined;
      if (same && names[j] === metric) e = entries[j]!;
      else {
        same = false;
        e = src.byMetric.get(metric);
        if (e === undefined) {
          e = this.#add(snapshot.source, metric, src);
          added = true;
        }
      }
      j++;
      if (e.slot >= 0 || e.buffer !== null) continue;
      // Nothing accepted yet: its first sample is this snapshot's (an older one would be late anyway).
      if (snapshot.timestamp > e.lastTs) e.lastTs = snapshot.timestamp;
      this.#begin(e);
    }
    if (added && this.#count > this.#opts.maxSeries) this.#evict();
    return src.loading === 0;
  }

  /** Calls `listener` with a source whenever the last of its loading series becomes ready. */
  onSourceReady(listener: (source: string) => void): void {
    this.#readyListeners.push(listener);
  }

  onAnomaly(listener: AnomalyListener): () => void {
    this.#listeners.push(listener);
    return () => {
      const i = this.#listeners.indexOf(listener);
      if (i >= 0) this.#listeners.splice(i, 1);
    };
  }

  follow(source: string, metric: string, follower: SampleFollower): () => void {
    let src = this.#sources.get(source);
    if (src === undefined) this.#sources.set(source, (src = new SourceSeries()));
    const e = src.byMetric.get(metric) ?? this.#add(source, metric, src);
    (e.followers ??= []).push(follower);
    return () => {
      const list = e.followers;
      const i = list ? list.indexOf(follower) : -1;
      if (i < 0) return;
      list!.splice(i, 1);
      if (list!.length === 0) e.followers = null;
    };
  }

  detail(source: string, metric: string): SeriesDetail | null {
    const e = this.#sources.get(source)?.byMetric.get(metric);
    return e !== undefined && e.slot >= 0 ? this.#store.detail(e.slot) : null;
  }

  metricsOf(source: string): readonly string[] {
    const src = this.#sources.get(source);
    if (!src) return [];
    return [...src.byMetric.values()].filter((e) => e.slot >= 0).map((e) => e.metric);
  }

  /**
   * Hands out the states of series updated since they were last handed out (evicted ones first),
   * marking them clean. Lazy, so a caller can save in chunks while ingestion goes on. With
   * `transient`, a live series' state is written over one scratch buffer, valid only until the
   * next is taken: for a caller that copies each at once, so that a checkpoint of every series
   * allocates no copy of each.
   */
  *dirtyStates(opts: { transient?: boolean } = {}): Generator<SavedState> {
    for (const [k, saved] of this.#evicted) {
      this.#evicted.delete(k);
      yield saved;
    }
    const scratch = { bytes: new Uint8Array(0) };
    for (const src of this.#sources.values()) {
      for (const e of src.byMetric.values()) {
        if (!e.dirty || e.slot < 0) continue;
        e.dirty = false;
        const state = opts.transient ? this.#store.snapshotInto(e.slot, scratch) : this.#store.snapshot(e.slot);
        yield { source: e.source, metric: e.metric, state, lastTs: e.lastTs };
      }
    }
  }

  /** Resolves once no series is waiting for its load (tests, orderly stop). */
  async idle(): Promise<void> {
    while (this.#loads?.busy) await new Promise((r) => setTimeout(r, 5));
  }

  stats(): ManagerStats {
    return { series: this.#count, loading: this.#loading, ...this.#stats };
  }

  #add(source: string, metric: string, src: SourceSeries): SeriesEntry {
    const e = new SeriesEntry(source, metric);
    src.byMetric.set(metric, e);
    this.#count++;
    return e;
  }

  /** Scores one sample of a ready series outside the hot loop (buffered samples of a series that finished loading). */
  #score(e: SeriesEntry, ts: number, value: number): void {
    const score = this.#store.update(e.slot, ts, value);
    e.dirty = true;
    if ((score >= this.#opts.anomalyScore && score > 0) || e.followers !== null) this.#emit(e, ts, value, score);
  }

  /** Delivers a scored sample to anomaly listeners (when it reached the level) and followers. */
  #emit(e: SeriesEntry, ts: number, value: number, score: number): void {
    const store = this.#store;
    const slot = e.slot;
    // Followers added by an anomaly listener start with the next sample; one that unfollows during
    // the calls does not change who is called (a series has one follower nearly always: no copy).
    const list = e.followers;
    const followers = list === null ? null : list.length === 1 ? list[0]! : [...list];
    if (score > 0 && score >= this.#opts.anomalyScore && this.#listeners.length > 0) {
      this.#stats.anomalies++;
      const a: Anomaly = { source: e.source, metric: e.metric, timestamp: ts, value, score, detail: store.detail(slot) };
      for (const l of this.#listeners) this.#callWith(l, a);
    }
    if (followers !== null) {
      const s = { source: e.source, metric: e.metric, timestamp: ts, value, score, detail: () => store.detail(slot) };
      if (typeof followers === 'function') this.#callWith(followers, s);
      else for (const f of followers) this.#callWith(f, s);
    }
  }

  /** Calls a listener with its event; what it throws is counted and logged, never passed on. */
  #callWith<T>(fn: (event: T) => void, event: T): void {
    try {
      fn(event);
    } catch (err) {
      this.#stats.listenerErrors++;
      this.onError(err, 'detection listener failed');
    }
  }

  /** Starts a series that has neither a detector nor a load: from its evicted state, cold, or by queueing its load. */
  #begin(e: SeriesEntry): void {
    const saved = this.#evicted.get(keyOf(e.source, e.metric));
    if (saved) {
      this.#evicted.delete(keyOf(e.source, e.metric));
      e.dirty = true;
      this.#start(e, { state: saved.state, timestamps: [], values: [] });
    } else if (this.#loads === null || this.#loading >= this.#opts.maxLoading) {
      if (this.#loads !== null) this.#stats.loadsStartedCold++;
      this.#start(e, null);
    } else {
      e.buffer = [];
      this.#loading++;
      this.#sources.get(e.source)!.loading++;
      this.#loads.enqueue(e);
    }
  }

  /** First sample of a series, or one more while it loads. */
  #buffer(e: SeriesEntry, ts: number, value: number): void {
    if (e.buffer === null) this.#begin(e);
    if (e.slot >= 0) {
      this.#score(e, ts, value);
      return;
    }
    const buf = e.buffer!;
    buf.push(ts, value);
    if (buf.length / 2 >= this.#opts.maxBufferedPerSeries) {
      this.#stats.loadsStartedCold++;
      this.#finishLoad(e, null);
    }
  }

  /** Gives a series that has none (unstarted or loading: slot -1) its detector, from a load or fresh. */
  #start(e: SeriesEntry, load: SeriesLoad | null): void {
    let slot = -1;
    if (load?.state) {
      try {
        slot = this.#store.restore(load.state);
      } catch (err) {
        this.#stats.restoreErrors++;
        this.onError(err, `detector state of ${e.source} ${e.metric} not restored`);
      }
    }
    if (slot < 0) slot = this.#store.create();
    if (load && load.timestamps.length > 0) this.#store.warm(slot, load.timestamps, load.values);
    e.slot = slot;
  }

  #finishLoad(e: SeriesEntry, load: SeriesLoad | null): void {
    const buf = e.buffer;
    if (buf === null) return;
    e.buffer = null;
    this.#loading--;
    const src = this.#sources.get(e.source);
    if (src) src.loading--;
    let history = load;
    if (load && buf.length > 0) {
      // History stops before the first buffered sample, so nothing is learned twice.
      const first = buf[0]!;
      let n = load.timestamps.length;
      while (n > 0 && load.timestamps[n - 1]! >= first) n--;
      if (n < load.timestamps.length) {
        history = { state: load.state, timestamps: Array.prototype.slice.call(load.timestamps, 0, n), values: Array.prototype.slice.call(load.values, 0, n) };
      }
    }
    this.#start(e, history);
    for (let i = 0; i < buf.length; i += 2) this.#score(e, buf[i]!, buf[i + 1]!);
    if (src && src.loading === 0) for (const l of this.#readyListeners) this.#callWith(l, e.source);
  }

  #evict(): void {
    // Evicting 5% below the cap makes the O(n) selection rare: once per 5% of new series.
    const slack = Math.max(1, Math.floor(this.#opts.maxSeries / 20));
    const excess = Math.min(this.#count, this.#count - this.#opts.maxSeries + slack);
    for (const e of pickVictims(this.#sources.values(), excess)) {
      const src = this.#sources.get(e.source)!;
      src.byMetric.delete(e.metric);
      src.resetOrder();
      if (src.byMetric.size === 0) this.#sources.delete(e.source);
      this.#count--;
      this.#stats.evicted++;
      if (e.slot >= 0) {
        if (e.dirty) this.#evicted.set(keyOf(e.source, e.metric), { source: e.source, metric: e.metric, state: this.#store.snapshot(e.slot), lastTs: e.lastTs });
        this.#store.release(e.slot);
        e.slot = -1;
      }
    }
    // Unsaved evicted states are bounded too: past the cap the oldest are forgotten.
    for (const k of this.#evicted.keys()) {
      if (this.#evicted.size <= Math.max(1000, this.#opts.maxSeries)) break;
      this.#evicted.delete(k);
    }
  }
}
