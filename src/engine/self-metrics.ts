import type { AlertingStage } from '../alert/stage/alerting-stage.js';
import type { BusStatus } from '../bus/bus.js';
import type { MonitorStatus } from '../collect/monitor-loop.js';
import type { DetectionStatus } from '../detect/stage/detection-stage.js';
import type { DiagnosisStatus } from '../diagnose/stage/diagnosis-stage.js';
import type { IngestStats } from '../ingest/realtime-ingest.js';
import type { DeliveryStatus } from '../notify/stage/delivery-stage.js';
import type { WriterStats } from '../store/metric-writer.js';

/** What the engine's own metrics are read from at scrape time: each stage's counters, read once per scrape. */
export interface EngineReadings {
  readonly ingest: IngestStats;
  readonly writer: WriterStats;
  /** Rejected inbound messages by `subject code`. */
  readonly invalid: Readonly<Record<string, number>>;
  readonly monitor: MonitorStatus;
  readonly detection: DetectionStatus;
  readonly diagnosis: DiagnosisStatus;
  readonly alerting: ReturnType<AlertingStage['status']>;
  readonly profiles: { readonly running: number; readonly completed: number; readonly failed: number };
  /** Profiles started automatically (bottlenecks) and by the schedule. */
  readonly profileStarts: { readonly auto: number; readonly schedule: number };
  readonly configUpdates: { readonly applied: number; readonly rejected: number };
  /** Delivery to Alertmanager and webhooks, per receiver. */
  readonly delivery: DeliveryStatus;
  readonly bus: BusStatus | null;
}

/** One labelled value of a metric. */
export type Labelled = readonly [Readonly<Record<string, string>>, number];

/** One metric of the engine: its Prometheus name, help, type, and how to read it. */
export interface SelfMetric {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge';
  readonly labels?: readonly string[];
  /** The value now; a list for labelled metrics; null when there is none (no bus yet). */
  value(r: EngineReadings): number | readonly Labelled[] | null;
}

const counter = (name: string, help: string, value: (r: EngineReadings) => number | null): SelfMetric => ({ name, help, type: 'counter', value });
const gauge = (name: string, help: string, value: (r: EngineReadings) => number | null): SelfMetric => ({ name, help, type: 'gauge', value });
const byQueue = (f: (q: DiagnosisStatus['notifications']) => number) => (r: EngineReadings): Labelled[] => [
  [{ queue: 'alerts' }, f(r.alerting.notifications)],
  [{ queue: 'bottlenecks' }, f(r.diagnosis.notifications)],
];

/** One labelled value per delivery receiver. */
const byReceiver = (f: (c: DeliveryStatus['receivers'][number]) => number) => (r: EngineReadings): Labelled[] =>
  r.delivery.receivers.map((c): Labelled => [{ receiver: c.name }, f(c)]);

/** The reporter keys its counts `subject code` (`monitoring.realtime_metrics bad_json`): split into labels. */
function invalidByReason(r: EngineReadings): Labelled[] {
  return Object.entries(r.invalid).map(([key, n]) => {
    const space = key.lastIndexOf(' ');
    return [{ subject: space < 0 ? key : key.slice(0, space), reason: space < 0 ? 'unknown' : key.slice(space + 1) }, n];
  });
}

