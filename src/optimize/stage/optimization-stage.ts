import type { Logger } from 'pino';
import type { NotificationSink } from '../../alert/notification-queue.js';
import type { Config } from '../../config/schema.js';
import type { Component } from '../../lifecycle/component.js';
import type { MetricSnapshot } from '../../model/snapshot.js';
import type { Db } from '../../store/db.js';
import { querySeries } from '../../store/metric-queries.js';
import { encodeJson } from '../../wire/json.js';
import { SUBJECTS } from '../../wire/subjects.js';
import { judgeSettings } from '../impact-judge.js';
import type { Transition } from '../optimization-machine.js';
import type { OptimizationRecord } from '../optimization-record.js';
import type { ProposalSink } from '../proposal.js';
import { proposalsFromBottleneck, type BottleneckFacts } from '../proposals.js';
import type { ApplierRegistry } from './appliers.js';
import { ChangeProfiler, type ChangeProfileSettings } from './change-profiles.js';
import type { ProfileJob, StartResult } from '../../profile/service/profile-service.js';
import { InsightsPublisher } from './insights-publisher.js';
import { judgeDue, type SeriesReader } from './judging.js';
import { deleteOldOptimizations, drainOutbox, dueOptimizations, openProposals, unfinishedIntents } from './optimization-repo.js';
import { OptimizationService, type OptimizationSettings } from './optimization-service.js';

/** The optimization settings of a configuration, times in milliseconds. */
export function optimizationSettings(c: Config): OptimizationSettings {
  return {
    judge: judgeSettings(c),
    autoApply: c.optimization_auto_apply,
    maxWaitMs: c.optimization_max_wait_seconds * 1000,
    insightsIntervalMs: c.optimization_insights_interval_seconds * 1000,
    baselineMs: c.optimization_baseline_seconds * 1000,
  };
}

/** How agent changes are profiled: `optimization_profile_seconds` within the automatic-profiling budget. */
export function changeProfileSettings(c: Config): ChangeProfileSettings {
  return {
    seconds: c.optimization_profile_seconds,
    limits: { cooldownSeconds: 0, maxPerHour: c.auto_profiling_max_per_hour, maxTimePct: c.auto_profiling_max_time_pct },
  };
}

/** What the stage is built from. */
export interface OptimizationStageDeps {
  readonly db: Db;
  readonly bus: NotificationSink;
  readonly log: Logger;
  readonly settings: () => OptimizationSettings;
  readonly appliers: ApplierRegistry;
  /** Resolves once every sample received so far is stored (the metric writer's flush). */
  readonly flushWrites: () => Promise<void>;
  /** Reads judged series; the metric store by default (an advisor may add series of its own). */
  readonly read?: SeriesReader;
  /** Days of retention, for deleting finished optimizations at start. */
  readonly retentionDays: () => number;
  readonly now?: () => number;
  /** The profiling service and its settings: agent changes the engine applies are profiled before and after. */
  readonly profiling?: { readonly service: { start(job: ProfileJob): StartResult }; readonly settings: () => ChangeProfileSettings };
}

/** What `status` shows of the optimization loop. */
export interface OptimizationStatus {
  readonly proposals: number;
  readonly transitions: number;
  readonly published: number;
  readonly verdicts: number;
  readonly insights: number;
  readonly judging: number;
  /** Proposals the engine will apply itself once their judging metrics have a before window. */
  readonly waiting: number;
  readonly errors: number;
  readonly lastError: string | null;
}

const TICK_MS = 1000;

/**
 * The optimization loop as an engine component (docs/optimization.md): takes proposals (advisors
 * and bottlenecks), follows optimizations through their life in the `optimizations` table,
 * judges each applied change and each rollback in event time as its source's data arrives,
 * rolls back a regression where the configuration allows, publishes every transition on
 * `performance.optimization_status` from the table's outbox (so a stored transition is never
 * lost to a crash) and `performance.insights` every few minutes and on every verdict. State lives
 * in the table: a restart resumes judgements and finishes the engine's own actions.
 */
export class OptimizationStage implements Component {
  readonly name = 'optimization';
  readonly service: OptimizationService;
  readonly #watermarks = new Map<string, number>();
  readonly #insights: InsightsPublisher;
  readonly #read: SeriesReader;
  readonly #now: () => number;
  readonly #profiler: ChangeProfiler | null;
  #chain: Promise<void> = Promise.resolve();
  #rounds: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | null = null;
  #ticking = false;
  #judging = 0;
  #stats = { proposals: 0, transitions: 0, published: 0, verdicts: 0, errors: 0, lastError: null as string | null };

