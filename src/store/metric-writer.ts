import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { MetricSnapshot } from '../model/snapshot.js';
import { countSamples } from '../model/snapshot.js';
import type { Db, Queryable } from './db.js';
import { SNAPSHOT_COPY_COLUMNS, encodeSnapshotRows, type SnapshotRow } from './copy-binary.js';
import { DailyPartitions, dayOf } from './partitions.js';
import { StreamRegistry } from './stream-registry.js';
import { encodeValues } from './value-codec.js';

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
  /** Called once per committed batch, after its commit, with its stream and set ids (the tiers fold it). */
  readonly onCommitted?: CommittedListener;
}

/** Receives each committed batch: `streamIds[i]` and `setIds[i]` are those of `snapshots[i]`. */
export type CommittedListener = (snapshots: readonly MetricSnapshot[], streamIds: Int32Array, setIds: Int32Array) => void;

/** Counters exposed by `status`. */
export interface WriterStats {
  readonly pendingSamples: number;
  readonly committedSnapshots: number;
  readonly committedSamples: number;
  readonly batches: number;
  readonly retries: number;
  readonly refusedSamples: number;
  readonly failedSamples: number;
  readonly lastCommitAt: number | null;
  readonly lastError: string | null;
}

/** One `append`: its snapshots succeed or fail together (a message is never half-stored). */
interface Entry {
  readonly snapshots: readonly MetricSnapshot[];
  readonly samples: number;
  readonly onCommit: CommitCallback | undefined;
}

interface Pending {
  entries: Entry[];
  snapshots: number;
  samples: number;
}

const INSERT_CHUNK_ROWS = 5000;

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
 * unknown commit outcome never writes a sample twice.
 */
