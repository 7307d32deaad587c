import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { streamNameFor } from '../../src/bus/ingest-stream.js';
import { ConfigStore } from '../../src/config/config-store.js';
import { loadConfig } from '../../src/config/load.js';
import { PerformanceEngine, type EngineOverrides } from '../../src/engine/engine.js';
import { NATS_URL, PG_URL, dropSchema, quietLogger, uniqueSchema } from './services.js';

/** Engines started and not yet stopped, by subject prefix. */
const running = new Map<string, number>();

/** A running engine on the real PostgreSQL (own schema) and NATS (own subject prefix). */
export interface TestEngine {
  readonly engine: PerformanceEngine;
  readonly schema: string;
  /** Subject prefix isolating this engine from other tests on the same server. */
  readonly prefix: string;
  /** A plain NATS client for the test to act as another agent. */
  readonly nc: NatsConnection;
  readonly dataDir: string;
  /** Base URL of the engine's HTTP server. */
  readonly http: string;
  stop(): Promise<void>;
}

/** Starts an engine with test isolation; `env` adds configuration as environment variables. */
export async function startTestEngine(env: Record<string, string> = {}, overrides: EngineOverrides = {}): Promise<TestEngine> {
  const schema = uniqueSchema('e');
  const prefix = `${schema}.`;
  const dataDir = mkdtempSync(join(tmpdir(), 'perf-engine-test-'));
  const loaded = loadConfig({
    env: {
      DATABASE_URL: PG_URL,
      NATS_URL,
      PERF_ENGINE_DATABASE_SCHEMA: schema,
      PERF_ENGINE_NATS_SUBJECT_PREFIX: prefix,
      PERF_ENGINE_HTTP_PORT: '0',
      PERF_ENGINE_DATA_DIR: dataDir,
      PERF_ENGINE_LOG_LEVEL: process.env.TEST_LOG ?? 'silent',
      ...env,
    },
  });
  const engine = new PerformanceEngine(new ConfigStore(loaded), quietLogger(), overrides);
  await engine.start();
  // The prefix in effect (a test may set its own): the ingest stream is named after it.
  const streamPrefix = engine.config.current.nats_subject_prefix;
  running.set(streamPrefix, (running.get(streamPrefix) ?? 0) + 1);
  const nc = await connect({ servers: NATS_URL });
  return {
    engine,
    schema,
    prefix,
    nc,
    dataDir,
    http: engine.agent.httpAddress()!,
    async stop() {
      try {
        await engine.stop();
      } finally {
        const left = (running.get(streamPrefix) ?? 1) - 1;
        running.set(streamPrefix, left);
        // The stream is shared by the engines of a prefix (a restart test runs two): the last one removes it.
        if (left === 0) await deleteIngestStream(nc, streamPrefix);
      }
      await nc.close();
      await dropSchema(schema);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Removes the JetStream stream an engine created for a subject prefix (tests share the server). */
export async function deleteIngestStream(nc: NatsConnection, prefix: string, name = 'PERF_ENGINE_INGEST'): Promise<void> {
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(streamNameFor(prefix, name));
  } catch {
    // No JetStream, or no stream: nothing to remove.
  }
}
