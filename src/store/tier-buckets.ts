import type { MetricSnapshot } from '../model/snapshot.js';
import { StreamSetMap } from './stream-set-map.js';
import { bucketStart, TIERS, type TierName } from './tiers.js';

/** Where each aggregate's run of `size` values begins in {@link TierBucket.values}, in units of `size`. */
export const AGGREGATES = { min: 0, max: 1, sum: 2, last: 3 } as const;
/** One of the four aggregates a bucket keeps per metric. */
export type Aggregate = keyof typeof AGGREGATES;

/**
 * One bucket of one tier for one stream and metric set: per metric (in the set's order) the
 * minimum, maximum, sum and last value of the samples folded in, with their count (the same for
 * every metric: each snapshot of a set carries all of its metrics) and the time of the last one.
 */
export interface TierBucket {
  readonly streamId: number;
  readonly setId: number;
  /** Bucket start, epoch ms. */
  readonly start: number;
  count: number;
  /** Time of the sample the `last` values come from, epoch ms. */
  lastTs: number;
  /** Metrics in the set. */
  readonly size: number;
  /**
   * The four aggregates one after the other, `size` values each, in {@link AGGREGATES} order: one
   * array instead of four (a typed array and its buffer cost about 150 bytes of heap besides their
   * values, and the open buckets of every stream and tier are many).
   */
  readonly values: Float64Array;
  /** Wall-clock time of the last fold into it. */
  touched: number;
}

/** The values of aggregate `a` of bucket `b`, as a new plain array (for tests and inspection; the writers read `values` directly). */
export function aggregateOf(b: TierBucket, a: Aggregate): number[] {
  const from = AGGREGATES[a] * b.size;
  return Array.from(b.values.subarray(from, from + b.size));
}

/** Buckets closed by one `close`, per tier, ready to be upserted. */
export type ClosedBuckets = Record<TierName, TierBucket[]>;

/** A stream's use of a metric set, for `metric_stream_sets`. */
export interface StreamSetUse {
  readonly streamId: number;
  readonly setId: number;
  readonly firstTs: number;
  readonly lastTs: number;
}

/** Tuning of the buckets. */
export interface TierBucketOptions {
  /** A bucket whose time is over closes once nothing was folded into it for this long (wall clock). */
  readonly graceMs: number;
  /** Beyond this many open buckets (every tier), all are closed at the next `close`. */
  readonly maxOpen: number;
}

interface PairState {
  readonly setId: number;
  firstTs: number;
  newestTs: number;
  /** `newestTs` as last handed out by `dueStreamSets`; -Infinity before. */
  writtenTs: number;
}

/** The open buckets of one tier: the newest per stream and set, and older ones that late samples reopened. */
interface Level {
  readonly widthMs: number;
  readonly current: StreamSetMap<TierBucket>;
  readonly late: Map<string, TierBucket>;
  /** Closed because a newer bucket of the same stream and set began; emitted at the next `close`. */
  readonly closed: TierBucket[];
}

function newBucket(streamId: number, setId: number, start: number, n: number, now: number): TierBucket {
  const values = new Float64Array(4 * n);
  values.fill(Infinity, 0, n);
  values.fill(-Infinity, n, 2 * n);
  return { streamId, setId, start, count: 0, lastTs: -Infinity, size: n, values, touched: now };
}

/** Merges bucket `from` (same stream, set and metric order) into `into`. */
export function mergeBucket(into: TierBucket, from: TierBucket): void {
  const takeLast = from.lastTs >= into.lastTs;
  const n = into.size;
  const a = into.values;
  const b = from.values;
  for (let j = 0; j < n; j++) {
    if (b[j]! < a[j]!) a[j] = b[j]!;
    if (b[n + j]! > a[n + j]!) a[n + j] = b[n + j]!;
    a[2 * n + j] = a[2 * n + j]! + b[2 * n + j]!;
    if (takeLast) a[3 * n + j] = b[3 * n + j]!;
  }
  into.count += from.count;
  if (takeLast) into.lastTs = from.lastTs;
}

/**
 * Folds committed snapshots into 1-minute buckets per stream and metric set, and closed
 * 1-minute buckets into 5-minute and closed 5-minute into 1-hour buckets (src/store/tiers.ts),
 * so that each sample is touched once. A bucket closes when its stream and set begin a later
 * bucket, or when its time is over and nothing came for `graceMs`; a sample later than that
 * opens the bucket again, and the two parts are merged where they are stored. Pure: no I/O.
 */
export class TierBuckets {
  readonly #levels: Level[] = TIERS.map((t) => ({ widthMs: t.widthMs, current: new StreamSetMap<TierBucket>(), late: new Map(), closed: [] }));
  readonly #pairs = new StreamSetMap<PairState>();
  #open = 0;
  #newPairs = 0;

  constructor(private readonly opts: TierBucketOptions) {}

  /** Buckets open in every tier. */
  get open(): number {
    return this.#open;
  }

