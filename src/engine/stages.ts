import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.js';
import { InvalidMessageReporter } from '../bus/invalid-messages.js';
import { streamNameFor } from '../bus/ingest-stream.js';
import { JetStreamSource, natsConnectionOf } from '../bus/jetstream-source.js';
import { OutboxBus } from '../bus/outbox-bus.js';
import type { Collector } from '../collect/collector.js';
import { createHostCollector } from '../collect/host-collector.js';
import { MonitorLoop } from '../collect/monitor-loop.js';
import { createProcessCollector } from '../collect/process-collector.js';
import type { ConfigStore } from '../config/config-store.js';
import type { Config } from '../config/schema.js';
import type { NotificationSink } from '../alert/notification-queue.js';
import { AlertingStage, alertingSettings } from '../alert/stage/alerting-stage.js';
import { AnomalyLog } from '../detect/stage/anomaly-log.js';
import { DetectionStage, detectionSettings } from '../detect/stage/detection-stage.js';
import { DiagnosisStage, diagnosisSettings } from '../diagnose/stage/diagnosis-stage.js';
import { DeliveryStage, deliverySettings } from '../notify/stage/delivery-stage.js';
import { RealtimeIngest, type DurableIngestOptions } from '../ingest/realtime-ingest.js';
import { CARDINALITY_CONFIG_KEYS, CardinalityGuard, cardinalityLimits } from '../ingest/cardinality-guard.js';
import { DbAdvisorStage, dbAdvisorSettings } from '../optimize/stage/db/db-advisor-stage.js';
import type { ActionApplier } from '../optimize/proposal.js';
import { ApplierRegistry } from '../optimize/stage/appliers.js';
import { buildAdvisors } from './advisors.js';
import { logListenerFailure, snapshotFanOut } from './snapshot-fan-out.js';
import { changeProfileSettings, OptimizationStage, optimizationSettings } from '../optimize/stage/optimization-stage.js';
import { OptimizingSubscriber } from '../optimize/stage/optimizing-subscriber.js';
import type { Component } from '../lifecycle/component.js';
import type { MetricSnapshot } from '../model/snapshot.js';
import type { AutoDecision, BottleneckEvent } from '../profile/service/auto-profiler.js';
import { Profiling } from '../profile/service/profiling.js';
import type { Db } from '../store/db.js';
import { MetricWriter } from '../store/metric-writer.js';
import { openPgSession } from '../store/pg-session.js';
import { ReportScheduler, reportScheduleSettings } from '../report/stage/report-scheduler.js';
import { RetentionJob } from '../store/retention-job.js';
import { PartitionJob } from '../store/partition-job.js';
import { readKnownStreams } from '../store/stream-registry.js';
import type { OwnRetention } from '../store/retention.js';
import { TIER_WRITER_DEFAULTS, TierWriter } from '../store/tier-writer.js';
import { storeLayout } from '../store/history-query.js';
import { encodeJson } from '../wire/json.js';
import { snapshotToWire } from '../wire/realtime-metrics.js';
import { SUBJECTS } from '../wire/subjects.js';
import { LiveConfigUpdates } from './live-config-updates.js';
import { LiveFeed } from '../api/live-feed.js';

/** What the stages are built from: open connections, the live configuration, loggers. */
export interface StageDeps {
  readonly db: Db;
  readonly bus: Bus;
  readonly config: ConfigStore;
  readonly log: Logger;
  readonly logger: (component: string) => Logger;
  /** Collectors to run instead of the host and process collectors (tests). */
  readonly collectors?: readonly Collector[];
  /** Told of each batch the writer commits, with its timings (the engine's metrics). */
  readonly onWriterCommit?: (writeSeconds: number, waitSeconds: readonly number[]) => void;
  /** Appliers added to the installed ones (tests, embedding). */
  readonly appliers?: readonly ActionApplier[];
  /** Collection interval overriding `monitoring_interval_seconds` (tests, embedding). */
  readonly monitorIntervalSeconds?: number | undefined;
}

