import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Component } from '../../lifecycle/component.js';
import type { Config } from '../../config/schema.js';
import type { MetricSnapshot } from '../../model/snapshot.js';
import { RateLimitedLog } from '../../lifecycle/rate-limited-log.js';
import { createSeriesDetector } from '../anomaly/index.js';
import type { DetectionEvents } from '../stream/detection-events.js';
import { DetectionManager, type ManagerStats } from '../stream/detection-manager.js';
import { LOAD_AGAIN, type LoadRequest, type SeriesLoad } from '../stream/series-load.js';
import { deleteStatesBefore, loadSeries, saveStateBatch, type Transactional } from './detector-state-repo.js';
import { StateBatch } from './detector-state-copy.js';

/** Settings read from the configuration (live ones are re-read on change). */
export interface DetectionSettings {
  /** False: snapshots pass by without being scored (stores and forwards only). */
  readonly enabled: boolean;
  readonly maxSeries: number;
  readonly anomalyScore: number;
  readonly checkpointSeconds: number;
  readonly warmupSamples: number;
  /** Statement timeout of the history read of new series (`detect_warmup_timeout_ms`). */
  readonly warmupTimeoutMs: number;
  readonly retentionDays: number;
}

/** The stage's settings in a configuration. */
export function detectionSettings(c: Config): DetectionSettings {
  return {
    enabled: c.detect_enabled,
    maxSeries: c.detect_max_series,
    anomalyScore: c.detect_anomaly_score,
    checkpointSeconds: c.detect_checkpoint_seconds,
    warmupSamples: c.detect_warmup_samples,
    warmupTimeoutMs: c.detect_warmup_timeout_ms,
    retentionDays: c.data_retention_days,
  };
}

/** Configuration keys the stage re-reads when they change. */
const LIVE: readonly string[] = ['detect_enabled', 'detect_max_series', 'detect_anomaly_score', 'detect_checkpoint_seconds', 'detect_warmup_samples'];

/** What `status` shows of the stage. */
export interface DetectionStatus extends ManagerStats {
  /** Bytes of one saved detector state (the persistent size of a series). */
  readonly stateBytesPerSeries: number;
  /** Mean time spent in the stage per sample since start (manager and detector; synchronous, so event-loop CPU), in µs. */
  readonly microsPerSample: number;
  readonly lastCheckpoint: { readonly at: string; readonly saved: number; readonly ms: number } | null;
  readonly lastError: string | null;
  /** Series that started without their history because its read timed out (`detect_warmup_timeout_ms`). */
  readonly warmupTimeouts: number;
}

const SAVE_CHUNK = 1000;
/** Rows of history one load statement may return, to bound a batch's memory. */
const HISTORY_ROWS_PER_BATCH = 200_000;
/**
 * Most series in one load batch. In the ingest bench's cold start (pg_stat_statements), the history
 * statement cost about 0.015 ms per series at 64, 128 and 256 series, but 0.12 ms at 500 (another
 * plan): 128 leaves room below that.
 */
const MAX_LOAD_BATCH = 128;

/**
 * The streaming detection stage as an engine component: feeds the manager every accepted
 * snapshot, saves detector states every `checkpointSeconds` and at stop, and loads each new
 * series' saved state and history from the database.
 */
export class DetectionStage implements Component {
  readonly name = 'detection';
  readonly manager: DetectionManager;
  #timer: NodeJS.Timeout | null = null;
  #saving: Promise<void> | null = null;
  /** The checkpoint's batch, reused (one checkpoint runs at a time). */
  #batch: StateBatch | null = null;
  #busyMs = 0;
  #lastCheckpoint: DetectionStatus['lastCheckpoint'] = null;
  #lastError: string | null = null;
  readonly #stateBytes = createSeriesDetector().snapshot().byteLength;
  #enabled: boolean;
  #warmupTimeouts = 0;
  /** Series in the next load batch (see `#load`). */
  #loadBatch: number;
  readonly #limited: RateLimitedLog;

