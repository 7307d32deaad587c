import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Component } from '../../lifecycle/component.js';
import { encodeJson } from '../../wire/json.js';
import { SUBJECTS } from '../../wire/subjects.js';
import type { Config, DegradationSettings, ThresholdRule } from '../../config/schema.js';
import type { DetectionEvents } from '../../detect/stream/detection-events.js';
import type { MetricSnapshot } from '../../model/snapshot.js';
import type { Queryable } from '../../store/db.js';
import { AlertEvaluator } from '../alert-evaluator.js';
import { describeAlert, firingMessage, resolvedMessage, updateMessage, type AlertTransition } from '../alert-message.js';
import { deleteAlert, loadOpenAlerts, openAcknowledgements, saveAlert, saveAlerts, type AlertRecord } from './alert-repo.js';
import { resolveDegradation, type DegradationConfig } from '../degradation.js';
import { NotificationQueue, type Notification, type NotificationSink, type QueueStats } from '../notification-queue.js';
import { deleteSilencesBefore, listSilences } from './silence-repo.js';
import { findSilence, type Silence } from '../silences.js';
import { RuleBook } from '../threshold-rules.js';
import { AlertWrites } from './alert-writes.js';
import { RateLimitedLog } from '../../lifecycle/rate-limited-log.js';
import { flatString } from '../../model/flat-string.js';

/** Settings read from the configuration (re-read on `reconfigure`). */
export interface AlertingSettings {
  readonly thresholds: Readonly<Record<string, ThresholdRule>>;
  readonly keepFiringSeconds: number;
  readonly staleSeconds: number;
  readonly degradation: DegradationSettings;
  readonly queueMax: number;
  readonly retentionDays: number;
}

/** The stage's settings in a configuration. */
export function alertingSettings(c: Config): AlertingSettings {
  return {
    thresholds: c.alert_thresholds,
    keepFiringSeconds: c.alert_keep_firing_seconds,
    staleSeconds: c.alert_stale_seconds,
    degradation: c.alert_degradation,
    queueMax: c.alert_queue_max,
    retentionDays: c.data_retention_days,
  };
}

/** Configuration keys whose change makes the stage re-read its rules. */
const LIVE: readonly string[] = ['alert_thresholds', 'alert_keep_firing_seconds', 'alert_stale_seconds', 'alert_degradation'];

/** Notification state of an open alert, beside its machine. */
interface Notice {
  /** Its `firing` message went out (so its `resolved` will too). */
  notified: boolean;
  silencedBy: string | null;
  acknowledgedBy: string | null;
}

/** How often silences and acknowledgements are re-read, open alerts saved, and silent series checked. */
const SYNC_MS = 5000;
const SWEEP_MS = 1000;

/**
 * Alerting as an engine component: runs the evaluator on every accepted snapshot and on the
 * detection stage's anomalies, persists every transition in `alerts` (then publishes, so a
 * restart never fires an alert twice), applies silences and acknowledgements, and restores open
 * alerts at start. Notifications go through a bounded queue.
 */
export class AlertingStage implements Component {
  readonly name = 'alerting';
  readonly evaluator: AlertEvaluator;
  readonly queue: NotificationQueue;
  readonly #notices = new Map<string, Notice>();
  #silences: Silence[] = [];
  #rules: RuleBook;
  #degradation: DegradationConfig;
  #staleMs: number;
  readonly #writes: AlertWrites<AlertRecord>;
  readonly #errorLog: RateLimitedLog;
  #timers: NodeJS.Timeout[] = [];
  #writeErrors = 0;
  #lastError: string | null = null;