export class MetricWriter {
  readonly #registry = new StreamRegistry();
  readonly #partitions: DailyPartitions;
  #pending: Pending = emptyPending();
  readonly #inFlight = new Set<Promise<void>>();
  #inFlightSamples = 0;
  /** Serialises stream/set resolution, so concurrent batches never upsert the same rows at once. */
  #resolving: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | null = null;
  #stopping = false;
  #stats = {
    committedSnapshots: 0,
    committedSamples: 0,
    batches: 0,
    retries: 0,
    refusedSamples: 0,
    failedSamples: 0,
    lastCommitAt: null as number | null,
    lastError: null as string | null,
  };

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    private readonly opts: MetricWriterOptions,
  ) {
    this.#partitions = new DailyPartitions(db, 'metric_snapshots');
  }

  /** The partition manager of `metric_snapshots` (shared with retention). */
  get partitions(): DailyPartitions {
    return this.#partitions;
  }

  /**
   * Queues snapshots. Returns false, without queuing, when the queue is full or the writer is
   * stopping (back-pressure: the caller refuses the message). `onCommit` runs after the commit.
   */
  append(snapshots: readonly MetricSnapshot[], onCommit?: CommitCallback, samples = countSamples(snapshots)): boolean {
    if (this.#stopping || this.#pending.samples + this.#inFlightSamples + samples > this.opts.maxPendingSamples) {
      this.#stats.refusedSamples += samples;
      return false;
    }
    this.#pending.entries.push({ snapshots, samples, onCommit });
    this.#pending.snapshots += snapshots.length;
    this.#pending.samples += samples;
    if (this.#pending.samples >= this.opts.batchMaxSamples) this.#kick();
    else if (this.#timer === null) {
      this.#timer = setTimeout(() => this.#kick(), this.opts.flushIntervalMs);
      this.#timer.unref();
    }
    return true;
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
  }

  /**
   * Writes entries as one batch, retrying transient failures with backoff (forever, until the
   * writer stops). A permanent failure splits the batch in halves so that one entry the database
   * refuses cannot take the others down; that entry alone is reported failed.
   */
  async #writeEntries(entries: readonly Entry[]): Promise<void> {
    const batchId = randomUUID();
    const snapshots = entries.flatMap((e) => e.snapshots);
    const samples = entries.reduce((n, e) => n + e.samples, 0);
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#writeOnce(snapshots, samples, batchId, attempt > 0);
        this.#stats.batches++;
        this.#stats.committedSnapshots += snapshots.length;
        this.#stats.committedSamples += samples;
        this.#stats.lastCommitAt = Date.now();
        for (const e of entries) e.onCommit?.();
        return;
      } catch (err) {
        this.#stats.lastError = String(err);
        if ((err as { code?: string }).code === '23514') this.#partitions.invalidate();
        const transient = isTransient(err);
        const giveUp = !transient || (this.#stopping && attempt >= 2);
        this.log.error(
          { err: attempt === 0 ? err : String(err), attempt: attempt + 1, snapshots: snapshots.length, samples, transient },
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

  async #writeOnce(snapshots: readonly MetricSnapshot[], samples: number, batchId: string, isRetry: boolean): Promise<void> {
    const resolved = this.#resolving.then(() => this.#registry.resolve(this.db, snapshots));
    this.#resolving = resolved.then(
      () => undefined,
      () => undefined,
    );
    const { streamIds, setIds } = await resolved;
    const rows: SnapshotRow[] = new Array(snapshots.length);
    const days = new Set<number>();
    for (let i = 0; i < snapshots.length; i++) {
      const s = snapshots[i]!;
      days.add(dayOf(s.timestamp));
      rows[i] = {
        ts: s.timestamp,
        streamId: streamIds[i]!,
        setId: setIds[i]!,
        health: s.health ?? null,
        ...encodeValues(Object.values(s.metrics)),
      };
    }
    await this.#partitions.ensure(days);
    const now = Date.now();
    const lastSeen = this.#registry.dueLastSeen(rows, now);
    await this.db.transaction(async (tx) => {
      if (isRetry) {
        const seen = await tx.query('SELECT 1 FROM ingest_batches WHERE batch_id = $1', [batchId]);
        if (seen.rows.length > 0) return;
      }
      await insertRows(tx, rows);
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
    });
    this.#registry.markLastSeen(lastSeen.keys(), now);
    try {
      this.opts.onCommitted?.(snapshots, streamIds, setIds);
    } catch (err) {
      this.log.error({ err }, 'committed-batch listener failed');
    }
  }

  /** Counters for status reports. */
  stats(): WriterStats {
    return { ...this.#stats, pendingSamples: this.#pending.samples + this.#inFlightSamples };
  }

  /** Writes everything queued now and waits for it. */
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

async function insertRows(tx: Queryable, rows: readonly SnapshotRow[]): Promise<void> {
  if (tx.copyBinary) {
    await tx.copyBinary(`COPY metric_snapshots ${SNAPSHOT_COPY_COLUMNS} FROM STDIN (FORMAT binary)`, encodeSnapshotRows(rows));
    return;
  }
  for (let start = 0; start < rows.length; start += INSERT_CHUNK_ROWS) {
    const chunk = rows.slice(start, start + INSERT_CHUNK_ROWS);
    const params: unknown[] = [];
    const tuples = chunk.map((r) => {
      const b = params.length;
      params.push(new Date(r.ts), r.streamId, r.setId, r.health, r.enc, r.f8 && float8ArrayLiteral(r.f8));
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}::bytea, $${b + 6}::float8[])`;
    });
    await tx.query(`INSERT INTO metric_snapshots ${SNAPSHOT_COPY_COLUMNS} VALUES ${tuples.join(',')}`, params);
  }
}

/** A float8[] literal that keeps -0 (a driver's String(-0) would turn it into 0). */
function float8ArrayLiteral(values: readonly (number | null)[]): string {
  return `{${values.map((v) => (v === null ? 'NULL' : Object.is(v, -0) ? '-0' : String(v))).join(',')}}`;
}