  /** Folds snapshots (`streamIds[i]` and `setIds[i]` are those of `snapshots[i]`); returns the samples folded. */
  fold(snapshots: readonly MetricSnapshot[], streamIds: Int32Array, setIds: Int32Array, now: number): number {
    const level = this.#levels[0]!;
    let samples = 0;
    for (let i = 0; i < snapshots.length; i++) {
      const s = snapshots[i]!;
      const ts = s.timestamp;
      const start = bucketStart(ts, level.widthMs);
      const cur = level.current.get(streamIds[i]!, setIds[i]!);
      const b = cur?.start === start ? cur : this.#bucketFor(level, streamIds[i]!, setIds[i]!, start, Object.keys(s.metrics).length, now);
      this.#track(b.streamId, b.setId, ts);
      const takeLast = ts >= b.lastTs;
      const n = b.size;
      const a = b.values;
      let j = 0;
      for (const name in s.metrics) {
        const v = s.metrics[name]!;
        if (v < a[j]!) a[j] = v;
        if (v > a[n + j]!) a[n + j] = v;
        a[2 * n + j] = a[2 * n + j]! + v;
        if (takeLast) a[3 * n + j] = v;
        j++;
      }
      b.count++;
      if (takeLast) b.lastTs = ts;
      b.touched = now;
      samples += j;
    }
    return samples;
  }

  /**
   * Closes the buckets that are due (all of them with `all`), rolls each closed bucket into the
   * next tier, and returns the closed buckets of every tier.
   */
  close(now: number, all = false): ClosedBuckets {
    const out = { '1m': [], '5m': [], '1h': [] } as ClosedBuckets;
    const force = all || this.#open > this.opts.maxOpen;
    this.#levels.forEach((level, k) => {
      const done = level.closed.splice(0);
      const due = (b: TierBucket) => force || (now - b.touched >= this.opts.graceMs && now >= b.start + level.widthMs + this.opts.graceMs);
      level.current.removeWhere(due, done);
      for (const [key, b] of level.late) {
        if (!due(b)) continue;
        level.late.delete(key);
        done.push(b);
      }
      this.#open -= done.length;
      out[TIERS[k]!.name] = done;
      const next = this.#levels[k + 1];
      if (next) for (const b of done) mergeBucket(this.#bucketFor(next, b.streamId, b.setId, bucketStart(b.start, next.widthMs), b.size, now), b);
    });
    return out;
  }

  /** Per tier, the start of its oldest bucket still in memory (Infinity when none): the tier is not complete from there on. */
  oldestOpen(): Record<TierName, number> {
    const out = { '1m': Infinity, '5m': Infinity, '1h': Infinity } as Record<TierName, number>;
    this.#levels.forEach((level, k) => {
      let min = Infinity;
      for (const b of level.current.values()) if (b.start < min) min = b.start;
      for (const b of level.late.values()) if (b.start < min) min = b.start;
      for (const b of level.closed) if (b.start < min) min = b.start;
      out[TIERS[k]!.name] = min;
    });
    return out;
  }

  /** How many stream and set uses appeared since the last call (so they can be recorded at once). */
  takeNewStreamSets(): number {
    const n = this.#newPairs;
    this.#newPairs = 0;
    return n;
  }

  /** Stream and set uses that are new, or whose newest sample moved `everyMs` past what was last handed out. */
  dueStreamSets(everyMs: number): StreamSetUse[] {
    const due: StreamSetUse[] = [];
    for (const [streamId, p] of this.#pairs.entries()) {
      if (p.newestTs - p.writtenTs < everyMs) continue;
      due.push({ streamId, setId: p.setId, firstTs: p.firstTs, lastTs: p.newestTs });
    }
    return due;
  }

  /** Records that these uses were stored; a stream and set idle since then is forgotten. */
  markStreamSetsWritten(uses: readonly StreamSetUse[]): void {
    for (const u of uses) {
      const p = this.#pairs.get(u.streamId, u.setId);
      if (!p) continue;
      p.writtenTs = Math.max(p.writtenTs, u.lastTs);
      if (p.newestTs <= p.writtenTs && !this.#levels[0]!.current.has(u.streamId, u.setId)) this.#pairs.delete(u.streamId, u.setId);
    }
  }

  #track(streamId: number, setId: number, ts: number): void {
    const p = this.#pairs.get(streamId, setId);
    if (!p) {
      this.#pairs.set(streamId, { setId, firstTs: ts, newestTs: ts, writtenTs: -Infinity });
      this.#newPairs++;
    }
    else {
      if (ts < p.firstTs) p.firstTs = ts;
      if (ts > p.newestTs) p.newestTs = ts;
    }
  }

  /** The open bucket of a level for a stream, set and start, created (and a superseded one closed) as needed. */
  #bucketFor(level: Level, streamId: number, setId: number, start: number, n: number, now: number): TierBucket {
    const cur = level.current.get(streamId, setId);
    if (cur && cur.start === start) return cur;
    if (!cur || start > cur.start) {
      if (cur) level.closed.push(cur);
      const b = newBucket(streamId, setId, start, n, now);
      level.current.set(streamId, b);
      this.#open++;
      return b;
    }
    const key = `${streamId}:${setId}:${start}`;
    let b = level.late.get(key);
    if (!b) {
      level.late.set(key, (b = newBucket(streamId, setId, start, n, now)));
      this.#open++;
    }
    return b;
  }
}
