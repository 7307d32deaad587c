import type { Logger } from 'pino';
import { RateLimitedLog } from '../lifecycle/rate-limited-log.js';
import { dayOf } from './partitions.js';
import { partitionsOf, type RetainedPartitions } from './retention.js';

/** The accepted time window and the job's pace, read at each run (live changes apply at the next). */
export interface PartitionWindowSettings {
  /** Oldest sample accepted, as an age: `data_retention_days`. */
  readonly retentionDays: number;
  /** Newest sample accepted, as a time ahead of now: `ingest_max_future_skew_seconds`. */
  readonly futureSkewMs: number;
  /** Time between two runs: `store_partition_check_interval_seconds`. */
  readonly intervalSeconds: number;
}

/** Bounds of one run. */
export interface PartitionJobLimits {
  /** Most partitions one run creates (newest first); a run that stops there is followed by another soon. */
  readonly maxPerRun: number;
  /** Longest wait for a table's lock per partition (a long query must not make the DDL block inserts). */
  readonly lockTimeoutMs: number;
  /** Days created beyond the newest accepted day, so a run missed around midnight costs nothing. */
  readonly daysBeyond: number;
  /**
   * Pause between two creations of a scheduled run, so that filling a long window spreads its
   * catalog work and its brief table locks (and an engine that stops soon after start does
   * little); a run the write path asked for (`urgent`) does not pause.
   */
  readonly pauseMs: number;
}

/** Defaults of the job's bounds. */
export const PARTITION_JOB_LIMITS: Readonly<PartitionJobLimits> = Object.freeze({ maxPerRun: 1000, lockTimeoutMs: 2000, daysBeyond: 1, pauseMs: 50 });

/** Delay before the next run when a run left partitions to create. */
const CATCH_UP_MS = 1000;
/** Delay before the next run after a failed one. */
const RETRY_MS = 30_000;

/** What `status` shows of the job. */
export interface PartitionJobStatus {
  readonly runs: number;
  /** Partitions created by the job since start. */
  readonly created: number;
  /** Partitions of the window still missing after the last run (0 when it is complete). */
  readonly missing: number;
  /** Creations given up because a table's lock was not had in time (retried at the next run). */
  readonly lockTimeouts: number;
  readonly lastRunAt: string | null;
  readonly lastRunMs: number | null;
  readonly lastError: string | null;
}

/**
 * Creates, ahead of time and off the write path, a partition for every day of the accepted window
 * (from `now - retentionDays` to `now + futureSkew`, plus `daysBeyond`) of every partitioned table,
 * a table with a shorter retention of its own (a tier) only back to that retention, newest first: at start and then every `intervalSeconds`. Each partition is created in its own
 * short transaction under an advisory lock with a lock timeout (see DailyPartitions.create), so
 * several engines sharing one database may run it at once: each reads what exists and creates
 * only what is missing. At most `maxPerRun` per run; a run that stops there schedules the next.
 */
export class PartitionJob {
  readonly name = 'partitions';
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #stopping = false;
  #urgent = false;
  readonly #limited: RateLimitedLog;
  #status = { runs: 0, created: 0, missing: 0, lockTimeouts: 0, lastRunAt: null as string | null, lastRunMs: null as number | null, lastError: null as string | null };

  constructor(
    private readonly tables: readonly RetainedPartitions[],
    private readonly settings: () => PartitionWindowSettings,
    private readonly log: Logger,
    private readonly limits: PartitionJobLimits = PARTITION_JOB_LIMITS,
  ) {
    this.#limited = new RateLimitedLog(log);
  }

  /** Creates the partitions of the near days (yesterday onward) before returning, without pauses; the rest of the window follows in the background. */
  async start(): Promise<void> {
    this.#stopping = false;
    const now = Date.now();
    this.#urgent = true;
    await this.#run(now, dayOf(now - 86_400_000)).catch((err: unknown) => this.#failed(err));
    this.#urgent = false;
    void this.runSoon();
  }

  /**
   * Starts a run now unless one is under way; resolves when it ends. Never rejects. `urgent` (a
   * batch waits for it): no pause between creations, also for a run under way.
   */
  runSoon(now = Date.now(), urgent = false): Promise<void> {
    if (urgent) this.#urgent = true;
    this.#running ??= this.#run(now)
      .catch((err: unknown) => this.#failed(err))
      .finally(() => {
        this.#running = null;
        this.#urgent = false;
        const catchUp = this.#status.lastError === null ? CATCH_UP_MS : RETRY_MS;
        this.#schedule(this.#status.missing > 0 ? catchUp : this.settings().intervalSeconds * 1000);
      });
    return this.#running;
  }

  /** Reschedules with the current interval (after a configuration change). */
  reschedule(): void {
    if (this.#timer) this.#schedule(this.settings().intervalSeconds * 1000);
  }

  #schedule(ms: number): void {
    if (this.#stopping) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.runSoon(), ms);
    this.#timer.unref();
  }

  /** The window's first and last days at `now`. */
  window(now: number): { fromDay: number; toDay: number } {
    const s = this.settings();
    return { fromDay: dayOf(now - s.retentionDays * 86_400_000), toDay: dayOf(now + s.futureSkewMs) + this.limits.daysBeyond };
  }

  async #run(now: number, fromDayOverride?: number): Promise<void> {
    const t0 = performance.now();
    const { fromDay, toDay } = this.window(now);
    let budget = this.limits.maxPerRun;
    let missing = 0;
    for (const entry of this.tables) {
      if (this.#stopping) break;
      const table = partitionsOf(entry);
      // Retention drops a table's partitions past its own days: creating them again would only churn.
      const ownFrom = 'retentionDays' in entry ? dayOf(now - entry.retentionDays() * 86_400_000) : fromDay;
      await table.reload();
      const wanted = await table.missing(table.spansBetween(Math.max(fromDay, ownFrom, fromDayOverride ?? fromDay), toDay));
      for (const day of wanted) {
        if (this.#stopping || budget <= 0) {
          missing++;
          continue;
        }
        budget--;
        if (!this.#urgent && this.limits.pauseMs > 0) await new Promise((r) => setTimeout(r, this.limits.pauseMs));
        if (this.#stopping) {
          missing++;
          continue;
        }
        if (await table.create(day, this.limits.lockTimeoutMs)) this.#status.created++;
        else {
          missing++;
          this.#status.lockTimeouts++;
          this.#limited.warn(`lock ${table.table}`, { table: table.table }, 'partition not created: its table is locked (a long query?); retried at the next run');
        }
      }
    }
    this.#status.runs++;
    this.#status.missing = fromDayOverride === undefined ? missing : this.#status.missing;
    this.#status.lastRunAt = new Date(now).toISOString();
    this.#status.lastRunMs = Math.round(performance.now() - t0);
    this.#status.lastError = null;
    if (missing > 0) this.log.debug({ missing }, 'partitions of the accepted window left for the next run');
  }

  #failed(err: unknown): void {
    this.#status.lastError = String(err);
    // Retried within a minute (the database may be back), not after a whole interval.
    this.#status.missing = Math.max(this.#status.missing, 1);
    this.#limited.error('run', { err }, 'partition job failed; retried at the next run');
  }

  status(): PartitionJobStatus {
    return { ...this.#status };
  }

  /** Stops scheduling and waits for a run under way (it stops between two partitions). */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running;
  }
}
