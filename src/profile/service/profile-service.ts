import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Logger } from 'pino';
import type { ProfileTarget } from '../../model/profile.js';
import type { ProfileKind } from '../../model/profile.js';
import type { Hotspot } from '../analysis/hotspots.js';
import type { CaptureTargets } from '../capture/capture-targets.js';
import { CaptureError, type CaptureRequest } from '../capture/capture-types.js';
import { profileOutcome } from './profile-outcome.js';
import type { ProfileRow, ProfileTrigger } from './profile-repository.js';
import { RateLimitedLog } from '../../lifecycle/rate-limited-log.js';

const gzipAsync = promisify(gzip);

/** Limits in force (read at each start, so live configuration applies to the next profile). */
export interface ProfilingSettings {
  readonly maxDurationSeconds: number;
  readonly maxProfileBytes: number;
  readonly defaultIntervalUs: number;
  readonly maxConcurrent: number;
}

/** A profile to record. */
export interface ProfileJob {
  readonly target: ProfileTarget;
  readonly kind?: ProfileKind;
  readonly durationSeconds?: number;
  readonly samplingIntervalUs?: number;
  readonly requestId?: string | null;
  readonly trigger: ProfileTrigger;
  /** Extra facts stored and reported with the profile (e.g. the bottleneck behind an automatic one). */
  readonly context?: Readonly<Record<string, unknown>>;
}

/** `performance.profile_report` as the engine publishes it (PROTOCOL.md fields, then the project's). */
export interface ProfileReport {
  readonly profile_id: string;
  readonly request_id: string | null;
  readonly target: ProfileTarget;
  readonly kind: ProfileKind;
  readonly started_at: string;
  readonly duration_ms: number;
  readonly sample_count: number;
  readonly hotspots: readonly Hotspot[];
  readonly error: string | null;
  readonly error_code?: string;
  readonly trigger: ProfileTrigger;
  readonly source: string | null;
  readonly summary: Readonly<Record<string, unknown>>;
}

/** Codes of refusals at the door, besides the capture codes of `CaptureTargets.check`. */
export const REFUSAL_CODES = ['busy', 'too_many', 'too_long', 'stopping'] as const;

/** The answer to `start`: accepted with the profile's id, or refused with a code and a sentence. */
export type StartResult =
  | { readonly ok: true; readonly profileId: string; readonly done: Promise<ProfileReport> }
  | { readonly ok: false; readonly code: string; readonly message: string };

/** A profile being recorded. */
export interface ActiveProfile {
  readonly profileId: string;
  readonly target: ProfileTarget;
  readonly kind: ProfileKind;
  readonly trigger: ProfileTrigger;
  readonly startedAt: number;
  readonly endsAt: number;
}

interface Running extends ActiveProfile {
  readonly abort: AbortController;
  done?: Promise<ProfileReport>;
}

/** What the service needs from the engine. */
export interface ProfileServiceDeps {
  readonly targets: CaptureTargets;
  readonly save: (row: ProfileRow) => Promise<void>;
  readonly publish: (report: ProfileReport) => void;
  readonly settings: () => ProfilingSettings;
  readonly log: Logger;
}

/** A stable key per target: at most one profile per key at a time. */
export function targetKey(t: ProfileTarget): string {
  if ('self' in t) return 'self';
  if ('pid' in t) return `pid:${t.pid}`;
  return `agent:${t.agent_id}`;
}

/**
 * Records profiles on demand: one at a time per target and at most `maxConcurrent` overall, a
 * busy target or a full house refused at once (never queued). Each accepted profile is recorded,
 * analysed, stored (summary columns and the gzip-compressed raw profile) and published on
 * `performance.profile_report`; a failure is stored and published too, with `error` set.
 */
export class ProfileService {
  readonly #running = new Map<string, Running>();
  #stopping = false;
  #completed = 0;
  #failed = 0;
  /** Anyone on the bus can ask for profiles of agents that are not there: failures are logged rate-limited. */
  readonly #limited: RateLimitedLog;

  constructor(private readonly deps: ProfileServiceDeps) {
    this.#limited = new RateLimitedLog(deps.log);
  }

