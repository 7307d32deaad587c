import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { MetricSnapshot } from '../model/snapshot.js';
import { countSamples } from '../model/snapshot.js';
import type { Db } from './db.js';
import { DailyPartitions, dayOf } from './partitions.js';
import type { SnapshotRow } from './copy-binary.js';
import { insertSnapshotRows, snapshotRows, type InsertedRows } from './snapshot-insert.js';
import { StreamRegistry } from './stream-registry.js';
import { RateLimitedLog } from '../lifecycle/rate-limited-log.js';

/** Called once the snapshots of an `append` are committed (no error) or given up on (error). */
export type CommitCallback = (err?: Error) => void;

/** Tuning of the writer. */
export interface MetricWriterOptions {
  /** Longest wait before a non-full batch is written. */
  readonly flushIntervalMs: number;
  /** A batch is written as soon as it holds this many samples. */
  readonly batchMaxSamples: number;
  /** Appends beyond this many samples waiting are refused. */
  readonly maxPendingSamples: number;
  /** Batches written at once (overlaps one batch's commit with the next one's COPY); default 2. */
  readonly maxInFlight?: number;
  /** Told of each committed batch: seconds its write took (retries included), and seconds each of its appends waited from `append` to commit. */
  readonly onCommitted?: (writeSeconds: number, waitSeconds: readonly number[]) => void;
  /** Called once per committed batch with the snapshots it stored (not those found stored already) and their stream and set ids: the tiers fold them. */
  readonly onStored?: StoredListener;
  /**
   * Most partitions a batch may create when the ones it needs are missing (the partition job
   * creates them ahead of time); default unbounded (tools writing history). Beyond, the batch
   * asks `onPartitionsMissing` and is retried like a transient failure.
   */
  readonly maxPartitionsPerBatch?: number;
  /** Told when a batch needs more partitions than it may create: the partition job runs now. */
  readonly onPartitionsMissing?: () => Promise<void>;
}

/** A batch needs partitions that it may not create itself; retried once the partition job made them. */
export class PartitionsNotReadyError extends Error {
  override readonly name = 'PartitionsNotReadyError';
  constructor(readonly days: number) {
    super(`${days} partition(s) needed by the batch are not created yet (the partition job is making them)`);
  }
}

/** How an `append` is keyed and admitted. */
export interface AppendOptions {
  /** The publisher's message id (`Nats-Msg-Id`): the snapshots are keyed by it and their position. */
  readonly msgId?: string;
  /** The snapshots may be stored already (a redelivery): their batch is checked before the COPY. */
  readonly maybeStored?: boolean;
  /** Refuse unless this many samples of room would be left (kept for the engine's own collection). */
  readonly reserveSamples?: number;
}

/** Receives the snapshots a batch stored: `streamIds[i]` and `setIds[i]` are those of `snapshots[i]`. */
export type StoredListener = (snapshots: readonly MetricSnapshot[], streamIds: Int32Array, setIds: Int32Array) => void;

/** Counters exposed by `status`. */
export interface WriterStats {
  readonly pendingSamples: number;
  /** Snapshots inserted. */
  readonly committedSnapshots: number;
  /** Samples of the appends committed, counting snapshots found already stored. */
  readonly committedSamples: number;
  /** Snapshots not inserted because the same one (stream, time, key) was already stored. */
  readonly duplicateSnapshots: number;
  readonly batches: number;
  readonly retries: number;
  readonly refusedSamples: number;
  readonly failedSamples: number;
  /** Partitions the write path had to create (the partition job had not yet). */
  readonly partitionsCreated: number;
  /** Batches that waited for the partition job (they needed more partitions than they may create). */
  readonly partitionWaits: number;
  readonly lastCommitAt: number | null;
  readonly lastError: string | null;
}

/** One `append`: its snapshots succeed or fail together (a message is never half-stored). */
interface Entry {
  readonly snapshots: readonly MetricSnapshot[];
  readonly samples: number;
  readonly onCommit: CommitCallback | undefined;
  readonly msgId: string | undefined;
  readonly maybeStored: boolean;
  /** `performance.now()` at `append`. */
  readonly queuedAt: number;
}

interface Pending {
  entries: Entry[];
  snapshots: number;
  samples: number;
}