  constructor(private readonly deps: OptimizationStageDeps) {
    this.#now = deps.now ?? Date.now;
    this.#read = deps.read ?? ((source, metric, from, until) => querySeries(deps.db, source, metric, from, until));
    this.#profiler = deps.profiling ? new ChangeProfiler({ db: deps.db, profiles: deps.profiling.service, settings: deps.profiling.settings, log: deps.log, now: this.#now }) : null;
    this.service = new OptimizationService({
      db: deps.db,
      appliers: deps.appliers,
      settings: deps.settings,
      log: deps.log,
      now: this.#now,
      onTransition: (r, t) => this.#onTransition(r, t),
      readyToApply: (r) => this.#hasBeforeWindow(r),
      ...(this.#profiler ? { changeProfiles: this.#profiler } : {}),
    });
    this.#insights = new InsightsPublisher({
      db: deps.db,
      publish: (subject, payload) => deps.bus.publish(subject, payload),
      watermark: (s) => this.watermark(s),
      baselineMs: () => deps.settings().baselineMs,
      now: this.#now,
    });
  }

  /** Where advisors hand their proposals. */
  readonly propose: ProposalSink = (p) => this.service.propose(p);

  /** The snapshot listener: notes each source's latest event time (constant time per snapshot). */
  observe(snapshots: readonly MetricSnapshot[]): void {
    for (const s of snapshots) this.noteEventTime(s.source, s.timestamp);
  }

  /** Notes that a source's data has arrived up to `at` (event time): for series read from elsewhere than the snapshots. */
  noteEventTime(source: string, at: number): void {
    if (!(at <= (this.#watermarks.get(source) ?? -Infinity))) this.#watermarks.set(source, at);
    this.#insights.seen(source);
  }

  /** Latest event time seen from a source since start (-Infinity when none). */
  watermark(source: string): number {
    return this.#watermarks.get(source) ?? -Infinity;
  }

  /** A bottleneck opened (diagnosis calls this once it is stored): its recommendations of the closed set become proposals. */
  onBottleneck(b: BottleneckFacts): void {
    for (const p of proposalsFromBottleneck(b)) {
      this.#run(async () => void (await this.service.propose(p, 'bottleneck')));
    }
  }

  async start(): Promise<void> {
    const old = await deleteOldOptimizations(this.deps.db, this.#now() - (this.deps.retentionDays() + 1) * 86_400_000);
    if (old > 0) this.deps.log.info({ deleted: old }, 'finished optimizations past retention deleted');
    for (const r of await unfinishedIntents(this.deps.db)) {
      this.deps.log.warn({ optimization_id: r.id, intent: r.intent }, 'finishing an action interrupted by a stop');
      this.#run(async () => void (await this.service.resume(r)));
    }
    await this.service.applyWaiting(await openProposals(this.deps.db));
    this.#timer = setInterval(() => this.#tick(), TICK_MS);
    this.#timer.unref();
  }

  /** Runs one round now (after the one under way, if any): publishes stored transitions, runs due looks, publishes due insights. */
  tick(): Promise<void> {
    const round = this.#rounds.then(() => this.#round());
    this.#rounds = round.catch(() => undefined);
    return round;
  }

  async #round(): Promise<void> {
    await this.#chain;
    const s = this.deps.settings();
    await this.#drain();
    await this.service.applyWaiting();
    const due = await dueOptimizations(this.deps.db);
    this.#judging = due.length;
    const ctx = { read: this.#read, watermark: (src: string) => this.watermark(src), wall: this.#now(), maxWaitMs: s.maxWaitMs, prepare: this.deps.flushWrites };
    for (const r of due) {
      const e = await judgeDue(r, r.status === 'applied' ? 'change' : 'rollback', ctx);
      if (e) await this.service.step(r.id, e);
    }
    await this.#drain();
    await this.#insights.round(s.insightsIntervalMs);
  }

  /** Resolves when everything under way (proposals, the engine's own actions, a round) is done and its transitions published. */
  async flushed(): Promise<void> {
    await this.#rounds;
    await this.#chain;
    await this.service.settled();
    await this.#chain;
    await this.#drain();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.flushed().catch((err: unknown) => this.deps.log.error({ err }, 'optimization stage stop failed'));
    await this.#profiler?.settled();
  }

  status(): OptimizationStatus {
    return { ...this.#stats, insights: this.#insights.published, judging: this.#judging, waiting: this.service.waiting() };
  }

  #tick(): void {
    if (this.#ticking) return;
    this.#ticking = true;
    this.tick()
      .catch((err: unknown) => this.#fail(err, 'optimization round failed'))
      .finally(() => (this.#ticking = false));
  }

  /**
   * Whether every judging metric of a proposal has at least the minimum of samples in a before
   * window ending at its source's latest event time: the engine applies its own changes only then,
   * so that each can be judged (a statement's series starts when its index is proposed).
   */
  async #hasBeforeWindow(r: OptimizationRecord): Promise<boolean> {
    const j = this.deps.settings().judge;
    let flushed = false;
    for (const e of r.expect) {
      const source = e.source ?? r.source;
      if (source === null) continue;
      const until = this.watermark(source);
      if (until === -Infinity) return false;
      if (!flushed) await this.deps.flushWrites();
      flushed = true;
      if ((await this.#read(source, e.metric, until - j.beforeMs, until)).length < j.minSamples) return false;
    }
    return true;
  }

  #onTransition(r: OptimizationRecord, t: Transition): void {
    this.#stats.transitions++;
    if (t.event === 'proposed') this.#stats.proposals++;
    if (t.event !== 'verdict' && t.event !== 'rollback_verdict') return;
    this.#stats.verdicts++;
    if (t.event === 'verdict' && r.status === 'regressed') this.service.afterRegression(r);
    const sources = new Set([r.source, ...r.expect.map((e) => e.source ?? null)].filter((s): s is string => s !== null));
    for (const s of sources) this.#run(() => this.#insights.publishFor(s));
  }

  async #drain(): Promise<void> {
    if (!this.deps.bus.connected()) return;
    const n = await drainOutbox(this.deps.db, (m) => this.deps.bus.publish(SUBJECTS.optimizationStatus, encodeJson(m)));
    this.#stats.published += n;
  }

  /** Runs work after what is queued, logging (never throwing) a failure. */
  #run(op: () => Promise<void>): void {
    this.#chain = this.#chain.then(op).catch((err: unknown) => this.#fail(err, 'optimization work failed'));
  }

  #fail(err: unknown, message: string): void {
    this.#stats.errors++;
    this.#stats.lastError = `${message}: ${String(err)}`;
    this.deps.log.error({ err }, message);
  }
}