  /** Starts a profile, or refuses it at once. */
  start(job: ProfileJob): StartResult {
    const s = this.deps.settings();
    const kind = job.kind ?? 'cpu';
    const durationSeconds = job.durationSeconds ?? 10;
    if (this.#stopping) return { ok: false, code: 'stopping', message: 'the engine is stopping' };
    if (durationSeconds > s.maxDurationSeconds) {
      return { ok: false, code: 'too_long', message: `duration_seconds ${durationSeconds} exceeds profiling_max_duration_seconds (${s.maxDurationSeconds})` };
    }
    const key = targetKey(job.target);
    const busy = this.#running.get(key);
    if (busy) {
      const left = Math.max(0, Math.ceil((busy.endsAt - Date.now()) / 1000));
      return { ok: false, code: 'busy', message: `${key} is being profiled (${busy.kind}, profile ${busy.profileId}, about ${left} s left); one profile per target at a time` };
    }
    if (this.#running.size >= s.maxConcurrent) {
      return { ok: false, code: 'too_many', message: `${this.#running.size} profiles are running, the most allowed at once (profiling_max_concurrent); retry when one ends` };
    }
    try {
      this.deps.targets.check(job.target, kind);
    } catch (err) {
      // A trigger must get an answer, never an exception: unexpected errors become a `failed` refusal.
      if (err instanceof CaptureError) return { ok: false, code: err.code, message: err.message };
      return { ok: false, code: 'failed', message: `cannot check the target: ${err instanceof Error ? err.message : String(err)}` };
    }
    const now = Date.now();
    const run: Running = {
      profileId: randomUUID(),
      target: job.target,
      kind,
      trigger: job.trigger,
      startedAt: now,
      endsAt: now + durationSeconds * 1000,
      abort: new AbortController(),
    };
    this.#running.set(key, run);
    const req: CaptureRequest & { requestId?: string } = {
      kind,
      durationMs: durationSeconds * 1000,
      samplingIntervalUs: job.samplingIntervalUs ?? s.defaultIntervalUs,
      maxBytes: s.maxProfileBytes,
      signal: run.abort.signal,
      ...(job.requestId ? { requestId: job.requestId } : {}),
    };
    run.done = this.#record(run, job, req).finally(() => this.#running.delete(key));
    return { ok: true, profileId: run.profileId, done: run.done };
  }

  /**
   * Publishes a refused job as a failed report (fresh profile id, nothing recorded, not stored), so
   * a requester without a reply subject still learns why.
   */
  publishRefusal(job: ProfileJob, code: string, message: string): ProfileReport {
    const report = this.#report(
      {
        profileId: randomUUID(),
        requestId: job.requestId ?? null,
        target: job.target,
        source: null,
        kind: job.kind ?? 'cpu',
        trigger: job.trigger,
        status: 'failed',
        startedAt: Date.now(),
        durationMs: 0,
        sampleCount: 0,
        hotspots: [],
        summary: { ...job.context },
        error: message,
        rawFormat: null,
        rawGzip: null,
        rawBytes: null,
      },
      code,
    );
    this.deps.publish(report);
    return report;
  }

  /** Profiles being recorded now. */
  active(): ActiveProfile[] {
    return [...this.#running.values()].map(({ profileId, target, kind, trigger, startedAt, endsAt }) => ({ profileId, target, kind, trigger, startedAt, endsAt }));
  }

  /** Counters for `status`. */
  stats(): { running: number; completed: number; failed: number } {
    return { running: this.#running.size, completed: this.#completed, failed: this.#failed };
  }

  /** Refuses new profiles, ends the running ones early and waits until they are stored. */
  async stop(): Promise<void> {
    this.#stopping = true;
    const running = [...this.#running.values()];
    for (const r of running) r.abort.abort();
    await Promise.allSettled(running.map((r) => r.done));
  }

  async #record(run: Running, job: ProfileJob, req: CaptureRequest): Promise<ProfileReport> {
    const log = this.deps.log;
    const source = this.deps.targets.sourceOf(job.target);
    log.info({ profileId: run.profileId, target: job.target, kind: run.kind, trigger: job.trigger, durationMs: req.durationMs }, 'profile started');
    let row: ProfileRow;
    let report: ProfileReport;
    const base = { profileId: run.profileId, requestId: job.requestId ?? null, target: job.target, source, kind: run.kind, trigger: job.trigger };
    try {
      const captured = await this.deps.targets.capture(job.target, req);
      const outcome = profileOutcome(captured);
      const summary = { ...outcome.summary, ...job.context };
      const gz = await gzipAsync(captured.raw);
      row = {
        ...base,
        status: 'completed',
        startedAt: captured.startedAt,
        durationMs: outcome.durationMs,
        sampleCount: outcome.sampleCount,
        hotspots: outcome.hotspots,
        summary,
        error: null,
        rawFormat: captured.format,
        rawGzip: gz,
        rawBytes: captured.raw.length,
      };
      report = this.#report(row, null);
      this.#completed++;
      log.info({ profileId: run.profileId, sampleCount: outcome.sampleCount, rawBytes: captured.raw.length, gzipBytes: gz.length }, 'profile completed');
    } catch (err) {
      const code = err instanceof CaptureError ? err.code : 'failed';
      const message = err instanceof Error ? err.message : String(err);
      row = {
        ...base,
        status: 'failed',
        startedAt: run.startedAt,
        durationMs: Date.now() - run.startedAt,
        sampleCount: 0,
        hotspots: [],
        summary: { ...job.context },
        error: message,
        rawFormat: null,
        rawGzip: null,
        rawBytes: null,
      };
      report = this.#report(row, code);
      this.#failed++;
      this.#limited.warn(`failed ${code}`, { profileId: run.profileId, code, err: message }, 'profile failed');
    }
    try {
      await this.deps.save(row);
    } catch (err) {
      log.error({ err, profileId: run.profileId }, 'profile not stored');
    }
    this.deps.publish(report);
    return report;
  }

  #report(row: ProfileRow, errorCode: string | null): ProfileReport {
    return {
      profile_id: row.profileId,
      request_id: row.requestId,
      target: row.target,
      kind: row.kind,
      started_at: new Date(row.startedAt).toISOString(),
      duration_ms: Math.round(row.durationMs ?? 0),
      sample_count: row.sampleCount ?? 0,
      hotspots: row.hotspots,
      error: row.error,
      ...(errorCode ? { error_code: errorCode } : {}),
      trigger: row.trigger,
      source: row.source,
      summary: row.summary,
    };
  }
}
