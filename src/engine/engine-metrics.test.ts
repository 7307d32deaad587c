import { describe, expect, it } from 'vitest';
import type { MetricSnapshot } from '../model/snapshot.js';
import { EngineMetrics } from './engine-metrics.js';
import type { EngineReadings } from './self-metrics.js';

const QUEUE = { queued: 0, published: 0, dropped: 0, failed: 0 };

/** Readings as the stages report them (the fields the exposition reads). */
function readings(over: { samples?: number; invalid?: Record<string, number> } = {}): EngineReadings {
  return {
    ingest: { messages: 10, snapshots: 20, samples: over.samples ?? 300, rejected: 2, refused: 1, cardinality: { sources: 3, streams: 8 } } as unknown as EngineReadings['ingest'],
    writer: { pendingSamples: 5, committedSnapshots: 20, committedSamples: 290, batches: 4, retries: 0, refusedSamples: 0, failedSamples: 0, partitionsCreated: 1, partitionWaits: 0, lastCommitAt: 1_700_000_000_000, lastError: null } as unknown as EngineReadings['writer'],
    invalid: over.invalid ?? { 'monitoring.realtime_metrics invalid_json': 2 },
    monitor: { intervalSeconds: 15, ticks: 3, skippedTicks: 0, lastTickAt: null, lastTickMs: 12, lastSnapshots: 2, errors: { 'process-collector': 'EACCES' } },
    detection: { series: 7, samples: 1000, anomalies: 1, late: 0, evicted: 0, loading: 0, stateBytesPerSeries: 100, microsPerSample: 20, lastCheckpoint: null, lastError: null, warmupTimeouts: 4 } as unknown as EngineReadings['detection'],
    diagnosis: { opened: 2, resolved: 1, outOfRange: 4, active: 1, snapshots: 50, microsPerSnapshot: 100, writeErrors: 0, notifications: { ...QUEUE, queued: 3 } } as unknown as EngineReadings['diagnosis'],
    alerting: { evaluator: { tracked: 4, open: 2, late: 0 }, notifications: { ...QUEUE, published: 9 }, silences: 1, writeErrors: 0, lastError: null },
    profiles: { running: 1, completed: 4, failed: 1 },
    profileStarts: { auto: 2, schedule: 3 },
    configUpdates: { applied: 1, rejected: 2 },
    delivery: {
      receivers: [{ name: 'am', type: 'alertmanager', url: 'http://am', queued: 1, sent: 5, requests: 5, failed_attempts: 2, dead_letters: 1, dropped: 0, duplicates: 0, open: 0, resent: 0, last_error: null, last_error_at: null, last_sent_at: null }],
      notices: 6,
      unrouted: 0,
      unreadable: 0,
      dead_letters: 1,
      last_error: null,
    },
    bus: { kind: 'nats', connected: true, server: '127.0.0.1:4222', reconnects: 0 } as unknown as EngineReadings['bus'],
  };
}

const HOST: MetricSnapshot = { source: 'vm1', host: 'vm1', timestamp: 0, metrics: { cpu_usage: 12.5, 'disk_await_ms.sda': 4, disk_util: 3, 'network_rx_bytes_per_sec.eth0': 1000 } };
const PROCESS: MetricSnapshot = {
  source: 'node:order-agent',
  host: 'vm1',
  timestamp: 0,
  labels: { pid: '42', comm: 'node', role: 'watched', cmd: 'node order-agent.js --long --arguments', unit: '' },
  metrics: { memory_rss_bytes: 1e8, ctx_switches_per_sec: 7 },
};

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
}

