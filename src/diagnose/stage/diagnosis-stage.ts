import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Component } from '../../lifecycle/component.js';
import { encodeJson } from '../../wire/json.js';
import { SUBJECTS } from '../../wire/subjects.js';
import type { Config } from '../../config/schema.js';
import type { DetectionEvents } from '../../detect/stream/detection-events.js';
import type { MetricSnapshot } from '../../model/snapshot.js';
import { NotificationQueue, type Notification, type NotificationSink, type QueueStats } from '../../alert/notification-queue.js';
import type { AutoDecision, BottleneckEvent } from '../../profile/service/auto-profiler.js';
import type { Queryable } from '../../store/db.js';
import { updateMessage } from '../bottleneck-message.js';
import { loadActiveBottlenecks, resolveStatelessBottlenecks } from './bottleneck-repo.js';
import type { BottleneckRecord } from '../bottleneck-record.js';
import { BottleneckWriter, RETRY_MS, type WriterStats } from './bottleneck-writer.js';
import { Diagnoser, type BottleneckTransition, type DiagnoserStats } from '../diagnoser.js';
import { type DiagnoserSettings } from '../frame-context.js';

/** The diagnosis settings of a configuration, times in milliseconds. */
export function diagnosisSettings(c: Config): DiagnoserSettings {
  return {
    enabled: c.diagnose_enabled,
    holdMs: c.diagnose_hold_seconds * 1000,
    holdSamples: c.diagnose_hold_samples,
    clearMs: c.diagnose_clear_seconds * 1000,
    staleMs: c.diagnose_stale_seconds * 1000,
    updateIntervalMs: c.diagnose_update_interval_seconds * 1000,
  };
}

/** What `status` shows of diagnosis. */
export interface DiagnosisStatus extends DiagnoserStats, WriterStats {
  readonly notifications: QueueStats;
  /** Mean time in diagnosis per snapshot since start (event-loop CPU), µs. */
  readonly microsPerSnapshot: number;
  readonly snapshots: number;
}

const SWEEP_MS = 1000;
const QUEUE_MAX = 10_000;

/**
 * Diagnosis as an engine component: feeds the diagnoser the detection stage's anomalies and every
 * accepted snapshot, then stores each transition in `bottlenecks` before publishing it
 * (`performance.bottleneck_detected` once per bottleneck, `performance.bottleneck_updated` for
 * escalations, new evidence and resolution), so a restart never publishes one twice; an opening
 * the database refuses (the source already has an active bottleneck) is not published. Asks the
 * profiling service for an automatic profile of the affected agent when one opens, and tells
 * `onOpened` (the optimization loop, which turns its recommendations into proposals). Open
 * bottlenecks are restored at start.
 */
export class DiagnosisStage implements Component {
  readonly name = 'diagnosis';
  readonly diagnoser: Diagnoser;
  readonly queue: NotificationQueue;
  #chain: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | null = null;
  #busyMs = 0;
  #snapshots = 0;
  #lastRetry = 0;
  #enabled: boolean;
  readonly #writer: BottleneckWriter;

  constructor(
    private readonly db: Queryable,
    bus: NotificationSink,
    detection: DetectionEvents,
    private readonly log: Logger,
    private readonly settings: () => DiagnoserSettings,
    private readonly autoProfile: ((e: BottleneckEvent) => AutoDecision) | null = null,
    now: () => number = Date.now,
    private readonly onOpened: ((r: BottleneckRecord) => void) | null = null,
  ) {
    this.queue = new NotificationQueue(bus, QUEUE_MAX, (err) => this.log.warn({ err }, 'bottleneck notification refused by the bus'));
    this.diagnoser = new Diagnoser({
      detail: (source, metric) => detection.detail(source, metric),
      settings,
      newId: randomUUID,
      now,
      emit: (t) => this.#onTransition(t),
    });
    this.#writer = new BottleneckWriter(db, log, (r) => this.#stored(r));
    this.#enabled = settings().enabled;
    detection.onAnomaly((a) => this.diagnoser.onAnomaly(a));
  }

  /** The snapshot listener (registered after the detection stage's, so its anomalies come first). */
  ingest(snapshots: readonly MetricSnapshot[]): void {
    const t0 = performance.now();
    this.diagnoser.onSnapshots(snapshots);
    this.#busyMs += performance.now() - t0;
    this.#snapshots += snapshots.length;
  }

