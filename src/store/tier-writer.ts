import type { Logger } from 'pino';
import type { MetricSnapshot } from '../model/snapshot.js';
import type { Db, Queryable } from './db.js';
import { DailyPartitions, dayOf } from './partitions.js';
import { AGGREGATES, mergeBucket, TierBuckets, type Aggregate, type ClosedBuckets, type StreamSetUse, type TierBucket } from './tier-buckets.js';
import { encodeTierRows, TIER_COPY_COLUMNS } from './tier-copy.js';
import { TIERS, type TierName, type TierSpec } from './tiers.js';

/** Tuning of the tier maintenance. */
export interface TierWriterOptions {
  /** How often due buckets are closed and written. */
  readonly tickMs: number;
  /** See TierBucketOptions.graceMs. */
  readonly graceMs: number;
  /** See TierBucketOptions.maxOpen. */
  readonly maxOpen: number;
  /** Buckets waiting to be written (after failed writes) beyond which the oldest are dropped. */
  readonly maxPendingRows: number;
  /** A stream's `metric_stream_sets.last_ts` is moved forward when it is this far behind. */
  readonly streamSetEveryMs: number;
  /** Most partitions one flush may create when the partition job has not made them (default unbounded); beyond, the job is asked and the flush retried at the next tick. */
  readonly maxPartitionsPerFlush?: number;
  /** Told when a flush needs more partitions than it may create. */
  readonly onPartitionsMissing?: () => void;
}

/** Defaults of the tier maintenance. */
export const TIER_WRITER_DEFAULTS: Readonly<TierWriterOptions> = Object.freeze({
  tickMs: 5_000,
  graceMs: 10_000,
  maxOpen: 1_000_000,
  maxPendingRows: 2_000_000,
  streamSetEveryMs: 300_000,
});

/** Counters of the tier maintenance, for `status` and the benchmarks. */
export interface TierWriterStats {
  readonly foldedSnapshots: number;
  readonly foldedSamples: number;
  /** Time spent folding committed snapshots into buckets (on the writer's path), ms. */
  readonly foldMs: number;
  readonly openBuckets: number;
  readonly rowsWritten: Readonly<Record<TierName, number>>;
  readonly flushes: number;
  /** Time spent closing buckets and writing them, ms. */
  readonly flushMs: number;
  readonly pendingRows: number;
  readonly droppedRows: number;
  readonly failures: number;
  readonly lastError: string | null;
}

const CHUNK_ROWS = 5000;

/** Aggregate `a` of bucket `b` as a float8[] literal. */
function float8Literal(b: TierBucket, a: Aggregate): string {
  const from = AGGREGATES[a] * b.size;
  let s = '{';
  for (let i = from; i < from + b.size; i++) {
    const v = b.values[i]!;
    s += (i > from ? ',' : '') + (Object.is(v, -0) ? '-0' : String(v));
  }
  return `${s}}`;
}

/** How a stored bucket and a new part of it merge (the part is `EXCLUDED`). */
const MERGE = `ON CONFLICT (stream_id, ts, set_id) DO UPDATE SET
         count = t.count + EXCLUDED.count,
         min_v = perf_float8_least(t.min_v, EXCLUDED.min_v),
         max_v = perf_float8_greatest(t.max_v, EXCLUDED.max_v),
         sum_v = perf_float8_add(t.sum_v, EXCLUDED.sum_v),
         last_v = CASE WHEN EXCLUDED.last_ts >= t.last_ts THEN EXCLUDED.last_v ELSE t.last_v END,
         last_ts = greatest(t.last_ts, EXCLUDED.last_ts)`;

/**
 * Upserts buckets of one tier, merging with a stored bucket of the same stream, set and start.
 * On PostgreSQL through a binary COPY into a temporary staging table; on PGlite from arrays.
 */
