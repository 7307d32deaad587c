import type { Logger } from 'pino';
import type { BottleneckKind } from '../../model/bottleneck.js';
import type { ProfileTarget } from '../../model/profile.js';
import type { ProfileKind } from '../../model/profile.js';
import { ProfilingBudget, type BudgetLimits } from './profiling-budget.js';
import { targetKey, type ProfileService } from './profile-service.js';

/** What the diagnosis stage says when it finds a bottleneck (the fields auto-profiling uses). */
export interface BottleneckEvent {
  /** The affected source: an agent id (or the engine's own id). */
  readonly source: string;
  readonly kind: BottleneckKind;
  readonly bottleneck_id?: string;
  readonly severity?: string;
  readonly metric?: string | null;
  /** When the source is a local process known by pid, profile it by pid instead of as an agent. */
  readonly pid?: number;
}

/** The profile that explains each bottleneck kind best. */
export const PROFILE_KIND_FOR: Readonly<Record<BottleneckKind, ProfileKind>> = {
  cpu_saturation: 'cpu',
  memory_pressure: 'heap',
  memory_leak: 'heap',
  disk_io_saturation: 'cpu',
  network_saturation: 'cpu',
  event_loop_blocked: 'event_loop',
  gc_pressure: 'heap',
  slow_db_query: 'cpu',
  latency_regression: 'cpu',
  anomaly: 'cpu',
};

/** Auto-profiling settings in force. */
export interface AutoProfilingSettings {
  readonly enabled: boolean;
  readonly durationSeconds: number;
  readonly limits: BudgetLimits;
}

/** What became of one bottleneck event. */
export type AutoDecision =
  | { readonly started: true; readonly profileId: string; readonly kind: ProfileKind }
  | { readonly started: false; readonly reason: string; readonly retryInMs?: number };

/**
 * Profiles the affected agent when a bottleneck is detected (`enable_auto_profiling`), choosing
 * the profile kind from the bottleneck kind, within a budget (cooldown per target, profiles per
 * hour, share of the hour spent recording) so profiling never becomes the bottleneck itself.
 * `onBottleneck` is what the diagnosis stage calls; it never throws.
 */
export class AutoProfiler {
  readonly #budget: ProfilingBudget;
  #started = 0;
  readonly #skipped = new Map<string, number>();

  constructor(
    private readonly service: ProfileService,
    private readonly settings: () => AutoProfilingSettings,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.#budget = new ProfilingBudget(settings().limits);
  }

  /** Considers one bottleneck: starts a profile of its source, or says why not. */
  onBottleneck(e: BottleneckEvent): AutoDecision {
    const s = this.settings();
    if (!s.enabled) return this.#skip('disabled');
    const target: ProfileTarget = e.pid !== undefined ? { pid: e.pid } : { agent_id: e.source };
    const key = targetKey(target);
    const durationMs = s.durationSeconds * 1000;
    const t = this.now();
    this.#budget.setLimits(s.limits);
    const decision = this.#budget.check(key, durationMs, t);
    if (!decision.ok) {
      this.log.debug({ target, bottleneck: e.kind, reason: decision.reason, retryInMs: decision.retryInMs }, 'automatic profile skipped');
      return this.#skip(decision.reason, decision.retryInMs);
    }
    const kind = PROFILE_KIND_FOR[e.kind] ?? 'cpu';
    const context = {
      bottleneck: { kind: e.kind, source: e.source, ...(e.bottleneck_id ? { bottleneck_id: e.bottleneck_id } : {}), ...(e.severity ? { severity: e.severity } : {}) },
    };
    const result = this.service.start({ target, kind, durationSeconds: s.durationSeconds, trigger: 'auto', context });
    if (!result.ok) {
      this.log.info({ target, bottleneck: e.kind, code: result.code, reason: result.message }, 'automatic profile refused');
      return this.#skip(result.code);
    }
    this.#budget.record(key, durationMs, t);
    this.#started++;
    this.log.info({ target, kind, bottleneck: e.kind, profileId: result.profileId }, 'automatic profile started');
    return { started: true, profileId: result.profileId, kind };
  }

  /** Counters and the budget spent in the last hour. */
  status(): { enabled: boolean; started: number; skipped: Record<string, number>; last_hour: { profiles: number; recording_ms: number } } {
    const u = this.#budget.usage(this.now());
    return { enabled: this.settings().enabled, started: this.#started, skipped: Object.fromEntries(this.#skipped), last_hour: { profiles: u.profiles, recording_ms: u.recordingMs } };
  }

  #skip(reason: string, retryInMs?: number): AutoDecision {
    this.#skipped.set(reason, (this.#skipped.get(reason) ?? 0) + 1);
    return { started: false, reason, ...(retryInMs !== undefined ? { retryInMs } : {}) };
  }
}
