import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { BaseAgent, type BusSource } from './agent/base-agent.js';
import { encodeJson, type Bus } from './bus/bus.js';
import { SUBJECTS } from './bus/subjects.js';
import { snapshotToWire } from './bus/wire/realtime-metrics.js';
import type { Collector } from './collect/collector.js';
import { createHostCollector, createProcessCollector } from './collect/collector.js';
import { MonitorLoop } from './collect/monitor-loop.js';
import { maskValue, type ConfigStore } from './config/config-store.js';
import { CONFIG_KEYS, type Config } from './config/schema.js';
import { LiveConfigUpdates } from './config/live-updates.js';
import { natsAuth } from './config/nats-settings.js';
import { InvalidMessageReporter } from './ingest/invalid-messages.js';
import { RealtimeIngest } from './ingest/realtime-ingest.js';
import type { MetricSnapshot } from './model/snapshot.js';
import { registerEngineApi } from './api/engine-api.js';
import { acquireLock } from './store/data-dir-lock.js';
import { migrate } from './store/migrate.js';
import { MetricWriter } from './store/metric-writer.js';
import type { AutoDecision, BottleneckEvent } from './profile/service/auto-profiler.js';
import { Profiling } from './profile/service/profiling.js';
import { describeDb, openDb } from './store/open-db.js';
import { DetectionStage, detectionSettings } from './detect/stream/detection-stage.js';
import type { DetectionEvents } from './detect/stream/detection-events.js';
import { AlertingStage, alertingSettings } from './alert/alerting-stage.js';
import { busSink } from './alert/notification-queue.js';
import { RetentionJob } from './store/retention-job.js';
import { DiagnosisStage, diagnosisSettings } from './diagnose/diagnosis-stage.js';

/** What the engine can be given instead of building it itself (tests, embedding). */
export interface EngineOverrides {
  /** An open bus to use instead of connecting. */
  readonly bus?: Bus;
  /** Collectors to run instead of the host and process collectors. */
  readonly collectors?: readonly Collector[];
  /** Address tried when no NATS URL is configured (tests point it at a closed port). */
  readonly defaultNatsUrl?: string;
}

/** The host name used as the host snapshot's source. */
export function engineHostName(config: Config): string {
  return config.host_name ?? hostname();
}

/** Builds the effective configuration report: value (secrets masked) and origin of every key. */
export function describeConfig(store: ConfigStore): Record<string, { value: unknown; origin: string }> {
  const cfg = store.current;
  return Object.fromEntries(
    CONFIG_KEYS.map((k) => [k, { value: maskValue(k, cfg[k]), origin: store.origins[k] }]),
  );
}

/**
 * The Performance Engine Agent: the composition root. Builds every stage, hands each its
 * dependencies, starts them in pipeline order (store before ingest and collection) and stops
 * them in reverse, so the writer flushes after the last sample has come in.
 */
export class PerformanceEngine {
  readonly agent: BaseAgent;
  readonly startedAt = new Date();
  #writer: MetricWriter | null = null;
  #ingest: RealtimeIngest | null = null;
  #monitor: MonitorLoop | null = null;
  #retention: RetentionJob | null = null;
  #invalid: InvalidMessageReporter | null = null;
  #liveConfig: LiveConfigUpdates | null = null;
  #profiling: Profiling | null = null;
  #detection: DetectionStage | null = null;
  #alerting: AlertingStage | null = null;
  #diagnosis: DiagnosisStage | null = null;
  #lock: ReturnType<typeof acquireLock> | null = null;
  readonly #snapshotListeners: ((s: readonly MetricSnapshot[]) => void)[] = [];

