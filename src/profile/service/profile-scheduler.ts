import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { ProfileTarget } from '../../model/profile.js';
import type { ProfileKind } from '../../model/profile.js';
import type { ProfileService } from './profile-service.js';

/** One entry of `profiling_schedule_targets`. */
export interface ScheduledTarget {
  readonly target: ProfileTarget;
  readonly kind?: ProfileKind;
  readonly duration_seconds?: number;
  readonly sampling_interval_us?: number;
}

/** The schedule in force: `profiling_schedule` and `profiling_schedule_targets`. */
export interface ScheduleSettings {
  readonly schedule: string | null;
  readonly targets: readonly ScheduledTarget[];
}

/** What `status` shows of the scheduler. */
export interface SchedulerStatus {
  readonly schedule: string | null;
  readonly targets: number;
  readonly next_run: string | null;
  readonly last_run: string | null;
  readonly runs: number;
  readonly started: number;
  readonly refused: number;
}

/**
 * Starts profiles of the configured targets each time the `profiling_schedule` cron expression
 * fires (5 fields, or 6 with seconds). A target still busy from the previous run is skipped, not
 * queued. `reschedule` applies a live change of the expression or the target list.
 */
export class ProfileScheduler {
  readonly name = 'profile-schedule';
  #cron: Cron | null = null;
  #lastRun: number | null = null;
  #runs = 0;
  #started = 0;
  #refused = 0;

  constructor(
    private readonly service: ProfileService,
    private readonly settings: () => ScheduleSettings,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.reschedule();
  }

  stop(): void {
    this.#cron?.stop();
    this.#cron = null;
  }

  /** Replaces the timer by one for the expression in force (none when it is null). */
  reschedule(): void {
    this.stop();
    const { schedule, targets } = this.settings();
    if (schedule === null) return;
    // The expression was validated with the configuration, so this does not throw.
    this.#cron = new Cron(schedule, { unref: true, protect: true, catch: (err) => this.log.error({ err }, 'scheduled profiling failed') }, () => this.fire());
    if (targets.length === 0) this.log.warn({ schedule }, 'profiling_schedule is set but profiling_schedule_targets is empty: nothing will be profiled');
    this.log.info({ schedule, targets: targets.length, next: this.#cron.nextRun()?.toISOString() ?? null }, 'profiling scheduled');
  }

  /** Starts one profile per configured target now. */
  fire(): void {
    this.#lastRun = Date.now();
    this.#runs++;
    for (const t of this.settings().targets) {
      const result = this.service.start({
        target: t.target,
        trigger: 'schedule',
        ...(t.kind !== undefined ? { kind: t.kind } : {}),
        ...(t.duration_seconds !== undefined ? { durationSeconds: t.duration_seconds } : {}),
        ...(t.sampling_interval_us !== undefined ? { samplingIntervalUs: t.sampling_interval_us } : {}),
      });
      if (result.ok) this.#started++;
      else {
        this.#refused++;
        this.log.warn({ target: t.target, code: result.code, reason: result.message }, 'scheduled profile skipped');
      }
    }
  }

  status(): SchedulerStatus {
    const { schedule, targets } = this.settings();
    return {
      schedule,
      targets: targets.length,
      next_run: this.#cron?.nextRun()?.toISOString() ?? null,
      last_run: this.#lastRun === null ? null : new Date(this.#lastRun).toISOString(),
      runs: this.#runs,
      started: this.#started,
      refused: this.#refused,
    };
  }
}