describe('EngineMetrics', () => {
  it('reads the stage counters at scrape time, labelled where a stage counts by kind', async () => {
    let current = readings();
    const m = new EngineMetrics({ readings: () => current, latestTick: () => [] });
    const first = lines(await m.metrics());
    expect(first).toContain('perf_engine_ingest_samples_total 300');
    expect(first).toContain('perf_engine_invalid_messages_total{subject="monitoring.realtime_metrics",reason="invalid_json"} 2');
    expect(first).toContain('perf_engine_detection_busy_seconds_total 0.02');
    expect(first).toContain('perf_engine_diagnosis_busy_seconds_total 0.005');
    expect(first).toContain('perf_engine_diagnosis_out_of_range_total 4');
    expect(first).toContain('perf_engine_notification_queue_depth{queue="bottlenecks"} 3');
    expect(first).toContain('perf_engine_notifications_published_total{queue="alerts"} 9');
    expect(first).toContain('perf_engine_alerts_open 2');
    expect(first).toContain('perf_engine_detection_warmup_timeouts_total 4');
    expect(first).toContain('perf_engine_store_write_path_partitions_total 1');
    expect(first).toContain('perf_engine_ingest_streams 8');
    expect(first).toContain('perf_engine_profiles_total{outcome="failed"} 1');
    expect(first).toContain('perf_engine_monitor_collector_failing{collector="process-collector"} 1');
    expect(first).toContain('perf_engine_store_last_commit_timestamp_seconds 1700000000');
    expect(first).toContain('perf_engine_delivery_dead_letters_total{receiver="am"} 1');
    expect(first).toContain('perf_engine_delivery_queue_depth{receiver="am"} 1');
    current = readings({ samples: 450, invalid: {} });
    const second = lines(await m.metrics());
    expect(second).toContain('perf_engine_ingest_samples_total 450');
    expect(second.filter((l) => l.startsWith('perf_engine_invalid_messages_total'))).toEqual([]);
  });

  it('shows no engine counters before the stages exist, only the process metrics', async () => {
    const text = await new EngineMetrics({ readings: () => null, latestTick: () => [] }).metrics();
    expect(lines(text).filter((l) => l.startsWith('perf_engine_') && !l.startsWith('perf_engine_store_commit') && !l.startsWith('perf_engine_store_write'))).toEqual([]);
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    expect(text).not.toMatch(/^nodejs_active_handles_total/m);
  });

  it('observes the writer commit hook into the two store histograms', async () => {
    const m = new EngineMetrics({ readings: () => null, latestTick: () => [] });
    m.onWriterCommit(0.02, [0.03, 0.004]);
    const text = lines(await m.metrics());
    expect(text).toContain('perf_engine_store_commit_duration_seconds_count 1');
    expect(text).toContain('perf_engine_store_commit_duration_seconds_bucket{le="0.025"} 1');
    expect(text).toContain('perf_engine_store_write_latency_seconds_count 2');
    expect(text).toContain('perf_engine_store_write_latency_seconds_bucket{le="0.005"} 1');
  });

  it('exposes the last tick as host and process gauges: devices as labels, base units, no command line', async () => {
    let tick: MetricSnapshot[] = [HOST, PROCESS];
    const m = new EngineMetrics({ readings: () => null, latestTick: () => tick });
    const text = await m.metrics();
    expect(lines(text).filter((l) => l.startsWith('perf_host_') || l.startsWith('perf_process_'))).toEqual([
      'perf_host_cpu_usage{source="vm1"} 12.5',
      'perf_host_disk_await_seconds{source="vm1",device="sda"} 0.004',
      'perf_host_disk_util{source="vm1"} 3',
      'perf_host_network_rx_bytes_per_second{source="vm1",device="eth0"} 1000',
      'perf_process_memory_rss_bytes{source="node:order-agent",pid="42",comm="node",role="watched"} 100000000',
      'perf_process_ctx_switches_per_second{source="node:order-agent",pid="42",comm="node",role="watched"} 7',
    ]);
    expect(text).toContain('# HELP perf_host_disk_await_seconds Latest collected disk_await_ms of the host, converted to seconds, per device where the device label is set (docs/metrics.md).');
    tick = [HOST];
    expect(await m.metrics()).not.toContain('perf_process_');
  });
});
