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
import { logListenerFailure, snapshotFanOut, type SnapshotListener } from './snapshot-fan-out.js';
import { buildOptimization } from './optimization-stages.js';
import { buildStorage } from './storage-stages.js';
import type { ActionApplier } from '../optimize/proposal.js';
import type { DbAdvisorStage } from '../optimize/stage/db/db-advisor-stage.js';
import type { OptimizationStage } from '../optimize/stage/optimization-stage.js';
import type { MetricWriter } from '../store/metric-writer.js';
import type { PartitionJob } from '../store/partition-job.js';
import type { RetentionJob } from '../store/retention-job.js';
import type { TierWriter } from '../store/tier-writer.js';
import type { Component } from '../lifecycle/component.js';
import type { MetricSnapshot } from '../model/snapshot.js';
import type { AutoDecision, BottleneckEvent } from '../profile/service/auto-profiler.js';
import { Profiling } from '../profile/service/profiling.js';
import type { Db } from '../store/db.js';
import { ReportScheduler, reportScheduleSettings } from '../report/stage/report-scheduler.js';
import { readKnownStreams } from '../store/stream-registry.js';
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
  const { writer, tiers, partitions, retention } = buildStorage({ db, logger, settings, ...(deps.onWriterCommit ? { onWriterCommit: deps.onWriterCommit } : {}) });
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
  const { dbAdvisor, advisors, optimization, optimizing } = buildOptimization({ db, bus, sink, invalid, writer, profiling, settings, logger, ...(deps.appliers ? { appliers: deps.appliers } : {}) });
  const diagnosis = new DiagnosisStage(db, sink, detection.events, logger('diagnose'), () => diagnosisSettings(settings()), autoProfile, Date.now, (r) => {
    if (!c.optimization_enabled) return;
    optimization.onBottleneck(r);
    advisors.onBottleneckOpened(r);
  });
  const live = new LiveFeed();
  const loopOn = c.optimization_enabled;
  const analysis: SnapshotListener[] = [(s) => detection.ingest(s), (s) => alerting.ingest(s), (s) => diagnosis.ingest(s)];
  if (loopOn) analysis.push((s) => optimization.observe(s));
  const fanOut = snapshotFanOut(analysis, [(s) => live.publish(s)], logListenerFailure(deps.log), detection);
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
function busSink(bus: Pick<Bus, 'publish' | 'connected'>, delivery: Pick<DeliveryStage, 'offer'>): NotificationSink {
  return { publish: (subject, data) => bus.publish(subject, data), connected: () => bus.connected(), offer: (n) => delivery.offer(n) };
}