async function upsertBuckets(q: Queryable, tier: TierSpec, rows: readonly TierBucket[]): Promise<void> {
  if (q.copyBinary) {
    await q.query(`CREATE TEMP TABLE IF NOT EXISTS perf_tier_stage (LIKE metric_tier_1m) ON COMMIT DELETE ROWS`);
    await q.copyBinary(`COPY perf_tier_stage ${TIER_COPY_COLUMNS} FROM STDIN (FORMAT binary)`, encodeTierRows(rows));
    await q.query(`INSERT INTO ${tier.table} AS t SELECT * FROM perf_tier_stage ${MERGE}`);
    await q.query('TRUNCATE perf_tier_stage');
    return;
  }
  for (let at = 0; at < rows.length; at += CHUNK_ROWS) {
    const chunk = rows.slice(at, at + CHUNK_ROWS);
    await q.query(
      `INSERT INTO ${tier.table} AS t (ts, stream_id, set_id, count, last_ts, min_v, max_v, sum_v, last_v)
       SELECT to_timestamp(u.ts / 1000.0), u.stream_id, u.set_id, u.count, to_timestamp(u.last_ts / 1000.0),
              u.min_v::float8[], u.max_v::float8[], u.sum_v::float8[], u.last_v::float8[]
       FROM unnest($1::float8[], $2::int[], $3::int[], $4::int[], $5::float8[], $6::text[], $7::text[], $8::text[], $9::text[])
         AS u(ts, stream_id, set_id, count, last_ts, min_v, max_v, sum_v, last_v)
       ${MERGE}`,
      [
        chunk.map((b) => b.start),
        chunk.map((b) => b.streamId),
        chunk.map((b) => b.setId),
        chunk.map((b) => b.count),
        chunk.map((b) => b.lastTs),
        chunk.map((b) => float8Literal(b, 'min')),
        chunk.map((b) => float8Literal(b, 'max')),
        chunk.map((b) => float8Literal(b, 'sum')),
        chunk.map((b) => float8Literal(b, 'last')),
      ],
    );
  }
}

/** Records which metric sets streams used and when (widening what is stored). */
async function upsertStreamSets(q: Queryable, uses: readonly StreamSetUse[]): Promise<void> {
  if (uses.length === 0) return;
  await q.query(
    `INSERT INTO metric_stream_sets AS m (stream_id, set_id, first_ts, last_ts)
     SELECT u.stream_id, u.set_id, to_timestamp(u.first_ms / 1000.0), to_timestamp(u.last_ms / 1000.0)
     FROM unnest($1::int[], $2::int[], $3::float8[], $4::float8[]) AS u(stream_id, set_id, first_ms, last_ms)
     ON CONFLICT (stream_id, set_id) DO UPDATE SET
       first_ts = least(m.first_ts, EXCLUDED.first_ts), last_ts = greatest(m.last_ts, EXCLUDED.last_ts)`,
    [uses.map((u) => u.streamId), uses.map((u) => u.setId), uses.map((u) => u.firstTs), uses.map((u) => u.lastTs)],
  );
}

/**
 * Maintains the tiers as data arrives: the metric writer hands it every committed batch
 * (`fold`, in memory, on the writer's path), and every `tickMs` it closes the buckets that are
 * due and upserts them in one transaction with the streams' metric-set uses (a new use at once). A failed write is
 * kept and retried at the next tick; at stop every open bucket is written.
 */