/** Every stage of the engine, built and wired, in pipeline order. */
export interface EngineStages {
  /** The bus every stage publishes through: holds publications while NATS is down. */
  readonly outbox: OutboxBus;
  readonly writer: MetricWriter;
  /** Maintains the downsampled tiers; null when `store_tiers_enabled` is false. */
  readonly tiers: TierWriter | null;
  readonly invalid: InvalidMessageReporter;
  readonly ingest: RealtimeIngest;
  readonly monitor: MonitorLoop;
  readonly retention: RetentionJob;
  /** Creates the partitions of the accepted window ahead of time. */
  readonly partitions: PartitionJob;
  /** Admits sources and streams up to the cardinality limits. */
  readonly cardinality: CardinalityGuard;
  readonly liveConfig: LiveConfigUpdates;
  readonly profiling: Profiling;
  readonly detection: DetectionStage;
  /** Keeps the detector's anomaly events (anomaly_events) for charts and reports. */
  readonly anomalyLog: AnomalyLog;
  readonly alerting: AlertingStage;
  readonly diagnosis: DiagnosisStage;
  readonly delivery: DeliveryStage;
  readonly dbAdvisor: DbAdvisorStage;
  readonly optimization: OptimizationStage;
  /** Accepted snapshots for live watchers (the dashboard's SSE stream). */
  readonly live: LiveFeed;
  readonly reports: ReportScheduler;
  /** Components in start order (stopped in reverse: ingest and collection before the writer flushes). */
  readonly components: readonly Component[];
  /** The snapshots of the last collection tick (the engine's host and processes); empty before the first. */
  latestTick(): readonly MetricSnapshot[];
}

/** The host name used as the host snapshot's source. */
export function engineHostName(config: Config): string {
  return config.host_name ?? hostname();
}

/**
 * Builds every stage of the engine and wires the pipeline: ingest and the engine's own collection
 * feed the writer and, through one fan-out, detection, alerting and diagnosis; diagnosis asks
 * profiling for automatic profiles; what alerting and diagnosis notify also goes to delivery.
 * Live configuration changes reach each stage.
 */