  constructor(
    readonly config: ConfigStore,
    readonly log: Logger,
    private readonly overrides: EngineOverrides = {},
  ) {
    const c = config.current;
    const bus: BusSource = overrides.bus
      ? { bus: overrides.bus }
      : {
          url: c.nats_url,
          name: c.agent_id,
          ...natsAuth(c),
          ...(overrides.defaultNatsUrl ? { defaultUrl: overrides.defaultNatsUrl } : {}),
        };
    this.agent = new BaseAgent({
      agentId: c.agent_id,
      log,
      bus,
      openDb: () => openDb({ databaseUrl: c.database_url, schema: c.database_schema, dataDir: c.data_dir }),
      http: { host: c.http_host, port: c.http_port },
      subjectPrefix: c.nats_subject_prefix,
    });
    registerEngineApi(this.agent.http!, {
      db: () => (this.#writer ? this.agent.db : null),
      status: () => this.status(),
      config: () => describeConfig(this.config),
      profiles: () => this.#profiling?.service ?? null,
      alerting: () => this.#alerting,
    });
  }

  /** Adds a listener of every snapshot the engine accepts (its own and other agents'). */
  onSnapshots(listener: (s: readonly MetricSnapshot[]) => void): void {
    this.#snapshotListeners.push(listener);
  }

  /** The diagnosis stage (open bottlenecks, flush); null before start. */
  get diagnosis(): DiagnosisStage | null {
    return this.#diagnosis;
  }

  /** The streaming detection stage's anomalies and followed series (for diagnosis); null before start. */
  get detection(): DetectionEvents | null {
    return this.#detection?.events ?? null;
  }

  /** Opens connections, migrates, wires the stages and starts them. */
  async start(): Promise<void> {
    const c = this.config.current;
    if (!c.database_url) this.#lock = acquireLock(c.data_dir);
    this.log.info(
      { agentId: c.agent_id, database: describeDb({ databaseUrl: c.database_url, schema: c.database_schema, dataDir: c.data_dir }) },
      'starting performance engine',
    );
    try {
      await this.agent.open();
      this.#lock?.setHttp(this.agent.httpAddress());
      const { db, bus } = this.agent;
      const migrated = await migrate(db);
      if (migrated.applied.length > 0) this.log.info({ applied: migrated.applied }, 'migrations applied');
      this.#wire(db, bus);
      await this.agent.startComponents();
      this.log.info(
        { http: this.agent.httpAddress(), bus: bus.status(), intervalSeconds: c.monitoring_interval_seconds },
        'performance engine started',
      );
    } catch (err) {
      this.#lock?.release();
      throw err;
    }
  }

  #wire(db: BaseAgent['db'], bus: Bus): void {
    const c = this.config.current;
    const writer = new MetricWriter(db, this.agent.logger('store'), {
      flushIntervalMs: c.store_flush_interval_ms,
      batchMaxSamples: c.store_batch_max_samples,
      maxPendingSamples: c.store_max_pending_samples,
    });
    const invalid = new InvalidMessageReporter(bus, this.agent.logger('invalid'));
    const ingest = new RealtimeIngest(bus, writer, invalid, this.agent.logger('ingest'), this.#limits(c));
    ingest.onSnapshots((s) => this.#fanOut(s));
    const monitor = new MonitorLoop(this.#collectors(c), (s) => this.#onTick(s), c.monitoring_interval_seconds, this.agent.logger('monitor'));
    const retention = new RetentionJob(
      db,
      [writer.partitions],
      () => ({ retentionDays: this.config.current.data_retention_days, intervalSeconds: this.config.current.retention_check_interval_seconds }),
      this.agent.logger('retention'),
    );
    const live = new LiveConfigUpdates(bus, this.config, invalid, this.agent.logger('config'));
    const profiling = new Profiling({ bus, db, config: this.config, invalid, logger: (name) => this.agent.logger(name) });
    this.#writer = writer;
    this.#ingest = ingest;
    this.#monitor = monitor;
    this.#retention = retention;
    this.#invalid = invalid;
    this.#liveConfig = live;
    this.#profiling = profiling;
    const detection = new DetectionStage(db, this.agent.logger('detect'), () => detectionSettings(this.config.current));
    const alerting = new AlertingStage(db, busSink(bus), detection.events, this.agent.logger('alert'), () => alertingSettings(this.config.current));
    this.#detection = detection;
    this.#alerting = alerting;
    this.onSnapshots((s) => detection.ingest(s));
    this.onSnapshots((s) => alerting.ingest(s));
    const diagnosis = new DiagnosisStage(db, busSink(bus), detection.events, this.agent.logger('diagnose'), () => diagnosisSettings(this.config.current), (e) => this.onBottleneck(e));
    this.#diagnosis = diagnosis;
    this.onSnapshots((s) => diagnosis.ingest(s));

    this.agent.use({ name: 'writer', stop: () => writer.stop() });
    this.agent.use(retention);
    this.agent.use(detection);
    this.agent.use(alerting);
    this.agent.use(diagnosis);
    this.agent.use({ name: 'ingest', start: () => ingest.start(), stop: () => ingest.stop() });
    this.agent.use(monitor);
    this.agent.use(profiling);
    this.agent.use(live);
    this.agent.use({ name: 'lock', stop: () => this.#lock?.release() });
    this.config.onChange((cfg, changed) => this.#applyConfig(cfg, changed));
  }

  #limits(c: Config) {
    return {
      maxFutureSkewMs: c.ingest_max_future_skew_seconds * 1000,
      maxBatchSnapshots: c.ingest_max_batch_snapshots,
      maxBytes: 64 * 1024 * 1024,
    };
  }

  #collectors(c: Config): Collector[] {
    if (this.overrides.collectors) return [...this.overrides.collectors];
    const hostName = engineHostName(c);
    return [
      createHostCollector({ hostName }),
      createProcessCollector({
        hostName,
        patterns: c.watch_processes,
        selfPid: process.pid,
        minAgeSeconds: c.watch_min_age_seconds,
        maxProcesses: c.watch_max_processes,
        log: this.agent.logger('process-collector'),
      }),
    ];
  }

  #applyConfig(c: Config, changed: readonly string[]): void {
    if (changed.includes('monitoring_interval_seconds')) this.#monitor?.setInterval(c.monitoring_interval_seconds);
    const watchKeys = ['watch_processes', 'watch_min_age_seconds', 'watch_max_processes'];
    if (watchKeys.some((k) => changed.includes(k))) this.#monitor?.setCollectors(this.#collectors(c));
    if (changed.includes('retention_check_interval_seconds')) this.#retention?.reschedule();
    if (changed.includes('ingest_max_future_skew_seconds') || changed.includes('ingest_max_batch_snapshots')) {
      this.#ingest?.setLimits(this.#limits(c));
    }
    if (changed.includes('log_level')) this.log.level = c.log_level;
    this.#profiling?.applyConfig(changed);
    this.#detection?.applyConfig(changed);
    this.#alerting?.applyConfig(changed);
    this.#diagnosis?.applyConfig(changed);
  }

  /** A tick of the engine's own collection: published, stored, and passed on like ingested data. */
  #onTick(snapshots: readonly MetricSnapshot[]): void {
    const bus = this.agent.bus;
    for (const s of snapshots) bus.publish(SUBJECTS.metrics, encodeJson(snapshotToWire(s)));
    if (!this.#writer?.append(snapshots)) this.log.warn({ snapshots: snapshots.length }, 'writer full: tick not stored');
    this.#fanOut(snapshots);
  }

  #fanOut(snapshots: readonly MetricSnapshot[]): void {
    for (const l of this.#snapshotListeners) {
      try {
        l(snapshots);
      } catch (err) {
        this.log.error({ err }, 'snapshot listener failed');
      }
    }
  }

  /**
   * Tells the engine a bottleneck was detected (the diagnosis stage calls this): with
   * `enable_auto_profiling`, the affected source is profiled, within the auto-profiling budget.
   */
  onBottleneck(e: BottleneckEvent): AutoDecision {
    return this.#profiling?.onBottleneck(e) ?? { started: false, reason: 'starting' };
  }

  /** Everything `perf-engine status` shows. */
  async status(): Promise<Record<string, unknown>> {
    const readiness = await this.agent.readiness();
    return {
      agent_id: this.config.current.agent_id,
      pid: process.pid,
      started_at: this.startedAt.toISOString(),
      ready: readiness.ready,
      bus: readiness.bus,
      database: readiness.database,
      monitor: this.#monitor?.status() ?? null,
      ingest: this.#ingest?.stats() ?? null,
      writer: this.#writer?.stats() ?? null,
      invalid_messages: this.#invalid ? { total: this.#invalid.total, by_reason: this.#invalid.counts() } : null,
      config_updates: this.#liveConfig?.stats() ?? null,
      retention: this.#retention?.status() ?? null,
      profiling: this.#profiling?.status() ?? null,
      detection: this.#detection?.status() ?? null,
      alerting: this.#alerting?.status() ?? null,
      diagnosis: this.#diagnosis?.status() ?? null,
    };
  }

  /** Stops every stage in reverse order, flushing the writer, then closes connections. */
  async stop(): Promise<void> {
    await this.agent.stop();
    this.#lock?.release();
  }
}
