import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BusStatus } from '../bus/bus.js';
import type { MetricSnapshot } from '../model/snapshot.js';
import { SELF_METRICS, type EngineReadings } from './self-metrics.js';
import { snapshotRegistry } from './snapshot-gauges.js';
import type { EngineStages } from './stages.js';

/** Where the exposition reads from: the stages' counters and the last tick's snapshots, null before the stages exist. */
export interface MetricsSource {
  readings(): EngineReadings | null;
  latestTick(): readonly MetricSnapshot[];
}

/** Buckets of the store's latencies, in seconds: 1 ms to 10 s. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Default metrics of prom-client that are gauges named like counters. */
const LINT_FAILING_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/**
 * The engine's own metrics for one scrape, in a registry built from the readings: a metric
 * without a value (no commit yet, no bus) is left out rather than shown as 0.
 */
export function selfRegistry(r: EngineReadings | null): Registry {
  const registry = new Registry();
  if (r === null) return registry;
  for (const def of SELF_METRICS) {
    const v = def.value(r);
    if (v === null) continue;
    const pairs = typeof v === 'number' ? [[{}, v] as const] : v;
    const opts = { name: def.name, help: def.help, labelNames: [...(def.labels ?? [])], registers: [registry] };
    if (def.type === 'counter') {
      const c = new Counter(opts);
      for (const [labels, n] of pairs) c.inc(labels, n);
    } else {
      const g = new Gauge(opts);
      for (const [labels, n] of pairs) g.set(labels, n);
    }
  }
  return registry;
}

/**
 * The engine's Prometheus exposition (`GET /metrics`): its own counters, read from the stages'
 * counters at scrape time (nothing is counted twice or on the hot path), two histograms of the
 * store's latencies observed at each commit, Node.js process metrics, and the latest collected
 * gauges of the host and the watched processes.
 */
export class EngineMetrics {
  readonly #registry = new Registry();
  readonly #commitSeconds: Histogram;
  readonly #waitSeconds: Histogram;

  constructor(private readonly source: MetricsSource) {
    collectDefaultMetrics({ register: this.#registry });
    // Gauges that prom-client names `_total`: promtool refuses them (`nodejs_active_handles` etc. stay, by type).
    for (const name of LINT_FAILING_DEFAULTS) this.#registry.removeSingleMetric(name);
    this.#commitSeconds = new Histogram({
      name: 'perf_engine_store_commit_duration_seconds',
      help: 'Time to write one batch to metric_snapshots (COPY and commit, retries included).',
      buckets: LATENCY_BUCKETS,
      registers: [this.#registry],
    });
    this.#waitSeconds = new Histogram({
      name: 'perf_engine_store_write_latency_seconds',
      help: 'Time from an append (one message or one collection tick) to its commit: what a publisher waiting for the reply sees.',
      buckets: LATENCY_BUCKETS,
      registers: [this.#registry],
    });
  }

  /** The media type of the exposition. */
  get contentType(): string {
    return this.#registry.contentType;
  }

  /** The writer's commit hook: observes one batch's write time and each of its appends' latency. */
  readonly onWriterCommit = (writeSeconds: number, waitSeconds: readonly number[]): void => {
    this.#commitSeconds.observe(writeSeconds);
    for (const w of waitSeconds) this.#waitSeconds.observe(w);
  };

  /** The exposition now, in the Prometheus text format. */
  async metrics(): Promise<string> {
    return Registry.merge([this.#registry, selfRegistry(this.source.readings()), snapshotRegistry(this.source.latestTick())]).metrics();
  }
}

/** Reads every stage's counters once, for one scrape. */
export function readStages(s: EngineStages, bus: BusStatus | null): EngineReadings {
  const profiling = s.profiling.status() as { auto?: { started?: number }; schedule?: { started?: number } };
  return {
    ingest: s.ingest.stats(),
    writer: s.writer.stats(),
    invalid: s.invalid.counts(),
    monitor: s.monitor.status(),
    detection: s.detection.status(),
    diagnosis: s.diagnosis.status(),
    alerting: s.alerting.status(),
    profiles: s.profiling.service.stats(),
    profileStarts: { auto: profiling.auto?.started ?? 0, schedule: profiling.schedule?.started ?? 0 },
    configUpdates: s.liveConfig.stats(),
    delivery: s.delivery.status(),
    bus,
  };
}