  async start(): Promise<void> {
    const stateless = await resolveStatelessBottlenecks(this.db, Date.now());
    if (stateless > 0) this.log.warn({ resolved: stateless }, 'active bottlenecks without state to continue from resolved as stale');
    const open = await loadActiveBottlenecks(this.db);
    this.diagnoser.restore(open);
    if (open.length > 0) this.log.info({ active: open.length }, 'active bottlenecks restored');
    if (!this.#enabled) this.diagnoser.resolveAll('disabled');
    this.#timer = setInterval(() => {
      this.diagnoser.sweep();
      const now = Date.now();
      if (this.#writer.pending > 0 && now - this.#lastRetry >= RETRY_MS) {
        this.#lastRetry = now;
        this.#write(() => this.#writer.retry());
      }
      this.queue.drain();
    }, SWEEP_MS);
    this.#timer.unref();
  }

  /** Applies a live configuration change: switching diagnosis off resolves what is open. */
  applyConfig(changed: readonly string[]): void {
    if (!changed.includes('diagnose_enabled')) return;
    const enabled = this.settings().enabled;
    if (this.#enabled && !enabled) this.diagnoser.resolveAll('disabled');
    this.#enabled = enabled;
  }

  #onTransition(t: BottleneckTransition): void {
    const r = t.record;
    this.#logTransition(t);
    if (t.type === 'opened') {
      this.#write(() => this.#writer.opened(r));
      return;
    }
    // A `saved` version is written without publishing.
    const message = t.type === 'updated' ? updateMessage(r, t.update!, t.previousSeverity) : t.type === 'resolved' ? updateMessage(r, 'resolved') : null;
    const out = message ? [{ subject: SUBJECTS.bottleneckUpdated, payload: encodeJson(message) }] : [];
    this.#write(() => this.#writer.changed(r, out));
  }

  /** One info line per opening, escalation and resolution, so the log alone tells what was diagnosed. */
  #logTransition(t: BottleneckTransition): void {
    const r = t.record;
    const what = t.type === 'opened' ? 'opened' : t.type === 'resolved' ? 'resolved' : t.update === 'escalated' ? 'escalated' : null;
    if (what === null) return;
    this.log.info(
      {
        bottleneck_id: r.id,
        source: r.source,
        kind: r.kind,
        metric: r.metric,
        severity: r.severity,
        ...(what === 'escalated' && t.previousSeverity ? { previous_severity: t.previousSeverity } : {}),
        ...(what === 'resolved' ? { resolve_reason: r.resolveReason } : {}),
      },
      `bottleneck ${what}: ${r.summary}`,
    );
  }

  /** A bottleneck just opened is stored: told to the listener (the optimization loop), and profiled. */
  #stored(r: BottleneckRecord): Record<string, unknown> | null {
    this.onOpened?.(r);
    return this.#autoProfile(r);
  }

  /** An automatic profile of an agent whose bottleneck was just stored; the evidence that records it. */
  #autoProfile(r: BottleneckRecord): Record<string, unknown> | null {
    if (!this.autoProfile || r.scope !== 'agent') return null;
    const d = this.autoProfile({ source: r.source, kind: r.kind, bottleneck_id: r.id, severity: r.severity, metric: r.metric });
    const extra = { auto_profile: d.started ? { profile_id: d.profileId, kind: d.kind } : { skipped: d.reason } };
    this.diagnoser.addEvidence(r.source, r.id, extra);
    return extra;
  }

  /** Runs writes one after another, in transition order, and queues what each makes publishable. */
  #write(op: () => Promise<readonly Notification[]>): void {
    this.#chain = this.#chain.then(async () => {
      try {
        for (const n of await op()) this.queue.push(n);
      } catch (err) {
        this.log.error({ err }, 'bottleneck write failed unexpectedly');
      }
    });
  }

  /** Resolves when every transition so far is written and queued for publishing. */
  flushed(): Promise<void> {
    return this.#chain;
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    if (this.#writer.pending > 0) this.#write(() => this.#writer.retry());
    await this.#chain;
    if (this.#writer.pending > 0) this.log.error({ unsaved: this.#writer.pending }, 'bottlenecks not saved at stop (the database refused their writes)');
    this.queue.drain();
  }

  status(): DiagnosisStatus {
    return {
      ...this.diagnoser.stats(),
      notifications: this.queue.stats(),
      microsPerSnapshot: this.#snapshots > 0 ? (this.#busyMs * 1000) / this.#snapshots : 0,
      snapshots: this.#snapshots,
      ...this.#writer.stats(),
    };
  }
}