  constructor(
    private readonly db: Queryable,
    bus: NotificationSink,
    detection: DetectionEvents | null,
    private readonly log: Logger,
    private readonly settings: () => AlertingSettings,
    private readonly now: () => number = Date.now,
  ) {
    const s = settings();
    this.#rules = new RuleBook(s.thresholds, { keepFiringSeconds: s.keepFiringSeconds });
    this.#degradation = resolveDegradation(s.degradation);
    this.#staleMs = s.staleSeconds * 1000;
    this.queue = new NotificationQueue(bus, s.queueMax, (err) => this.log.warn({ err }, 'alert notification refused by the bus'));
    this.#errorLog = new RateLimitedLog(log);
    this.#writes = new AlertWrites(
      (err) => this.#writeFailed(err),
      (n) => this.queue.push(n),
      (records) => saveAlerts(this.db, records),
    );
    this.evaluator = new AlertEvaluator({
      rules: () => this.#rules,
      degradation: () => this.#degradation,
      staleMs: () => this.#staleMs,
      detection,
      // Kept as long as the alert is open: flat, not randomUUID's tree of 20 pieces.
      newId: () => flatString(randomUUID()),
      now: this.now,
      emit: (t) => {
        const full = this.#withBounds(t);
        this.#logTransition(full);
        this.#onTransition(full);
      },
    });
  }

  /** The snapshot listener: threshold rules on every accepted snapshot. */
  ingest(snapshots: readonly MetricSnapshot[]): void {
    this.evaluator.onSnapshots(snapshots);
  }

  async start(): Promise<void> {
    const removed = await deleteSilencesBefore(this.db, this.now() - this.settings().retentionDays * 86_400_000);
    if (removed > 0) this.log.info({ removed }, 'removed expired silences older than the retention');
    const open = await loadOpenAlerts(this.db);
    for (const a of open) this.#notices.set(a.episode.alertId, { notified: a.notified, silencedBy: a.silencedBy, acknowledgedBy: a.acknowledgedBy });
    this.evaluator.restore(open);
    if (open.length > 0) this.log.info({ open: open.length }, 'open alerts restored');
    await this.sync();
    const every = (ms: number, fn: () => void) => {
      const t = setInterval(fn, ms);
      t.unref();
      this.#timers.push(t);
    };
    every(SWEEP_MS, () => {
      this.evaluator.sweep();
      this.queue.drain();
    });
    every(SYNC_MS, () => {
      this.#saveOpen();
      void this.sync();
    });
  }

  /** Applies a live configuration change when `changed` touches the stage's keys. */
  applyConfig(changed: readonly string[]): void {
    if (changed.some((k) => LIVE.includes(k))) this.reconfigure();
  }

  /** Re-reads rules and degradation settings and ends episodes of removed rules. */
  reconfigure(): void {
    const s = this.settings();
    this.#rules = new RuleBook(s.thresholds, { keepFiringSeconds: s.keepFiringSeconds });
    this.#degradation = resolveDegradation(s.degradation);
    this.#staleMs = s.staleSeconds * 1000;
    this.evaluator.rulesChanged();
  }

  /**
   * Re-reads silences and acknowledgements (made by the CLI, the API or another engine), and
   * sends the held-back `firing` of alerts no longer silenced.
   */
  async sync(): Promise<void> {
    try {
      const now = this.now();
      const [silences, acks] = await Promise.all([listSilences(this.db, now), openAcknowledgements(this.db)]);
      this.#silences = silences;
      for (const [id, n] of this.#notices) n.acknowledgedBy = acks.get(id) ?? null;
      for (const o of this.evaluator.open()) {
        const n = this.#notices.get(o.episode.alertId);
        if (!n || n.notified || o.episode.phase !== 'firing') continue;
        if (findSilence(silences, { source: o.source, metric: o.metric, severity: o.episode.severity }, now)) continue;
        this.#onTransition(this.#withBounds({ ...o, kind: 'fired', at: o.episode.firedAt! }));
      }
    } catch (err) {
      this.#lastError = `reading silences: ${String(err)}`;
      this.log.warn({ err }, 'could not read silences and acknowledgements');
    }
  }

  /** Records an acknowledgement taken by the API, so re-notifications stop at once. */
  acknowledged(alertId: string, by: string): void {
    const n = this.#notices.get(alertId);
    if (n) n.acknowledgedBy = by;
  }

  /** Adds the direction and clear level of a threshold alert's rule, which its message is worded by. */
  #withBounds(t: AlertTransition): AlertTransition {
    const rule = t.rule === 'threshold' ? this.#rules.ruleFor(t.metric, t.source) : null;
    return rule ? { ...t, bounds: { direction: rule.direction, clear: rule.clear } } : t;
  }

  /** One info line per firing, severity change and resolution, so the log alone tells what alerted (silenced or not). */
  #logTransition(t: AlertTransition): void {
    if (t.kind !== 'fired' && t.kind !== 'escalated' && t.kind !== 'deescalated' && t.kind !== 'resolved') return;
    const e = t.episode;
    const silence = t.kind === 'resolved' ? null : findSilence(this.#silences, { source: t.source, metric: t.metric, severity: e.severity }, this.now());
    this.log.info(
      {
        alert_id: e.alertId,
        source: t.source,
        metric: t.metric,
        rule: t.rule,
        severity: e.severity,
        ...(t.previousSeverity ? { previous_severity: t.previousSeverity } : {}),
        ...(t.kind === 'resolved' ? { resolve_reason: t.reason ?? 'cleared' } : {}),
        ...(silence ? { silenced_by: silence.id } : {}),
      },
      `alert ${t.kind}: ${describeAlert(t)}`,
    );
  }

  #onTransition(t: AlertTransition): void {
    const id = t.episode.alertId;
    if (t.kind === 'cancelled') {
      this.#notices.delete(id);
      this.#write(id, () => deleteAlert(this.db, id), []);
      return;
    }
    let n = this.#notices.get(id);
    if (!n) this.#notices.set(id, (n = { notified: false, silencedBy: null, acknowledgedBy: null }));
    const out: Notification[] = [];
    if (t.kind === 'resolved') {
      if (n.notified) out.push({ subject: SUBJECTS.alert, payload: encodeJson(resolvedMessage(t)) });
      this.#notices.delete(id);
    } else if (t.kind !== 'pending') {
      const silence = findSilence(this.#silences, { source: t.source, metric: t.metric, severity: t.episode.severity }, this.now());
      if (!n.notified) {
        if (silence) n.silencedBy = silence.id;
        else {
          n.notified = true;
          n.silencedBy = null;
          out.push({ subject: SUBJECTS.alert, payload: encodeJson(firingMessage(t)) });
        }
      } else if (!silence && t.kind !== 'fired' && !(t.kind === 'renotify' && n.acknowledgedBy !== null)) {
        out.push({ subject: SUBJECTS.alertUpdate, payload: encodeJson(updateMessage(t, t.kind)) });
      }
    }
    const record = this.#record(t, n);
    this.#write(id, () => saveAlert(this.db, record), out);
  }

  #record(t: AlertTransition, n: Notice): AlertRecord {
    const resolved = t.kind === 'resolved';
    return {
      source: t.source,
      metric: t.metric,
      rule: t.rule,
      episode: t.episode,
      state: resolved ? 'resolved' : t.episode.phase,
      resolvedAt: resolved ? t.at : null,
      reason: resolved ? (t.reason ?? 'cleared') : null,
      message: describeAlert(t),
      notified: n.notified,
      silencedBy: n.silencedBy,
      reference: t.reference,
      interval: t.interval,
    };
  }

  /** Saves open alerts whose latest value changed (so a restart continues from recent state), together: one statement for up to 500. */
  #saveOpen(): void {
    for (const o of this.evaluator.dirtyOpen()) {
      const n = this.#notices.get(o.episode.alertId) ?? { notified: false, silencedBy: null, acknowledgedBy: null };
      const t = this.#withBounds({ ...o, kind: o.episode.phase === 'firing' ? 'fired' : 'pending', at: o.episode.lastTs });
      const record = this.#record(t, n);
      this.#writes.saveLatest(o.episode.alertId, record, () => saveAlert(this.db, record));
    }
  }

  /** Writes (the latest state of each alert), then publishes what the write was about (a failed write is counted and logged, the message still goes out). */
  #write(alertId: string, op: () => Promise<void>, notifications: readonly Notification[]): void {
    this.#writes.add(alertId, op, notifications);
  }

  #writeFailed(err: unknown): void {
    this.#writeErrors++;
    this.#lastError = `saving an alert: ${String(err)}`;
    this.#errorLog.error('saving an alert failed', { err }, 'saving an alert failed');
  }

  /** Resolves when every transition so far is written and queued for publishing. */
  flushed(): Promise<void> {
    return this.#writes.flushed();
  }

  async stop(): Promise<void> {
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    this.#saveOpen();
    await this.#writes.flushed();
    this.queue.drain();
  }

  status(): { evaluator: ReturnType<AlertEvaluator['stats']>; notifications: QueueStats; silences: number; writeErrors: number; lastError: string | null } {
    return {
      evaluator: this.evaluator.stats(),
      notifications: this.queue.stats(),
      silences: this.#silences.length,
      writeErrors: this.#writeErrors,
      lastError: this.#lastError,
    };
  }
}