export function buildStages(deps: StageDeps): EngineStages {
  const { db, config, logger } = deps;
  const c = config.current;
  const outbox = new OutboxBus(deps.bus, c.nats_outbox_max_messages, logger('outbox'));
  const bus: Bus = outbox;
  const settings = () => config.current;
  // Bound late: the job is built after the writers whose partitions it keeps.
  const partitionsMissing = (): Promise<void> => partitions.runSoon(Date.now(), true);
  const tiers = c.store_tiers_enabled
    ? new TierWriter(db, logger('tiers'), { ...TIER_WRITER_DEFAULTS, maxPartitionsPerFlush: c.store_max_partitions_per_batch, onPartitionsMissing: () => void partitionsMissing() })
    : null;
  const writer = new MetricWriter(db, logger('store'), {
    maxPartitionsPerBatch: c.store_max_partitions_per_batch,
    onPartitionsMissing: partitionsMissing,
    flushIntervalMs: c.store_flush_interval_ms,
    batchMaxSamples: c.store_batch_max_samples,
    maxPendingSamples: c.store_max_pending_samples,
    ...(deps.onWriterCommit ? { onCommitted: deps.onWriterCommit } : {}),
    ...(tiers ? { onStored: (snapshots: readonly MetricSnapshot[], streamIds: Int32Array, setIds: Int32Array) => tiers.fold(snapshots, streamIds, setIds) } : {}),
  });
  const invalid = new InvalidMessageReporter(bus, logger('invalid'));
  const cardinality = new CardinalityGuard(cardinalityLimits(c));
  const ingest = new RealtimeIngest(bus, writer, invalid, logger('ingest'), ingestLimits(c), durableIngest(deps.bus, c, logger('ingest')), cardinality);
  const delivery = new DeliveryStage({ db, log: logger('delivery'), settings: deliverySettings(c) });
  const sink = busSink(bus, delivery);
  const detection = new DetectionStage(db, logger('detect'), () => detectionSettings(settings()));
  const anomalyLog = new AnomalyLog(db, logger('anomalies'));
  detection.events.onAnomaly((a) => anomalyLog.record(a));
  const alerting = new AlertingStage(db, sink, detection.events, logger('alert'), () => alertingSettings(settings()));
  const profiling = new Profiling({ bus, db, config, invalid, logger });
  const autoProfile = (e: BottleneckEvent): AutoDecision => profiling.onBottleneck(e);
  const dbAdvisor = new DbAdvisorStage({
    open: (url) => openPgSession(url, { applicationName: `${c.agent_id} db-advisor` }),
    settings: () => dbAdvisorSettings(settings()),
    log: logger('db-advisor'),
    // Stored like any series; the loop notes their event time, so judgements on them become due.
    append: (s) => {
      writer.append(s);
      optimization.observe(s);
    },
    // Bound late: the loop is built after the advisor, with the advisor's applier.
    proposals: (p) => optimization.propose(p),
  });
  const advisors = buildAdvisors({ db, bus, logger, sink: (p) => optimization.propose(p), indexApplier: dbAdvisor.applier, settings });
  const optimization = new OptimizationStage({
    db,
    bus: sink,
    log: logger('optimize'),
    settings: () => optimizationSettings(settings()),
    appliers: new ApplierRegistry(withOverrides(advisors.appliers, deps.appliers ?? [])),
    // What arrived before a look is stored before it is read; what arrives meanwhile does not hold it up.
    flushWrites: () => writer.written(),
    retentionDays: () => settings().data_retention_days,
    profiling: { service: profiling.service, settings: () => changeProfileSettings(settings()) },
  });
  const optimizing = new OptimizingSubscriber(bus, optimization.service, invalid, logger('optimize'));
  const diagnosis = new DiagnosisStage(db, sink, detection.events, logger('diagnose'), () => diagnosisSettings(settings()), autoProfile, Date.now, (r) => {
    if (!c.optimization_enabled) return;
    optimization.onBottleneck(r);
    advisors.onBottleneckOpened(r);
  });
  const live = new LiveFeed();
  const loopOn = c.optimization_enabled;
  const analysis = [
    (s: readonly MetricSnapshot[]) => detection.ingest(s),
    (s: readonly MetricSnapshot[]) => alerting.ingest(s),
    (s: readonly MetricSnapshot[]) => diagnosis.ingest(s),
    ...(loopOn ? [(s: readonly MetricSnapshot[]) => optimization.observe(s)] : []),
  ];
  const fanOut = snapshotFanOut(analysis, [(s) => live.publish(s)], logListenerFailure(deps.log));
  ingest.onSnapshots(fanOut);
  const collectors = () => (deps.collectors ? [...deps.collectors] : defaultCollectors(settings(), logger('process-collector')));
  let latest: readonly MetricSnapshot[] = [];
  const onTick = (snapshots: readonly MetricSnapshot[]) => {
    latest = snapshots;
    for (const s of snapshots) bus.publish(SUBJECTS.metrics, encodeJson(snapshotToWire(s)));
    if (!writer.append(snapshots)) deps.log.warn({ snapshots: snapshots.length }, 'writer full: tick not stored');
    fanOut(snapshots);
  };
  const monitor = new MonitorLoop(collectors(), onTick, deps.monitorIntervalSeconds ?? c.monitoring_interval_seconds, logger('monitor'));
  const retention = new RetentionJob(
    db,
    [writer.partitions, ...tierRetention(tiers, settings)],
    () => ({ retentionDays: settings().data_retention_days, intervalSeconds: settings().retention_check_interval_seconds }),
    logger('retention'),
  );
  const partitions: PartitionJob = new PartitionJob(
    [writer.partitions, ...tierRetention(tiers, settings)],
    () => ({ retentionDays: settings().data_retention_days, futureSkewMs: settings().ingest_max_future_skew_seconds * 1000, intervalSeconds: settings().store_partition_check_interval_seconds }),
    logger('partitions'),
  );
  const liveConfig = new LiveConfigUpdates(bus, config, invalid, logger('config'));
  const reports = new ReportScheduler({
    db,
    announce: (m) => bus.publish(SUBJECTS.reportReady, encodeJson(m)),
    settings: () => reportScheduleSettings(settings()),
    layout: () => (tiers ? { ...storeLayout(settings()), unstoredSince: tiers.unstoredSince() } : storeLayout(settings())),
    log: logger('report'),
  });
  const stages = { outbox, writer, tiers, anomalyLog, invalid, ingest, monitor, retention, partitions, cardinality, liveConfig, profiling, detection, alerting, diagnosis, delivery, dbAdvisor, optimization, live, reports };
  config.onChange((cfg, changed) => applyConfig(stages, deps.log, cfg, deps.monitorIntervalSeconds === undefined ? changed : changed.filter((k) => k !== 'monitoring_interval_seconds'), collectors));
  const components: Component[] = [
    { name: 'outbox', stop: () => outbox.stop() },
    // Stopped after the writer, so that its last batches are folded before the tiers are written.
    ...(tiers ? [tiers] : []),
    { name: 'writer', stop: () => writer.stop() },
    partitions,
    retention,
    // Before the stages that notify, so it stops after them and still takes their last notices.
    delivery,
    // Before detection, so it stops after it and writes the last anomalies.
    anomalyLog,
    detection,
    alerting,
    diagnosis,
    // optimization_enabled false: no advisor passes, rounds or insights; announcements are still recorded.
    ...(loopOn ? [dbAdvisor, advisors.limits, optimization] : []),
    optimizing,
    reports,
    { name: 'cardinality', start: async () => void cardinality.seed(await readKnownStreams(db, c.ingest_max_streams)) },
    { name: 'ingest', start: () => ingest.start(), stop: () => ingest.stop(), health: () => ingest.health() },
    monitor,
    profiling,
    liveConfig,
  ];
  return { ...stages, components, latestTick: () => latest };
}