/** After a batch met a snapshot already stored, batches are checked before the COPY this long. */
const CHECKED_WINDOW_MS = 10_000;
/** Longest wait for the table's lock when the write path creates a partition. */
const PARTITION_LOCK_TIMEOUT_MS = 2000;
/** Conflicts in a row on one batch (another engine writing the same snapshots) before giving up. */
const MAX_CONFLICTS = 10;

function emptyPending(): Pending {
  return { entries: [], snapshots: 0, samples: 0 };
}

/**
 * Whether a failed write may succeed if retried unchanged: lost connections (no SQLSTATE, or
 * class 08), rollbacks (40), resource limits (53), operator intervention (57), system errors
 * (58), and a missing partition (23514, dropped by another engine; recreated on retry).
 */
export function isTransient(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string' || /^E[A-Z]+$/.test(code)) return true;
  return /^(08|40|53|57|58)/.test(code) || code === '23514';
}

/**
 * Batches snapshots and writes them to `metric_snapshots`: binary COPY on PostgreSQL, multi-row
 * INSERT on PGlite. Up to two batches are in flight while the next fills (group commit). Each
 * batch carries an id recorded in `ingest_batches` in the same transaction, so a retry after an
 * unknown commit outcome never writes a sample twice; and each snapshot a key (migration 004), so
 * a snapshot already stored (a redelivered or repeated message) is never stored again.
 */
