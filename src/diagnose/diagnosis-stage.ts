import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Component } from '../agent/base-agent.js';
import { encodeJson } from '../bus/bus.js';
import { SUBJECTS } from '../bus/subjects.js';
import type { Config } from '../config/schema.js';
import type { DetectionEvents } from '../detect/stream/detection-events.js';
import type { MetricSnapshot } from '../model/snapshot.js';
import { NotificationQueue, type Notification, type NotificationSink, type QueueStats } from '../alert/notification-queue.js';
import type { AutoDecision, BottleneckEvent } from '../profile/service/auto-profiler.js';
import type { Queryable } from '../store/db.js';
import { detectedMessage, updateMessage } from './bottleneck-message.js';
import { insertBottleneck, loadActiveBottlenecks, updateBottleneck } from './bottleneck-repo.js';
import { Diagnoser, type BottleneckTransition, type DiagnoserSettings, type DiagnoserStats } from './diagnoser.js';

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
export interface DiagnosisStatus extends DiagnoserStats {
  readonly notifications: QueueStats;
  /** Mean time in diagnosis per snapshot since start (event-loop CPU), µs. */
  readonly microsPerSnapshot: number;
  readonly snapshots: number;
  readonly refusedOpens: number;
  readonly writeErrors: number;
  readonly lastError: string | null;
}

const SWEEP_MS = 1000;
const QUEUE_MAX = 10_000;

/**
 * Diagnosis as an engine component: feeds the diagnoser the detection stage's anomalies and every
 * accepted snapshot, then stores each transition in `bottlenecks` before publishing it
 * (`performance.bottleneck_detected` once per bottleneck, `performance.bottleneck_updated` for
 * escalations, new evidence and resolution), so a restart never publishes one twice; an opening
 * the database refuses (the source already has an active bottleneck) is not published. Asks the
 * profiling service for an automatic profile of the affected agent when one opens. Open
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
  #refused = 0;
  #writeErrors = 0;
  #lastError: string | null = null;
  #enabled: boolean;
  /** Bottlenecks whose opening was refused by the database: their later versions are not published either. */
  readonly #unpublished = new Set<string>();

  constructor(
    private readonly db: Queryable,
    bus: NotificationSink,
    detection: DetectionEvents,
    private readonly log: Logger,
    private readonly settings: () => DiagnoserSettings,
    private readonly autoProfile: ((e: BottleneckEvent) => AutoDecision) | null = null,
    now: () => number = Date.now,
  ) {
    this.queue = new NotificationQueue(bus, QUEUE_MAX, (err) => this.log.warn({ err }, 'bottleneck notification refused by the bus'));
    this.diagnoser = new Diagnoser({
      detail: (source, metric) => detection.detail(source, metric),
      settings,
      newId: randomUUID,
      now,
      emit: (t) => this.#onTransition(t),
    });
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
    const open = await loadActiveBottlenecks(this.db);
    this.diagnoser.restore(open);
    if (open.length > 0) this.log.info({ active: open.length }, 'active bottlenecks restored');
    this.#timer = setInterval(() => {
      this.diagnoser.sweep();
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
    if (t.type === 'opened') {
      if (this.autoProfile && r.scope === 'agent') {
        const d = this.autoProfile({ source: r.source, kind: r.kind, bottleneck_id: r.id, severity: r.severity, metric: r.metric });
        const extra = { auto_profile: d.started ? { profile_id: d.profileId, kind: d.kind } : { skipped: d.reason } };
        this.diagnoser.addEvidence(r.source, r.id, extra);
        t = { ...t, record: { ...r, evidence: { ...r.evidence, ...extra } } };
      }
      const opened = t.record;
      this.#write(async () => {
        const inserted = await insertBottleneck(this.db, opened).catch((err: unknown) => {
          this.#unpublished.add(opened.id);
          throw err;
        });
        if (inserted) return [{ subject: SUBJECTS.bottleneckDetected, payload: encodeJson(detectedMessage(opened)) }];
        this.#refused++;
        this.#unpublished.add(opened.id);
        this.log.warn({ source: opened.source, kind: opened.kind }, 'bottleneck not published: the source already has an active one in the database');
        return [];
      }, false);
      return;
    }
    const out: Notification[] = [];
    if (t.type === 'updated') out.push({ subject: SUBJECTS.bottleneckUpdated, payload: encodeJson(updateMessage(r, t.update!, t.previousSeverity)) });
    if (t.type === 'resolved') out.push({ subject: SUBJECTS.bottleneckUpdated, payload: encodeJson(updateMessage(r, 'resolved')) });
    this.#write(async () => {
      if (this.#unpublished.has(r.id)) {
        if (t.type === 'resolved') this.#unpublished.delete(r.id);
        return [];
      }
      await updateBottleneck(this.db, r);
      return out;
    }, true, out);
  }

  /**
   * Writes in order, then publishes what the write was about. An opening whose write failed is not
   * published (nothing to continue from after a restart); an update is, since peers hold the bottleneck.
   */
  #write(op: () => Promise<readonly Notification[]>, publishOnError: boolean, fallback: readonly Notification[] = []): void {
    this.#chain = this.#chain.then(async () => {
      let out: readonly Notification[] = [];
      try {
        out = await op();
      } catch (err) {
        this.#writeErrors++;
        this.#lastError = `saving a bottleneck: ${String(err)}`;
        this.log.error({ err }, publishOnError ? 'saving a bottleneck update failed; published anyway' : 'saving a new bottleneck failed; not published');
        if (publishOnError) out = fallback;
      }
      for (const n of out) this.queue.push(n);
    });
  }

  /** Resolves when every transition so far is written and queued for publishing. */
  flushed(): Promise<void> {
    return this.#chain;
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#chain;
    this.queue.drain();
  }

  status(): DiagnosisStatus {
    return {
      ...this.diagnoser.stats(),
      notifications: this.queue.stats(),
      microsPerSnapshot: this.#snapshots > 0 ? (this.#busyMs * 1000) / this.#snapshots : 0,
      snapshots: this.#snapshots,
      refusedOpens: this.#refused,
      writeErrors: this.#writeErrors,
      lastError: this.#lastError,
    };
  }
}