/** Every metric of the engine itself (docs/metrics.md, "Prometheus"). Counters are read from the stages, never counted twice. */
export const SELF_METRICS: readonly SelfMetric[] = [
  counter('perf_engine_ingest_messages_total', 'Messages received on monitoring.realtime_metrics.', (r) => r.ingest.messages),
  counter('perf_engine_ingest_snapshots_total', 'Snapshots accepted from other agents.', (r) => r.ingest.snapshots),
  counter('perf_engine_ingest_samples_total', 'Samples (metric values) accepted from other agents.', (r) => r.ingest.samples),
  counter('perf_engine_ingest_refused_messages_total', 'Valid messages refused because the writer was too far behind (back-pressure).', (r) => r.ingest.refused),
  { name: 'perf_engine_invalid_messages_total', help: 'Inbound messages rejected, by subject and reason.', type: 'counter', labels: ['subject', 'reason'], value: invalidByReason },
  counter('perf_engine_store_committed_snapshots_total', 'Snapshots committed to metric_snapshots.', (r) => r.writer.committedSnapshots),
  counter('perf_engine_store_committed_samples_total', 'Samples committed to metric_snapshots.', (r) => r.writer.committedSamples),
  counter('perf_engine_store_batches_total', 'Batches committed.', (r) => r.writer.batches),
  counter('perf_engine_store_retries_total', 'Batch writes retried after a transient failure.', (r) => r.writer.retries),
  counter('perf_engine_store_refused_samples_total', 'Samples refused because the write queue was full.', (r) => r.writer.refusedSamples),
  counter('perf_engine_store_failed_samples_total', 'Samples given up on after a permanent failure.', (r) => r.writer.failedSamples),
  counter('perf_engine_store_write_path_partitions_total', 'Partitions the write path had to create because the partition job had not made them yet.', (r) => r.writer.partitionsCreated),
  counter('perf_engine_store_partition_waits_total', 'Batches that needed more partitions than they may create and waited for the partition job.', (r) => r.writer.partitionWaits),
  gauge('perf_engine_ingest_sources', 'Sources admitted by the cardinality limits (ingest_max_sources).', (r) => r.ingest.cardinality?.sources ?? null),
  gauge('perf_engine_ingest_streams', 'Streams (source, host, label set) admitted by the cardinality limits (ingest_max_streams).', (r) => r.ingest.cardinality?.streams ?? null),
  gauge('perf_engine_store_pending_samples', 'Samples queued or being written (the write queue depth).', (r) => r.writer.pendingSamples),
  gauge('perf_engine_store_last_commit_timestamp_seconds', 'Time of the last commit, in seconds since the epoch.', (r) => (r.writer.lastCommitAt === null ? null : r.writer.lastCommitAt / 1000)),
  counter('perf_engine_monitor_ticks_total', 'Collection ticks of the host and process collectors.', (r) => r.monitor.ticks),
  counter('perf_engine_monitor_skipped_ticks_total', 'Ticks skipped because the previous one was still running.', (r) => r.monitor.skippedTicks),
  gauge('perf_engine_monitor_last_tick_duration_seconds', 'How long the last collection tick took.', (r) => (r.monitor.lastTickMs === null ? null : r.monitor.lastTickMs / 1000)),
  {
    name: 'perf_engine_monitor_collector_failing',
    help: '1 for each collector whose last run failed.',
    type: 'gauge',
    labels: ['collector'],
    value: (r) => Object.keys(r.monitor.errors).map((c): Labelled => [{ collector: c }, 1]),
  },
  counter('perf_engine_detection_samples_total', 'Samples fed to the streaming anomaly detector.', (r) => r.detection.samples),
  counter('perf_engine_detection_busy_seconds_total', 'Event-loop time spent in streaming detection (detection cost).', (r) => (r.detection.microsPerSample * r.detection.samples) / 1e6),
  counter('perf_engine_detection_anomalies_total', 'Anomaly events emitted.', (r) => r.detection.anomalies),
  counter('perf_engine_detection_late_samples_total', 'Samples older than their series, kept out of the model.', (r) => r.detection.late),
  counter('perf_engine_detection_evicted_series_total', 'Series evicted from memory beyond detect_max_series.', (r) => r.detection.evicted),
  gauge('perf_engine_detection_series', 'Series the detector keeps in memory.', (r) => r.detection.series),
  counter('perf_engine_detection_warmup_timeouts_total', 'Series that started without history because the warm-up query timed out (detect_warmup_timeout_ms).', (r) => r.detection.warmupTimeouts),
  gauge('perf_engine_detection_loading_series', 'Series being warmed up from stored history.', (r) => r.detection.loading),
  counter('perf_engine_diagnosis_snapshots_total', 'Snapshots fed to diagnosis.', (r) => r.diagnosis.snapshots),
  counter('perf_engine_diagnosis_busy_seconds_total', 'Event-loop time spent in diagnosis (diagnosis cost).', (r) => (r.diagnosis.microsPerSnapshot * r.diagnosis.snapshots) / 1e6),
  counter('perf_engine_diagnosis_out_of_range_total', 'Percentages and utilizations outside their declared range, ignored by diagnosis (a unit error at the source).', (r) => r.diagnosis.outOfRange),
  counter('perf_engine_bottlenecks_opened_total', 'Bottlenecks opened.', (r) => r.diagnosis.opened),
  counter('perf_engine_bottlenecks_resolved_total', 'Bottlenecks resolved.', (r) => r.diagnosis.resolved),
  gauge('perf_engine_bottlenecks_open', 'Bottlenecks open now.', (r) => r.diagnosis.active),
  gauge('perf_engine_alerts_open', 'Alerts pending or firing now.', (r) => r.alerting.evaluator.open),
  gauge('perf_engine_silences_active', 'Silences in force now.', (r) => r.alerting.silences),
  {
    name: 'perf_engine_notification_queue_depth',
    help: 'Notifications waiting for the bus, by queue.',
    type: 'gauge',
    labels: ['queue'],
    value: byQueue((q) => q.queued),
  },
  { name: 'perf_engine_notifications_published_total', help: 'Notifications published, by queue.', type: 'counter', labels: ['queue'], value: byQueue((q) => q.published) },
  { name: 'perf_engine_notifications_dropped_total', help: 'Notifications dropped from a full queue, by queue.', type: 'counter', labels: ['queue'], value: byQueue((q) => q.dropped) },
  counter('perf_engine_analysis_write_errors_total', 'Failed writes of alerts and bottlenecks.', (r) => r.alerting.writeErrors + r.diagnosis.writeErrors),
  {
    name: 'perf_engine_profiles_total',
    help: 'Profiles finished, by outcome.',
    type: 'counter',
    labels: ['outcome'],
    value: (r) => [
      [{ outcome: 'completed' }, r.profiles.completed],
      [{ outcome: 'failed' }, r.profiles.failed],
    ],
  },
  gauge('perf_engine_profiles_running', 'Profiles being recorded now.', (r) => r.profiles.running),
  {
    name: 'perf_engine_profiles_started_total',
    help: 'Profiles started without a request, by trigger.',
    type: 'counter',
    labels: ['trigger'],
    value: (r) => [
      [{ trigger: 'auto' }, r.profileStarts.auto],
      [{ trigger: 'schedule' }, r.profileStarts.schedule],
    ],
  },
  {
    name: 'perf_engine_config_updates_total',
    help: 'Live configuration updates, by outcome.',
    type: 'counter',
    labels: ['outcome'],
    value: (r) => [
      [{ outcome: 'applied' }, r.configUpdates.applied],
      [{ outcome: 'rejected' }, r.configUpdates.rejected],
    ],
  },
  counter('perf_engine_delivery_notices_total', 'Notices offered to the delivery receivers (Alertmanager, webhooks).', (r) => r.delivery.notices),
  counter('perf_engine_delivery_unrouted_total', 'Notices no receiver took.', (r) => r.delivery.unrouted),
  { name: 'perf_engine_delivery_queue_depth', help: 'Notices waiting for a receiver, by receiver.', type: 'gauge', labels: ['receiver'], value: byReceiver((c) => c.queued) },
  { name: 'perf_engine_delivery_sent_total', help: 'Notices delivered, by receiver.', type: 'counter', labels: ['receiver'], value: byReceiver((c) => c.sent) },
  { name: 'perf_engine_delivery_failed_attempts_total', help: 'Delivery attempts that failed (retried with backoff), by receiver.', type: 'counter', labels: ['receiver'], value: byReceiver((c) => c.failed_attempts) },
  { name: 'perf_engine_delivery_dead_letters_total', help: 'Notices given up on after the last retry, by receiver.', type: 'counter', labels: ['receiver'], value: byReceiver((c) => c.dead_letters) },
  { name: 'perf_engine_delivery_dropped_total', help: 'Notices dropped from a full receiver queue, by receiver.', type: 'counter', labels: ['receiver'], value: byReceiver((c) => c.dropped) },
  gauge('perf_engine_bus_connected', '1 while the bus is connected.', (r) => (r.bus === null ? null : r.bus.connected ? 1 : 0)),
  counter('perf_engine_bus_reconnects_total', 'Reconnections of the bus.', (r) => r.bus?.reconnects ?? null),
];
