import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeJson } from '../src/wire/json.js';
import { ConfigStore } from '../src/config/config-store.js';
import { loadConfig } from '../src/config/load.js';
import { PerformanceEngine } from '../src/engine/engine.js';
import { querySeries } from '../src/store/metric-queries.js';
import { readLock } from '../src/store/data-dir-lock.js';
import { quietLogger, waitFor } from './helpers/services.js';

const dataDir = mkdtempSync(join(tmpdir(), 'perf-engine-embedded-'));
const config = () =>
  new ConfigStore(
    loadConfig({ env: { PERF_ENGINE_DATA_DIR: dataDir, PERF_ENGINE_HTTP_PORT: '0', PERF_ENGINE_MONITORING_INTERVAL_SECONDS: '1' } }),
  );
let engine: PerformanceEngine;

beforeAll(async () => {
  engine = new PerformanceEngine(config(), quietLogger(), { defaultNatsUrl: 'nats://127.0.0.1:1' });
  await engine.start();
});
afterAll(async () => {
  await engine?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('embedded mode (no DATABASE_URL, no NATS server)', () => {
  it('runs on an in-process bus and says so in /readyz', async () => {
    const ready = (await (await fetch(`${engine.agent.httpAddress()}/readyz`)).json()) as {
      ready: boolean;
      bus: { kind: string; embedded: boolean };
      database: { kind: string };
    };
    expect(ready.ready).toBe(true);
    expect(ready.bus).toMatchObject({ kind: 'memory', embedded: true });
    expect(ready.database.kind).toBe('pglite');
  });

  it('stores ingested and collected metrics in PGlite with the same SQL', async () => {
    const ts = Date.now() - 1000;
    const reply = await engine.agent.bus.request(
      'monitoring.realtime_metrics',
      encodeJson({ source: 'embedded-agent', timestamp: ts, metrics: { queue_depth: 4 } }),
      5000,
    );
    expect(JSON.parse(new TextDecoder().decode(reply.data))).toEqual({ ok: true, samples: 1 });
    expect(await querySeries(engine.agent.db, 'embedded-agent', 'queue_depth', ts, ts)).toEqual([{ timestamp: ts, value: 4 }]);
    await waitFor(async () => ((await engine.status()) as { writer: { committedSnapshots: number } }).writer.committedSnapshots > 1);
  });

  it('holds the data folder: a second engine on it refuses to start, naming the holder', async () => {
    expect(readLock(dataDir)?.pid).toBeUndefined();
    const second = new PerformanceEngine(config(), quietLogger(), { defaultNatsUrl: 'nats://127.0.0.1:1' });
    await expect(second.start()).rejects.toThrow(/in use by engine pid/);
  });
});
