import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigStore } from '../src/config/config-store.js';
import { loadConfig } from '../src/config/load.js';
import { PerformanceEngine } from '../src/engine/engine.js';
import { listAlerts } from '../src/alert/stage/alert-repo.js';
import { NATS_URL, PG_URL, dropSchema, quietLogger, uniqueSchema, waitFor } from './helpers/services.js';
import { collectAlerts, evenly, replay, type SeenAlert } from './helpers/alert-stream.js';
import { deleteIngestStream } from './helpers/engine.js';

const schema = uniqueSchema('ar');
const prefix = `${schema}.`;
const dataDir = mkdtempSync(join(tmpdir(), 'perf-engine-restart-'));
let nc: NatsConnection;
let seen: SeenAlert[];

/** An engine on the shared schema and prefix (so a second one continues the first one's state). */
async function startEngine(): Promise<PerformanceEngine> {
  const loaded = loadConfig({
    env: {
      DATABASE_URL: PG_URL,
      NATS_URL,
      PERF_ENGINE_DATABASE_SCHEMA: schema,
      PERF_ENGINE_NATS_SUBJECT_PREFIX: prefix,
      PERF_ENGINE_HTTP_PORT: '0',
      PERF_ENGINE_DATA_DIR: dataDir,
      PERF_ENGINE_LOG_LEVEL: process.env.TEST_LOG ?? 'silent',
      PERF_ENGINE_ALERT_THRESHOLDS: JSON.stringify({ cpu_usage: { critical: 90 }, memory_usage: { critical: 90, for_seconds: 600 } }),
      PERF_ENGINE_ALERT_KEEP_FIRING_SECONDS: '0',
      PERF_ENGINE_ALERT_STALE_SECONDS: '3600',
    },
  });
  const engine = new PerformanceEngine(new ConfigStore(loaded), quietLogger(), { collectors: [] });
  await engine.start();
  return engine;
}

beforeAll(async () => {
  nc = await connect({ servers: NATS_URL });
  seen = collectAlerts(nc, prefix);
});
afterAll(async () => {
  if (nc) await deleteIngestStream(nc, prefix);
  await nc?.close();
  await dropSchema(schema);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a restart of the engine (real PostgreSQL, graceful stop)', () => {
  it('neither loses a firing or pending alert nor fires it twice, and continues detector state', async () => {
    const start = Date.now() - 3_600_000;
    const first = await startEngine();
    try {
      await replay(nc, prefix, 'r-1', 'cpu_usage', start, evenly([50, 50, 95, 96, 97], 10));
      await replay(nc, prefix, 'r-2', 'memory_usage', start, evenly([95, 95, 95], 60));
      await replay(nc, prefix, 'r-3', 'custom_metric', start, evenly(Array.from({ length: 200 }, (_, i) => 10 + (i % 7)), 10), { batch: 200 });
      await waitFor(() => seen.some((a) => a.body.source === 'r-1' && a.body.state === 'firing'));
    } catch (err) {
      // Twice in CI the first request went unanswered: say what the engine's ingest and writer saw.
      const s = (await first.status()) as { ingest?: unknown; writer?: unknown };
      throw new Error(`${String(err)}; engine ingest ${JSON.stringify(s.ingest)}, writer ${JSON.stringify(s.writer)}`, { cause: err });
    } finally {
      await first.stop();
    }

    const second = await startEngine();
    try {
      const open = await listAlerts(second.agent.db, {});
      expect(open.map((a) => `${a.source} ${a.state} ${a.notified}`).sort()).toEqual(['r-1 firing true', 'r-2 pending false']);
      const saved = await second.agent.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM detector_state WHERE source = 'r-3'`);
      expect(saved.rows[0]!.n).toBe(1);

      await replay(nc, prefix, 'r-1', 'cpu_usage', start, evenly([98, 99, 50], 10, 50));
      await replay(nc, prefix, 'r-2', 'memory_usage', start, evenly([95, 95, 95, 95, 95, 95, 95, 95], 60, 180));
      await replay(nc, prefix, 'r-3', 'custom_metric', start, [[2000, 12]]);
      await waitFor(() => seen.some((a) => a.body.source === 'r-1' && a.body.state === 'resolved'));
      await waitFor(() => seen.some((a) => a.body.source === 'r-2' && a.body.state === 'firing'));

      const r1 = seen.filter((a) => a.body.source === 'r-1');
      expect(r1.map((a) => a.body.state)).toEqual(['firing', 'resolved']);
      expect(r1[1]!.body.alert_id).toBe(r1[0]!.body.alert_id);
      expect(r1[1]!.body).toMatchObject({ started_at: new Date(start + 20_000).toISOString(), resolved_at: new Date(start + 70_000).toISOString() });
      const r2 = seen.filter((a) => a.body.source === 'r-2');
      // The hold that started before the restart completes after it: fired 600 s after its start.
      expect(r2.map((a) => [a.body.state, a.body.started_at, a.body.fired_at])).toEqual([
        ['firing', new Date(start).toISOString(), new Date(start + 600_000).toISOString()],
      ]);
      await waitFor(() => second.detection?.detail('r-3', 'custom_metric') != null);
      expect(second.detection!.detail('r-3', 'custom_metric')!.samples).toBe(201);
    } finally {
      await second.stop();
    }
  });

  it('warms a series without saved state from its stored history', async () => {
    const start = Date.now() - 3_600_000;
    const engine = await startEngine();
    try {
      await engine.agent.db.query(`DELETE FROM detector_state WHERE source = 'r-3'`);
      await replay(nc, prefix, 'r-3', 'custom_metric', start, [[2010, 12]]);
      await waitFor(() => engine.detection?.detail('r-3', 'custom_metric') != null);
      // 201 stored samples before it (200 from the first engine, 1 from the second), then the new one.
      expect(engine.detection!.detail('r-3', 'custom_metric')!.samples).toBe(202);
    } finally {
      await engine.stop();
    }
  });
});
