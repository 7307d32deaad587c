import { randomUUID } from 'node:crypto';
import { Cron } from 'croner';
import type { Logger } from 'pino';
import { parseDuration } from '../../model/time.js';
import type { Queryable } from '../../store/db.js';
import type { StoreLayout } from '../../store/range-plan.js';
import type { Report, ReportFormat } from '../report-schema.js';
import { gatherReport } from './gather-report.js';
import { insertReport, pruneReports } from './report-repo.js';

/** The schedule in force: `report_schedule`, `report_period`, `report_formats` and the retention. */
export interface ReportScheduleSettings {
  readonly schedule: string | null;
  /** A duration such as "24h". */
  readonly period: string;
  readonly formats: readonly ReportFormat[];
  readonly retentionDays: number;
}

/** The settings of the schedule from the configuration. */
export function reportScheduleSettings(c: { report_schedule: string | null; report_period: string; report_formats: readonly ReportFormat[]; data_retention_days: number }): ReportScheduleSettings {
  return { schedule: c.report_schedule, period: c.report_period, formats: c.report_formats, retentionDays: c.data_retention_days };
}

/** The `performance.report_ready` message of a stored report. */
export function reportReadyMessage(id: string, report: Report, formats: readonly ReportFormat[], at: number): Record<string, unknown> {
  return {
    report_id: id,
    timestamp: new Date(at).toISOString(),
    period: { ...report.period },
    formats: [...formats],
    paths: Object.fromEntries(formats.map((f) => [f, `/api/v1/reports/${id}?format=${f}`])),
    summary: {
      sources: report.summary.sources,
      sources_not_ok: report.sources.filter((s) => s.health !== 'ok').length,
      alerts: report.summary.alerts,
      bottlenecks: report.summary.bottlenecks,
      profiles: report.summary.profiles,
    },
  };
}

/** What the schedule needs: the store, a way to announce, its settings, a logger. */
export interface ReportSchedulerDeps {
  readonly db: Queryable;
  /** Publishes `performance.report_ready` (the caller encodes and picks the subject). */
  readonly announce: (message: Record<string, unknown>) => void;
  readonly settings: () => ReportScheduleSettings;
  /** The tiers kept and where their unstored buckets begin: where the charts are read from. */
  readonly layout: () => StoreLayout;
  readonly log: Logger;
  readonly now?: () => number;
}

/**
 * Builds, stores and announces a report each time `report_schedule` fires, and removes stored
 * reports older than the retention. One run at a time: a firing while the previous run still
 * works is skipped (croner's `protect`). `reschedule` applies a live change.
 */
export class ReportScheduler {
  readonly name = 'report-schedule';
  #cron: Cron | null = null;
  #running: Promise<void> | null = null;
  #runs = 0;
  #failures = 0;

  constructor(private readonly deps: ReportSchedulerDeps) {}

  start(): void {
    this.reschedule();
  }

  /** Stops the timer and waits for a run in progress (the store closes after this). */
  async stop(): Promise<void> {
    this.#cron?.stop();
    this.#cron = null;
    await this.#running;
  }

  /** Replaces the timer by one for the expression in force (none when it is null). */
  reschedule(): void {
    this.#cron?.stop();
    this.#cron = null;
    const { schedule } = this.deps.settings();
    if (schedule === null) return;
    // The expression was validated with the configuration, so this does not throw.
    this.#cron = new Cron(schedule, { unref: true, protect: true }, async () => void (await this.fire()));
    this.deps.log.info({ schedule, next: this.#cron.nextRun()?.toISOString() ?? null }, 'reports scheduled');
  }

  /** Applies a live configuration change. */
  applyConfig(changed: readonly string[]): void {
    if (changed.includes('report_schedule')) this.reschedule();
  }

  /** Builds, stores and announces one report now; resolves with its id, or null when it failed (logged). */
  async fire(): Promise<string | null> {
    const run = this.#run();
    this.#running = run.then(() => undefined);
    return run;
  }

  async #run(): Promise<string | null> {
    const s = this.deps.settings();
    const now = (this.deps.now ?? Date.now)();
    try {
      const report = await gatherReport(this.deps.db, { since: now - parseDuration(s.period), until: now, now, layout: this.deps.layout() });
      const id = randomUUID();
      await insertReport(this.deps.db, id, 'schedule', s.formats, report);
      const pruned = await pruneReports(this.deps.db, now - s.retentionDays * 86_400_000);
      this.deps.announce(reportReadyMessage(id, report, s.formats, now));
      this.#runs++;
      this.deps.log.info({ report_id: id, pruned, sources: report.summary.sources }, 'report stored');
      return id;
    } catch (err) {
      this.#failures++;
      this.deps.log.error({ err }, 'scheduled report failed');
      return null;
    }
  }

  /** What `status` shows of the schedule. */
  status(): { schedule: string | null; next_run: string | null; runs: number; failures: number } {
    return { schedule: this.deps.settings().schedule, next_run: this.#cron?.nextRun()?.toISOString() ?? null, runs: this.#runs, failures: this.#failures };
  }
}