/** The installed appliers, less those whose actions a given applier (tests, embedding) takes over. */
function withOverrides(installed: readonly ActionApplier[], given: readonly ActionApplier[]): ActionApplier[] {
  const taken = new Set(given.flatMap((a) => a.actions));
  return [...installed.filter((a) => !a.actions.some((action) => taken.has(action))), ...given];
}

/** The tiers' partitions, each kept for its own `store_tier_<name>_retention_days`. */
function tierRetention(tiers: TierWriter | null, settings: () => Config): OwnRetention[] {
  if (!tiers) return [];
  return [
    { partitions: tiers.partitions['1m'], retentionDays: () => settings().store_tier_1m_retention_days },
    { partitions: tiers.partitions['5m'], retentionDays: () => settings().store_tier_5m_retention_days },
    { partitions: tiers.partitions['1h'], retentionDays: () => settings().store_tier_1h_retention_days },
  ];
}

function ingestLimits(c: Config) {
  return {
    maxFutureSkewMs: c.ingest_max_future_skew_seconds * 1000,
    maxAgeMs: c.data_retention_days * 86_400_000,
    maxBatchSnapshots: c.ingest_max_batch_snapshots,
    maxBytes: 64 * 1024 * 1024,
  };
}

/** Share of the writer's bound that messages from other agents leave to the engine's own collection. */
const OWN_COLLECTION_RESERVE = 0.1;

/**
 * How ingest takes messages (`ingest_jetstream`): from the ingest stream when the bus is NATS and
 * the setting is not `off`, else from the subscription alone.
 */
function durableIngest(bus: Bus, c: Config, log: Logger): DurableIngestOptions {
  const nats = c.ingest_jetstream === 'off' ? null : natsConnectionOf(bus);
  const source = nats
    ? new JetStreamSource(
        nats.nc,
        {
          subject: `${nats.prefix}${SUBJECTS.realtimeMetrics}`,
          stream: streamNameFor(nats.prefix, c.ingest_stream),
          consumer: c.ingest_consumer,
          maxAgeSeconds: c.ingest_stream_max_age_seconds,
          maxBytes: c.ingest_stream_max_bytes,
          replicas: c.ingest_stream_replicas,
          ackWaitSeconds: c.ingest_ack_wait_seconds,
          maxUnacked: c.ingest_max_unacked,
        },
        log,
      )
    : null;
  return {
    source,
    required: c.ingest_jetstream === 'require',
    reserveSamples: Math.floor(c.store_max_pending_samples * OWN_COLLECTION_RESERVE),
  };
}

function defaultCollectors(c: Config, log: Logger): Collector[] {
  const hostName = engineHostName(c);
  return [
    createHostCollector({ hostName }),
    createProcessCollector({
      hostName,
      patterns: c.watch_processes,
      selfPid: process.pid,
      minAgeSeconds: c.watch_min_age_seconds,
      maxProcesses: c.watch_max_processes,
      log,
    }),
  ];
}

/** Keys whose change rebuilds the process collector. */
const WATCH_KEYS = ['watch_processes', 'watch_min_age_seconds', 'watch_max_processes'];

/** Hands a live configuration change to every stage it concerns. */
function applyConfig(
  s: Omit<EngineStages, 'components' | 'latestTick'>,
  log: Logger,
  c: Config,
  changed: readonly string[],
  collectors: () => Collector[],
): void {
  if (changed.includes('monitoring_interval_seconds')) s.monitor.setInterval(c.monitoring_interval_seconds);
  if (WATCH_KEYS.some((k) => changed.includes(k))) s.monitor.setCollectors(collectors());
  if (changed.includes('retention_check_interval_seconds')) s.retention.reschedule();
  if (['ingest_max_future_skew_seconds', 'ingest_max_batch_snapshots', 'data_retention_days'].some((k) => changed.includes(k))) {
    s.ingest.setLimits(ingestLimits(c));
    void s.partitions.runSoon();
  }
  if (CARDINALITY_CONFIG_KEYS.some((k) => changed.includes(k))) s.cardinality.setLimits(cardinalityLimits(c));
  if (changed.includes('log_level')) log.level = c.log_level;
  s.profiling.applyConfig(changed);
  s.detection.applyConfig(changed);
  s.alerting.applyConfig(changed);
  s.diagnosis.applyConfig(changed);
  s.dbAdvisor.applyConfig(changed);
  s.reports.applyConfig(changed);
}

/** The notification queues' view of the bus; delivery beyond NATS sees every notification as it is queued. */
function busSink(bus: Pick<Bus, 'publish' | 'status'>, delivery: Pick<DeliveryStage, 'offer'>): NotificationSink {
  return { publish: (subject, data) => bus.publish(subject, data), connected: () => bus.status().connected, offer: (n) => delivery.offer(n) };
}