export class MetricWriter {
  readonly #registry = new StreamRegistry();
  readonly #partitions: DailyPartitions;
  #pending: Pending = emptyPending();
  readonly #inFlight = new Set<Promise<void>>();
  /** The write of each batch taken from pending, for `written`. */
  readonly #batchWrites = new WeakMap<Pending, Promise<void>>();
  #inFlightSamples = 0;
  /** Serialises stream/set resolution, so concurrent batches never upsert the same rows at once. */
  #resolving: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | null = null;
  #stopping = false;
  #checkedUntil = 0;
  /** A write the database refuses can be provoked by whoever sends data: its log line is rate-limited. */
  readonly #limited: RateLimitedLog;
  #stats = {
    committedSnapshots: 0,
    committedSamples: 0,
    duplicateSnapshots: 0,
    batches: 0,
    retries: 0,
    refusedSamples: 0,
    failedSamples: 0,
    partitionsCreated: 0,
    partitionWaits: 0,
    lastCommitAt: null as number | null,
    lastError: null as string | null,
  };

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    private readonly opts: MetricWriterOptions,
  ) {
    this.#partitions = new DailyPartitions(db, 'metric_snapshots');
    this.#limited = new RateLimitedLog(log);
  }

  /** The partition manager of `metric_snapshots` (shared with retention). */
  get partitions(): DailyPartitions {
    return this.#partitions;
  }

  /**
   * Queues snapshots. Returns false, without queuing, when the queue is full or the writer is
   * stopping (back-pressure: the caller refuses the message). `onCommit` runs after the commit.
   */
  append(
    snapshots: readonly MetricSnapshot[],
    onCommit?: CommitCallback,
    samples = countSamples(snapshots),
    opts: AppendOptions = {},
  ): boolean {
    const limit = this.opts.maxPendingSamples - (opts.reserveSamples ?? 0);
    if (this.#stopping || this.pendingSamples + samples > limit) {
      this.#stats.refusedSamples += samples;
      return false;
    }
    this.#pending.entries.push({ snapshots, samples, onCommit, msgId: opts.msgId, maybeStored: opts.maybeStored === true, queuedAt: performance.now() });
    this.#pending.snapshots += snapshots.length;
    this.#pending.samples += samples;
    if (this.#pending.samples >= this.opts.batchMaxSamples) this.#kick();
    else if (this.#timer === null) {
      this.#timer = setTimeout(() => this.#kick(), this.opts.flushIntervalMs);
      this.#timer.unref();
    }
    return true;
  }

  /** Samples queued or being written. */
  get pendingSamples(): number {
    return this.#pending.samples + this.#inFlightSamples;
  }

  /** Appends and resolves once committed; rejects when refused or failed. */
  write(snapshots: readonly MetricSnapshot[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const ok = this.append(snapshots, (err) => (err ? reject(err) : resolve()));
      if (!ok) reject(new Error('metric writer is full or stopping'));
    });
  }

  #kick(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    const maxInFlight = this.db.kind === 'pglite' ? 1 : (this.opts.maxInFlight ?? 2);
    if (this.#inFlight.size >= maxInFlight || this.#pending.entries.length === 0) return;
    const batch = this.#pending;
    this.#pending = emptyPending();
    this.#inFlightSamples += batch.samples;
    const p: Promise<void> = this.#writeEntries(batch.entries).finally(() => {
      this.#inFlight.delete(p);
      this.#inFlightSamples -= batch.samples;
      if (this.#pending.samples >= this.opts.batchMaxSamples || (this.#stopping && this.#pending.entries.length > 0)) {
        this.#kick();
      } else if (this.#pending.entries.length > 0 && this.#timer === null) {
        this.#timer = setTimeout(() => this.#kick(), this.opts.flushIntervalMs);
        this.#timer.unref();
      }
    });
    this.#inFlight.add(p);
    this.#batchWrites.set(batch, p);
  }

  /**
   * Writes entries as one batch, retrying transient failures with backoff (forever, until the
   * writer stops). A permanent failure splits the batch in halves so that one entry the database
   * refuses cannot take the others down; that entry alone is reported failed.
   */
  async #writeEntries(entries: readonly Entry[]): Promise<void> {
    const batchId = randomUUID();
    const snapshots = entries.reduce((n, e) => n + e.snapshots.length, 0);
    const samples = entries.reduce((n, e) => n + e.samples, 0);
    let checked = Date.now() < this.#checkedUntil || entries.some((e) => e.maybeStored);
    let conflicts = 0;
    const started = performance.now();
    for (let attempt = 0; ; attempt++) {
      try {
        const inserted = await this.#writeOnce(entries, samples, batchId, attempt > 0, checked);
        this.#stats.batches++;
        this.#stats.committedSnapshots += inserted;
        this.#stats.duplicateSnapshots += snapshots - inserted;
        this.#stats.committedSamples += samples;
        this.#stats.lastCommitAt = Date.now();
        this.#reportTimings(started, entries);
        for (const e of entries) e.onCommit?.();
        return;
      } catch (err) {
        if ((err as { code?: string }).code === '23505' && conflicts < MAX_CONFLICTS) {
          // A snapshot of the batch is stored already: write the batch again without it.
          if (conflicts++ > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** conflicts)));
          checked = true;
          this.#checkedUntil = Date.now() + CHECKED_WINDOW_MS;
          continue;
        }
        this.#stats.lastError = String(err);
        if ((err as { code?: string }).code === '23514') this.#partitions.invalidate();
        const transient = isTransient(err);
        const giveUp = !transient || (this.#stopping && attempt >= 2);
        this.#limited.error(
          giveUp ? 'write failed' : 'write retrying',
          () => ({ err: attempt === 0 ? err : String(err), attempt: attempt + 1, snapshots, samples, transient }),
          giveUp ? 'metric batch write failed' : 'metric batch write failed; retrying',
        );
        if (!giveUp) {
          this.#stats.retries++;
          await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** attempt)));
          continue;
        }
        if (!transient && entries.length > 1) {
          const half = Math.ceil(entries.length / 2);
          await this.#writeEntries(entries.slice(0, half));
          await this.#writeEntries(entries.slice(half));
          return;
        }
        this.#stats.failedSamples += samples;
        const e = err instanceof Error ? err : new Error(String(err));
        for (const entry of entries) entry.onCommit?.(e);
        return;
      }
    }
  }

  #reportTimings(started: number, entries: readonly Entry[]): void {
    if (!this.opts.onCommitted) return;
    const now = performance.now();
    this.opts.onCommitted((now - started) / 1000, entries.map((e) => (now - e.queuedAt) / 1000));
  }

  /** Writes the entries in one transaction; returns the snapshots inserted (not found already stored). */
  async #writeOnce(entries: readonly Entry[], samples: number, batchId: string, isRetry: boolean, checked: boolean): Promise<number> {
    const snapshots = entries.flatMap((e) => e.snapshots);
    const resolved = this.#resolving.then(() => this.#registry.resolve(this.db, snapshots));
    this.#resolving = resolved.then(
      () => undefined,
      () => undefined,
    );
    const { streamIds, setIds } = await resolved;
    const rows = snapshotRows(entries, streamIds, setIds);
    const days = new Set<number>();
    for (const r of rows) days.add(dayOf(r.ts));
    await this.#ensurePartitions(days);
    const now = Date.now();
    const lastSeen = this.#registry.dueLastSeen(rows, now);
    const inserted = await this.db.transaction(async (tx): Promise<InsertedRows> => {
      if (isRetry) {
        // The first attempt committed though its answer was lost: all of it is stored, and unfolded.
        const seen = await tx.query('SELECT 1 FROM ingest_batches WHERE batch_id = $1', [batchId]);
        if (seen.rows.length > 0) return { count: rows.length, rows };
      }
      const n = await insertSnapshotRows(tx, rows, checked);
      await tx.query('INSERT INTO ingest_batches (batch_id, snapshots, samples) VALUES ($1, $2, $3)', [
        batchId,
        rows.length,
        samples,
      ]);
      if (lastSeen.size > 0) {
        await tx.query(
          `UPDATE metric_streams m SET last_seen = to_timestamp(v.ms / 1000.0)
           FROM unnest($1::int[], $2::float8[]) AS v(id, ms)
           WHERE m.id = v.id AND m.last_seen < to_timestamp(v.ms / 1000.0)`,
          [[...lastSeen.keys()], [...lastSeen.values()]],
        );
      }
      return n;
    });
    this.#registry.markLastSeen(lastSeen.keys(), now);
    this.#tellStored(snapshots, streamIds, setIds, rows, inserted);
    return inserted.count;
  }

  /**
   * Makes sure the batch's partitions exist: normally the partition job made them and this costs
   * nothing; a missing one is created here, at most `maxPartitionsPerBatch` per attempt; beyond,
   * the job is asked to run and the batch is retried (never an unbounded number of DDL in the write path).
   */
  async #ensurePartitions(days: ReadonlySet<number>): Promise<void> {
    const missing = await this.#partitions.missing(days);
    if (missing.length === 0) return;
    const bound = this.opts.maxPartitionsPerBatch ?? Number.POSITIVE_INFINITY;
    const { created, left } = await this.#partitions.ensure(missing, bound, PARTITION_LOCK_TIMEOUT_MS);
    this.#stats.partitionsCreated += created;
    if (left.length === 0) return;
    this.#stats.partitionWaits++;
    if (this.opts.onPartitionsMissing) await this.opts.onPartitionsMissing();
    throw new PartitionsNotReadyError(left.length);
  }

  /** Tells `onStored` what the batch stored: all of it, only the rows found new, or nothing when unknown. */
  #tellStored(snapshots: readonly MetricSnapshot[], streamIds: Int32Array, setIds: Int32Array, rows: readonly SnapshotRow[], inserted: InsertedRows): void {
    if (!this.opts.onStored || inserted.count === 0) return;
    try {
      if (inserted.count === rows.length) return this.opts.onStored(snapshots, streamIds, setIds);
      if (inserted.rows === null) return;
      const fresh = new Set(inserted.rows);
      const keep = rows.flatMap((r, i) => (fresh.has(r) ? [i] : []));
      this.opts.onStored(keep.map((i) => snapshots[i]!), Int32Array.from(keep, (i) => streamIds[i]!), Int32Array.from(keep, (i) => setIds[i]!));
    } catch (err) {
      this.log.error({ err }, 'stored-batch listener failed');
    }
  }

  /** Counters for status reports. */
  stats(): WriterStats {
    return { ...this.#stats, pendingSamples: this.pendingSamples };
  }

  /** Writes everything queued now and waits for it. */
  /**
   * Resolves once everything appended before the call is written (or has failed). Unlike `flush`,
   * it does not wait for what arrives meanwhile, so a reader behind it is not starved by steady ingest.
   */
  async written(): Promise<void> {
    const earlier = [...this.#inFlight];
    const batch = this.#pending;
    if (batch.entries.length > 0) {
      while (this.#pending === batch) {
        this.#kick();
        if (this.#pending === batch) await Promise.race(this.#inFlight);
      }
      await this.#batchWrites.get(batch)?.catch(() => undefined);
    }
    await Promise.allSettled(earlier);
  }

  async flush(): Promise<void> {
    while (this.#inFlight.size > 0 || this.#pending.entries.length > 0) {
      this.#kick();
      await Promise.race(this.#inFlight);
    }
  }

  /** Refuses new appends, writes what is queued (giving up after a few retries), and stops. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.flush();
  }
}
