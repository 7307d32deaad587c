import type { Logger } from 'pino';
import { type Bus } from '../../bus/bus.js';
import { encodeJson } from '../../wire/json.js';
import { SUBJECTS } from '../../wire/subjects.js';
import type { ConfigStore } from '../../config/config-store.js';
import type { ConfigKey } from '../../config/schema.js';
import type { InvalidMessageReporter } from '../../bus/invalid-messages.js';
import type { Queryable } from '../../store/db.js';
import { agentCaptureOverBus } from '../capture/agent-capture.js';
import { createCaptureTargets, type AgentCapture } from '../capture/capture-targets.js';
import { AutoProfiler, type AutoDecision, type BottleneckEvent } from './auto-profiler.js';
import { ProfileRequestHandler } from './profile-request-handler.js';
import { insertProfile } from './profile-repository.js';
import { ProfileScheduler } from './profile-scheduler.js';
import { ProfileService } from './profile-service.js';

/** What the profiling stage is built from. */
export interface ProfilingDeps {
  readonly bus: Bus;
  readonly db: Queryable;
  readonly config: ConfigStore;
  readonly invalid: InvalidMessageReporter;
  readonly logger: (component: string) => Logger;
  /** Replaces the SDK client for `agent_id` targets (tests). */
  readonly agentCapture?: AgentCapture;
  /** PATH where `perf` is looked up (default the engine's). */
  readonly pathEnv?: string;
}

const SCHEDULE_KEYS: readonly ConfigKey[] = ['profiling_schedule', 'profiling_schedule_targets'];

/**
 * The profiling stage: the service that records, stores and publishes profiles, with its three
 * triggers (`orchestrator.profile_request`, the `profiling_schedule` cron, and automatic profiles
 * on bottlenecks through `onBottleneck`). Reads the configuration in force at each use, so live
 * updates apply to the next profile; `applyConfig` re-arms the schedule.
 */
export class Profiling {
  readonly name = 'profiling';
  readonly service: ProfileService;
  readonly #requests: ProfileRequestHandler;
  readonly #scheduler: ProfileScheduler;
  readonly #auto: AutoProfiler;

  constructor(deps: ProfilingDeps) {
    const cfg = () => deps.config.current;
    const targets = createCaptureTargets({
      engineAgentId: cfg().agent_id,
      allowedProcesses: () => cfg().profiling_allowed_processes,
      agentCapture: deps.agentCapture ?? agentCaptureOverBus(() => deps.bus, () => cfg().profiling_agent_timeout_seconds * 1000),
      ...(deps.pathEnv !== undefined ? { pathEnv: deps.pathEnv } : {}),
    });
    this.service = new ProfileService({
      targets,
      save: (row) => insertProfile(deps.db, row),
      publish: (report) => deps.bus.publish(SUBJECTS.profileReport, encodeJson(report)),
      settings: () => ({
        maxDurationSeconds: cfg().profiling_max_duration_seconds,
        maxProfileBytes: cfg().profiling_max_profile_bytes,
        defaultIntervalUs: cfg().profiling_sampling_interval_us,
        maxConcurrent: cfg().profiling_max_concurrent,
      }),
      log: deps.logger('profiler'),
    });
    this.#requests = new ProfileRequestHandler(deps.bus, this.service, deps.invalid, deps.logger('profile-requests'));
    this.#scheduler = new ProfileScheduler(
      this.service,
      () => ({ schedule: cfg().profiling_schedule, targets: cfg().profiling_schedule_targets }),
      deps.logger('profile-schedule'),
    );
    this.#auto = new AutoProfiler(
      this.service,
      () => ({
        enabled: cfg().enable_auto_profiling,
        durationSeconds: cfg().auto_profiling_duration_seconds,
        limits: {
          cooldownSeconds: cfg().auto_profiling_cooldown_seconds,
          maxPerHour: cfg().auto_profiling_max_per_hour,
          maxTimePct: cfg().auto_profiling_max_time_pct,
        },
      }),
      deps.logger('auto-profiling'),
    );
  }

  start(): void {
    this.#requests.start();
    this.#scheduler.start();
  }

  /** Stops the triggers, then ends running profiles early and waits until they are stored. */
  async stop(): Promise<void> {
    this.#scheduler.stop();
    this.#requests.stop();
    await this.service.stop();
  }

  /** Re-arms the schedule when its expression or target list changed. */
  applyConfig(changed: readonly string[]): void {
    if (changed.some((k) => (SCHEDULE_KEYS as readonly string[]).includes(k))) this.#scheduler.reschedule();
  }

  /** Called by the diagnosis stage on each bottleneck: an automatic profile of its source, within the budget. */
  onBottleneck(e: BottleneckEvent): AutoDecision {
    return this.#auto.onBottleneck(e);
  }

  /** What `status` shows: running profiles, counters, the schedule and the auto-profiling budget. */
  status(): Record<string, unknown> {
    return {
      ...this.service.stats(),
      active: this.service.active().map((a) => ({ ...a, startedAt: new Date(a.startedAt).toISOString(), endsAt: new Date(a.endsAt).toISOString() })),
      schedule: this.#scheduler.status(),
      auto: this.#auto.status(),
    };
  }
}