export class TierWriter {
  readonly name = 'tiers';
  /** The partitions of each tier's table (shared with retention). */
  readonly partitions: Readonly<Record<TierName, DailyPartitions>>;
  readonly #buckets: TierBuckets;
  readonly #pending = new Map<TierName, Map<string, TierBucket>>(TIERS.map((t) => [t.name, new Map()]));
  #timer: NodeJS.Timeout | null = null;
  #flushing: Promise<void> | null = null;
  #stats = { foldedSnapshots: 0, foldedSamples: 0, foldMs: 0, flushes: 0, flushMs: 0, droppedRows: 0, failures: 0, lastError: null as string | null };
  readonly #rowsWritten: Record<TierName, number> = { '1m': 0, '5m': 0, '1h': 0 };

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    private readonly opts: TierWriterOptions = TIER_WRITER_DEFAULTS,
  ) {
    this.#buckets = new TierBuckets({ graceMs: opts.graceMs, maxOpen: opts.maxOpen });
    this.partitions = Object.fromEntries(TIERS.map((t) => [t.name, new DailyPartitions(db, t.table, t.partitionDays)])) as Record<TierName, DailyPartitions>;
  }

  /** Folds committed snapshots (`streamIds[i]`, `setIds[i]` those of `snapshots[i]`). */
  fold(snapshots: readonly MetricSnapshot[], streamIds: Int32Array, setIds: Int32Array): void {
    const t0 = performance.now();
    this.#stats.foldedSamples += this.#buckets.fold(snapshots, streamIds, setIds, Date.now());
    this.#stats.foldMs += performance.now() - t0;
    this.#stats.foldedSnapshots += snapshots.length;
    // A stream or metric set seen for the first time is recorded now, not at the next tick: queries find series through it.
    if (this.#buckets.takeNewStreamSets() > 0 && this.#timer !== null) void this.flush();
  }

  async start(): Promise<void> {
    this.#timer = setInterval(() => void this.flush(), this.opts.tickMs);
    this.#timer.unref();
  }

  /** Closes due buckets (every open one with `all`) and writes what waits; one flush at a time. */
  flush(all = false): Promise<void> {
    this.#flushing ??= this.#flush(all).finally(() => {
      this.#flushing = null;
    });
    return this.#flushing;
  }

  async #flush(all: boolean): Promise<void> {
    const t0 = performance.now();
    this.#queue(this.#buckets.close(Date.now(), all));
    const uses = this.#buckets.dueStreamSets(this.opts.streamSetEveryMs);
    const queued = TIERS.map((t) => [t, [...this.#pending.get(t.name)!.values()]] as const);
    if (uses.length === 0 && queued.every(([, r]) => r.length === 0)) return;
    try {
      const rows = await this.#withPartitions(queued);
      await this.db.transaction(async (tx) => {
        await upsertStreamSets(tx, uses);
        for (const [t, r] of rows) if (r.length > 0) await upsertBuckets(tx, t, r);
      });
      this.#buckets.markStreamSetsWritten(uses);
      for (const [t, r] of rows) {
        const pending = this.#pending.get(t.name)!;
        for (const b of r) pending.delete(key(b));
        this.#rowsWritten[t.name] += r.length;
      }
      this.#stats.flushes++;
    } catch (err) {
      this.#stats.failures++;
      this.#stats.lastError = String(err);
      if ((err as { code?: string }).code === '23514') for (const p of Object.values(this.partitions)) p.invalidate();
      if (this.#stats.failures === 1 || this.#stats.failures % 100 === 0) this.log.error({ err, failures: this.#stats.failures }, 'tier write failed; retrying at the next tick');
    } finally {
      this.#stats.flushMs += performance.now() - t0;
    }
  }

  /**
   * Creates missing partitions of the buckets to write, at most `maxPartitionsPerFlush`, and
   * returns the buckets whose partition exists: the others stay queued for a later tick (the
   * partition job is asked for theirs), so that they never hold up the rest.
   */
  async #withPartitions(queued: readonly (readonly [TierSpec, readonly TierBucket[]])[]): Promise<(readonly [TierSpec, readonly TierBucket[]])[]> {
    let budget = this.opts.maxPartitionsPerFlush ?? Number.POSITIVE_INFINITY;
    let waiting = false;
    const out: (readonly [TierSpec, readonly TierBucket[]])[] = [];
    for (const [t, r] of queued) {
      if (r.length === 0) {
        out.push([t, r]);
        continue;
      }
      const parts = this.partitions[t.name];
      const done = await parts.ensure(new Set(r.map((b) => dayOf(b.start))), budget, 2000);
      budget -= done.created;
      if (done.left.length === 0) {
        out.push([t, r]);
        continue;
      }
      waiting = true;
      const missing = new Set(done.left);
      out.push([t, r.filter((b) => !missing.has(parts.spanOf(dayOf(b.start))))]);
    }
    if (waiting) this.opts.onPartitionsMissing?.();
    return out;
  }

  /** Adds closed buckets to what waits to be written, merging two parts of one bucket, dropping the oldest beyond the cap. */
  #queue(closed: ClosedBuckets): void {
    for (const t of TIERS) {
      const pending = this.#pending.get(t.name)!;
      for (const b of closed[t.name]) {
        const k = key(b);
        const had = pending.get(k);
        if (had) mergeBucket(had, b);
        else pending.set(k, b);
      }
    }
    let total = TIERS.reduce((n, t) => n + this.#pending.get(t.name)!.size, 0);
    for (const t of TIERS) {
      const pending = this.#pending.get(t.name)!;
      for (const k of pending.keys()) {
        if (total <= this.opts.maxPendingRows) break;
        pending.delete(k);
        total--;
        this.#stats.droppedRows++;
      }
    }
  }

  /**
   * Per tier, the start of the oldest bucket this engine has not stored yet (open, or closed and
   * waiting to be written); Infinity when none. Queries read what lies after it from finer
   * sources, so late data counts as soon as it is committed.
   */
  unstoredSince(): Record<TierName, number> {
    const out = this.#buckets.oldestOpen();
    let finer = Infinity;
    for (const t of TIERS) {
      for (const b of this.#pending.get(t.name)!.values()) if (b.start < out[t.name]) out[t.name] = b.start;
      // What a finer tier has not stored has not reached the coarser ones either.
      out[t.name] = Math.min(out[t.name], finer);
      finer = out[t.name];
    }
    return out;
  }

  /** Counters for status reports and benchmarks. */
  stats(): TierWriterStats {
    const pendingRows = TIERS.reduce((n, t) => n + this.#pending.get(t.name)!.size, 0);
    return { ...this.#stats, openBuckets: this.#buckets.open, rowsWritten: { ...this.#rowsWritten }, pendingRows };
  }

  /** Stops the timer and writes every open bucket (call after the metric writer has flushed). */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#flushing;
    await this.flush(true);
  }
}

function key(b: TierBucket): string {
  return `${b.streamId}:${b.setId}:${b.start}`;
}
