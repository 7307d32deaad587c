import type { Logger } from 'pino';
import type { Db } from './db.js';
import { runRetention, type RetainedPartitions, type RetentionReport } from './retention.js';

/** Settings read at each run, so a changed retention takes effect on the next one. */
export interface RetentionSettings {
  readonly retentionDays: number;
  readonly intervalSeconds: number;
}

/**
 * Runs retention at start and then every interval. Partitions are created ahead of time by the
 * partition job (src/store/partition-job.ts), not here.
 */
export class RetentionJob {
  readonly name = 'retention';
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #last: RetentionReport | null = null;
  #lastError: string | null = null;

  constructor(
    private readonly db: Db,
    private readonly partitioned: readonly RetainedPartitions[],
    private readonly settings: () => RetentionSettings,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    await this.runOnce();
    this.#schedule();
  }

  /** Reschedules with the current interval (after a configuration change). */
  reschedule(): void {
    if (this.#timer) this.#schedule();
  }

  #schedule(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      void this.runOnce();
      this.#schedule();
    }, this.settings().intervalSeconds * 1000);
    this.#timer.unref();
  }

  /** One run of retention. Errors are logged, never thrown. */
  runOnce(now = Date.now()): Promise<void> {
    this.#running ??= this.#run(now).finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #run(now: number): Promise<void> {
    const { retentionDays } = this.settings();
    try {
      const report = await runRetention(this.db, this.partitioned, retentionDays, now);
      this.#last = report;
      this.#lastError = null;
      const removed =
        report.droppedPartitions.length + Object.values(report.deletedRows).reduce((a, b) => a + b, 0);
      this.log.info(
        {
          retentionDays,
          cutoff: report.cutoff,
          droppedPartitions: report.droppedPartitions,
          deletedRows: report.deletedRows,
        },
        removed > 0 ? 'retention removed expired data' : 'retention: nothing expired',
      );
    } catch (err) {
      this.#lastError = String(err);
      this.log.error({ err }, 'retention run failed');
    }
  }

  status(): { last: RetentionReport | null; lastError: string | null } {
    return { last: this.#last, lastError: this.#lastError };
  }

  async stop(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running;
  }
}
