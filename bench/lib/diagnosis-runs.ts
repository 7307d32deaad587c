import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { pino } from 'pino';
import { ConfigStore } from '../../src/config/config-store.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { PerformanceEngine, type EngineOverrides } from '../../src/engine/engine.js';
import type { MetricSnapshot } from '../../src/model/snapshot.js';
import type { SeenBottleneck } from './diagnosis-scoring.js';
import { BENCH_NATS_URL, BENCH_PG_URL, dropSchema, uniqueName } from './services.js';

/** An engine running in this process on the bench services, isolated by schema and subject prefix, with what it published. */
export interface BenchEngine {
  readonly engine: PerformanceEngine;
  readonly config: Config;
  readonly prefix: string;
  readonly nc: NatsConnection;
  /** `performance.bottleneck_detected` messages so far. */
  readonly detected: SeenBottleneck[];
  /** Snapshots received on `monitoring.realtime_metrics` (when recording). */
  readonly recorded: MetricSnapshot[];
  stop(): Promise<void>;
}

/** Starts an engine with `env` added to its configuration; `record` keeps every realtime snapshot seen on the bus. */
export async function startBenchEngine(env: Record<string, string>, overrides: EngineOverrides = {}, record = false): Promise<BenchEngine> {
  const schema = uniqueName('diag');
  const prefix = `${schema}.`;
  const dataDir = mkdtempSync(join(tmpdir(), 'perf-bench-diag-'));
  const loaded = loadConfig({
    env: {
      DATABASE_URL: BENCH_PG_URL,
      NATS_URL: BENCH_NATS_URL,
      PERF_ENGINE_DATABASE_SCHEMA: schema,
      PERF_ENGINE_NATS_SUBJECT_PREFIX: prefix,
      PERF_ENGINE_HTTP_PORT: '0',
      PERF_ENGINE_DATA_DIR: dataDir,
      PERF_ENGINE_LOG_LEVEL: 'warn',
      ...env,
    },
  });
  const engine = new PerformanceEngine(new ConfigStore(loaded), pino({ level: 'warn' }), overrides);
  await engine.start();
  const nc = await connect({ servers: BENCH_NATS_URL });
  const detected: SeenBottleneck[] = [];
  const recorded: MetricSnapshot[] = [];
  nc.subscribe(`${prefix}performance.bottleneck_detected`, {
    callback: (_e, m) => {
      const b = m.json<{ bottleneck_id: string; kind: string; source: string; started_at: string; detected_at: string }>();
      detected.push({ id: b.bottleneck_id, kind: b.kind, source: b.source, startedAt: Date.parse(b.started_at), detectedAt: Date.parse(b.detected_at) });
    },
  });
  if (record) {
    // Agents' snapshots and the engine's own (host and processes).
    for (const subject of ['monitoring.realtime_metrics', 'performance.metrics']) nc.subscribe(`${prefix}${subject}`, {
      callback: (_e, m) => {
        const body = m.json<MetricSnapshot | MetricSnapshot[]>();
        for (const s of Array.isArray(body) ? body : [body]) recorded.push({ ...s, timestamp: typeof s.timestamp === 'number' ? s.timestamp : Date.parse(String(s.timestamp)) });
      },
    });
  }
  await nc.flush();
  return {
    engine,
    config: loaded.config,
    prefix,
    nc,
    detected,
    recorded,
    async stop() {
      await nc.drain();
      await engine.stop();
      await dropSchema(schema);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Publishes snapshots in time order as requests of `batch` snapshots (each committed before the next). */
export async function replay(e: BenchEngine, snapshots: readonly MetricSnapshot[], batch = 500): Promise<void> {
  const subject = `${e.prefix}monitoring.realtime_metrics`;
  for (let i = 0; i < snapshots.length; i += batch) {
    const reply = await e.nc.request(subject, JSON.stringify(snapshots.slice(i, i + batch)), { timeout: 60_000 });
    const body = reply.json<{ ok: boolean; error?: unknown }>();
    if (!body.ok) throw new Error(`replay refused: ${JSON.stringify(body.error)}`);
  }
}

/** Waits until the engine has written and published every bottleneck so far, and NATS has delivered them. */
export async function settle(e: BenchEngine): Promise<void> {
  await e.engine.diagnosis?.flushed();
  await e.nc.flush();
  await new Promise((r) => setTimeout(r, 300));
}