  constructor(
    private readonly db: Transactional,
    private readonly log: Logger,
    private readonly settings: () => DetectionSettings,
  ) {
    const s = settings();
    this.#enabled = s.enabled;
    this.#loadBatch = loadBatch(s.warmupSamples);
    this.#limited = new RateLimitedLog(log);
    this.manager = new DetectionManager(
      { maxSeries: s.maxSeries, anomalyScore: s.anomalyScore, loadBatch: this.#loadBatch },
      (requests) => this.#load(requests),
      (err, what) => {
        this.#lastError = `${what}: ${String(err)}`;
        this.log.warn({ err }, what);
      },
    );
  }

  /**
   * Loads a batch of new series. Batches start at the size whose full history surely fits
   * `HISTORY_ROWS_PER_BATCH` and grow fourfold, up to `MAX_LOAD_BATCH`, while series bring little
   * history (new sources); one that brought a full answer sets them back.
   */
  async #load(requests: readonly LoadRequest[]): Promise<readonly (SeriesLoad | null | typeof LOAD_AGAIN)[]> {
    const s = this.settings();
    const loads = await loadSeries(this.db, requests, s.warmupSamples, { timeoutMs: s.warmupTimeoutMs, maxRows: HISTORY_ROWS_PER_BATCH, onTimeout: (n) => this.#warmupTimedOut(n) });
    let rows = 0;
    let full = false;
    for (const l of loads) {
      if (l === LOAD_AGAIN) full = true;
      else if (l !== null) rows += l.timestamps.length;
    }
    const safe = loadBatch(s.warmupSamples);
    this.#loadBatch = full || rows > HISTORY_ROWS_PER_BATCH / 4 ? safe : Math.min(MAX_LOAD_BATCH, Math.max(safe, this.#loadBatch * 4));
    this.manager.setOptions({ loadBatch: this.#loadBatch });
    return loads;
  }

  /** A history read timed out: its series start cold (or from their saved state alone). */
  #warmupTimedOut(series: number): void {
    this.#warmupTimeouts += series;
    this.#limited.warn('warmup timeout', { series, total: this.#warmupTimeouts, timeoutMs: this.settings().warmupTimeoutMs }, 'history warm-up timed out (detect_warmup_timeout_ms): series start without history');
  }

  /** What consumers (alerting, diagnosis) subscribe to. */
  get events(): DetectionEvents {
    return this.manager;
  }

  /** The snapshot listener: every accepted snapshot, in arrival order. */
  ingest(snapshots: readonly MetricSnapshot[]): void {
    if (!this.#enabled) return;
    const t0 = performance.now();
    this.manager.ingest(snapshots);
    this.#busyMs += performance.now() - t0;
  }

  /**
   * The analysis gate (engine fan-out): starts the loads of the snapshot's new series, and says
   * whether all of its series are ready. Always true while detection is off.
   */
  prepare(snapshot: MetricSnapshot): boolean {
    return !this.#enabled || this.manager.prepare(snapshot);
  }

  /** Tells `listener` when a source's last loading series is ready. */
  onSourceReady(listener: (source: string) => void): void {
    this.manager.onSourceReady(listener);
  }

  async start(): Promise<void> {
    const removed = await deleteStatesBefore(this.db, Date.now() - (this.settings().retentionDays + 1) * 86_400_000).catch((err: unknown) => {
      this.log.warn({ err }, 'could not remove old detector states');
      return 0;
    });
    if (removed > 0) this.log.info({ removed }, 'removed detector states of series gone longer than the retention');
    this.#schedule();
  }

  /** Applies changed settings (live configuration) when `changed` touches the stage's keys. */
  applyConfig(changed: readonly string[]): void {
    if (changed.some((k) => LIVE.includes(k))) this.reconfigure();
  }

  /** Re-reads every setting. */
  reconfigure(): void {
    const s = this.settings();
    this.#enabled = s.enabled;
    this.#loadBatch = loadBatch(s.warmupSamples);
    this.manager.setOptions({ maxSeries: s.maxSeries, anomalyScore: s.anomalyScore, loadBatch: this.#loadBatch });
    if (this.#timer) this.#schedule();
  }

  #schedule(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = setInterval(() => void this.checkpoint(), this.settings().checkpointSeconds * 1000);
    this.#timer.unref();
  }

  /** Saves every state updated since the last save, in chunks; one run at a time. */
  checkpoint(): Promise<void> {
    this.#saving ??= this.#save().finally(() => {
      this.#saving = null;
    });
    return this.#saving;
  }

  async #save(): Promise<void> {
    const t0 = performance.now();
    let saved = 0;
    // Kept from checkpoint to checkpoint: its buffer is sized once.
    const batch = (this.#batch ??= new StateBatch(this.db.copyBinary !== undefined));
    batch.clear();
    try {
      // Each state is copied into the batch as it is taken, so they can be handed out transient.
      for (const s of this.manager.dirtyStates({ transient: true })) {
        batch.add(s);
        if (batch.count >= SAVE_CHUNK) {
          await saveStateBatch(this.db, batch);
          saved += batch.count;
          batch.clear();
        }
      }
      await saveStateBatch(this.db, batch);
      saved += batch.count;
      this.#lastCheckpoint = { at: new Date().toISOString(), saved, ms: Math.round(performance.now() - t0) };
      this.log.debug(this.#lastCheckpoint, 'detector states saved');
    } catch (err) {
      this.#lastError = `saving detector states: ${String(err)}`;
      this.log.error({ err, saved }, 'saving detector states failed');
    }
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await Promise.race([this.manager.idle(), new Promise((r) => setTimeout(r, 5000).unref())]);
    await this.checkpoint();
  }

  status(): DetectionStatus {
    const m = this.manager.stats();
    return {
      ...m,
      stateBytesPerSeries: this.#stateBytes,
      microsPerSample: m.samples > 0 ? (this.#busyMs * 1000) / m.samples : 0,
      lastCheckpoint: this.#lastCheckpoint,
      lastError: this.#lastError,
      warmupTimeouts: this.#warmupTimeouts,
    };
  }
}

function loadBatch(warmupSamples: number): number {
  return Math.max(1, Math.min(MAX_LOAD_BATCH, Math.floor(HISTORY_ROWS_PER_BATCH / Math.max(1, warmupSamples))));
}
