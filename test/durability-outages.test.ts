import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { Collector } from '../src/collect/collector.js';
import { ConfigStore } from '../src/config/config-store.js';
import { loadConfig } from '../src/config/load.js';
import { PerformanceEngine } from '../src/engine/engine.js';
import type { IngestStats } from '../src/ingest/realtime-ingest.js';
import type { Db } from '../src/store/db.js';
import { openPgDb } from '../src/store/pg-db.js';
import type { WriterStats } from '../src/store/metric-writer.js';
import { IngestLoad, storedByPrefix } from './helpers/ingest-load.js';
import { CAN_RUN_POSTGRES, NATS_SERVER, PrivateNats, PrivatePostgres } from './helpers/private-services.js';
import { PG_URL, dropSchema, quietLogger, uniqueSchema, waitFor } from './helpers/services.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A collector standing for the host and process collectors: one snapshot per tick, counted. */
function ownCollector(): Collector & { produced: number } {
  const c = {
    name: 'own',
    produced: 0,
    async collect(now: number) {
      c.produced++;
      return [{ source: 'own-collection', timestamp: now, metrics: { tick: c.produced, x: 1 } }];
    },
  };
  return c;
}

function startEngine(env: Record<string, string>, collector: Collector): PerformanceEngine {
  const dataDir = mkdtempSync(join(tmpdir(), 'perf-engine-outage-'));
  const engine = new PerformanceEngine(
    new ConfigStore(
      loadConfig({
        env: {
          PERF_ENGINE_HTTP_PORT: '0',
          PERF_ENGINE_DATA_DIR: dataDir,
          PERF_ENGINE_MONITORING_INTERVAL_SECONDS: '1',
          PERF_ENGINE_DETECT_ENABLED: 'false',
          PERF_ENGINE_DIAGNOSE_ENABLED: 'false',
          PERF_ENGINE_INGEST_JETSTREAM: 'require',
          PERF_ENGINE_LOG_LEVEL: process.env.TEST_LOG ?? 'silent',
          ...env,
        },
      }),
    ),
    quietLogger(),
    { collectors: [collector] },
  );
  cleanups.push(async () => {
    await engine.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return engine;
}

interface Readyz {
  status: string;
  bus: { connected: boolean };
  database: { ok: boolean };
  components: { ingest: IngestStats };
}

async function readyz(engine: PerformanceEngine): Promise<{ code: number; body: Readyz }> {
  const res = await fetch(`${engine.agent.httpAddress()}/readyz`);
  return { code: res.status, body: (await res.json()) as Readyz };
}

async function ownStored(db: Pick<Db, 'query'>): Promise<number> {
  return (await storedByPrefix(db, 'own')).rows;
}

describe.skipIf(!NATS_SERVER || !CAN_RUN_POSTGRES)('PostgreSQL outage', () => {
  it('keeps consuming into a bounded buffer, says degraded, holds the rest in JetStream, and stores everything once when the database returns', async () => {
    const [pgServer, nats] = await Promise.all([PrivatePostgres.create(), PrivateNats.start()]);
    cleanups.push(() => pgServer.remove(), () => nats.remove());
    const own = ownCollector();
    const engine = startEngine(
      { DATABASE_URL: pgServer.url, NATS_URL: nats.url, PERF_ENGINE_STORE_MAX_PENDING_SAMPLES: '20000', PERF_ENGINE_INGEST_ACK_WAIT_SECONDS: '4' },
      own,
    );
    await engine.start();
    const nc = await connect({ servers: nats.url });
    cleanups.push(() => nc.close());
    const load = new IngestLoad(nc, 'monitoring.realtime_metrics', {
      prefix: 'pgout',
      firePerSecond: 100,
      perMessage: 10,
      requesters: 4,
      requestTimeoutMs: 2000,
      repeatEvery: 25,
    });
    load.start();
    cleanups.push(async () => {
      await load.stop();
    });
    await sleep(2000);
    await pgServer.stop('immediate');
    const outageStart = Date.now();
    await waitFor(async () => (await readyz(engine)).body.status === 'degraded', 10_000, 100);
    const during = await readyz(engine);
    expect(during.code).toBe(503);
    expect(during.body.database.ok).toBe(false);
    // Through the outage: the writer's buffer stays within its bound, and once it is full what
    // comes in waits in JetStream (undelivered), not in the engine.
    const jsm = await jetstreamManager(nc);
    let maxPending = 0;
    let maxWaiting = 0;
    while (Date.now() - outageStart < 15_000) {
      maxPending = Math.max(maxPending, ((await engine.status()).writer as WriterStats).pendingSamples);
      maxWaiting = Math.max(maxWaiting, (await jsm.consumers.info('PERF_ENGINE_INGEST', 'performance_engine')).num_pending);
      await sleep(500);
    }
    expect(maxPending).toBeLessThanOrEqual(20_000);
    expect(maxWaiting).toBeGreaterThan(100);
    await pgServer.start();
    const outageMs = Date.now() - outageStart;
    await sleep(2000);
    const sent = await load.stop();

    const published = sent.fired + sent.requested;
    const db = engine.agent.db;
    let stored = await storedByPrefix(db, 'pgout');
    await waitFor(async () => (stored = await storedByPrefix(db, 'pgout')).rows >= published, 30_000, 250).catch(() => undefined);
    await waitFor(async () => (await readyz(engine)).code === 200, 10_000, 100);
    const after = (await readyz(engine)).body.components.ingest.stream!;
    await engine.stop();
    const check = await openPgDb({ url: pgServer.url, schema: 'public', poolSize: 1 });
    cleanups.push(() => check.close());
    const ownRows = await ownStored(check);
    console.log(
      `PostgreSQL outage of ${(outageMs / 1000).toFixed(1)} s: published ${published} snapshots (${sent.fired} fire-and-forget, ` +
        `${sent.requested} in requests, ${sent.retries} retried), ${sent.acknowledged} acknowledged; writer held up to ` +
        `${maxPending} samples (bound 20000) while JetStream kept up to ${maxWaiting} messages; stored ${stored.rows} rows, ` +
        `${stored.distinct} distinct; own collection ${ownRows} of ${own.produced} ticks stored; redelivered ${after.redelivered}`,
    );
    expect(stored.rows).toBe(published);
    expect(stored.distinct).toBe(stored.rows);
    expect(sent.retries).toBeGreaterThan(0);
    expect(ownRows).toBe(own.produced);
    expect(after.redelivered).toBe(0);
  });
});

describe.skipIf(!NATS_SERVER)('NATS restart', () => {
  it('keeps collecting and storing, sends its own publications once NATS is back, and stores what was in flight once', async () => {
    const nats = await PrivateNats.start();
    cleanups.push(() => nats.remove());
    const schema = uniqueSchema('natsout');
    cleanups.push(() => dropSchema(schema));
    const observer = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    cleanups.push(() => observer.close());
    const jsm = await jetstreamManager(observer);
    await jsm.streams.add({ name: 'OWN_METRICS', subjects: ['performance.metrics'] });
    const own = ownCollector();
    const engine = startEngine({ DATABASE_URL: PG_URL, NATS_URL: nats.url, PERF_ENGINE_DATABASE_SCHEMA: schema, PERF_ENGINE_INGEST_ACK_WAIT_SECONDS: '3' }, own);
    await engine.start();
    const publisher = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    cleanups.push(() => publisher.close());
    const opts = { prefix: 'natsout', firePerSecond: 150, perMessage: 10, requesters: 2, requestTimeoutMs: 2000, repeatEvery: 0 };
    const before = new IngestLoad(publisher, 'monitoring.realtime_metrics', opts);
    before.start();
    await sleep(2500);
    const sentBefore = await before.stop();
    await nats.stop('SIGTERM');
    const db = engine.agent.db;
    await waitFor(async () => (await readyz(engine)).body.status === 'degraded', 10_000, 100);
    expect((await readyz(engine)).body.bus.connected).toBe(false);
    const ownAtDisconnect = await ownStored(db);
    await sleep(5000);
    const ownDuringOutage = (await ownStored(db)) - ownAtDisconnect;
    expect(ownDuringOutage).toBeGreaterThanOrEqual(3);
    await nats.start();
    await waitFor(async () => (await readyz(engine)).code === 200, 20_000, 100);
    const afterLoad = new IngestLoad(publisher, 'monitoring.realtime_metrics', { ...opts, prefix: 'natsout2' });
    afterLoad.start();
    await sleep(1500);
    const sentAfter = await afterLoad.stop();

    const published = sentBefore.fired + sentBefore.requested;
    const publishedAfter = sentAfter.fired + sentAfter.requested;
    await waitFor(async () => (await storedByPrefix(db, 'natsout')).rows >= published && (await storedByPrefix(db, 'natsout2')).rows >= publishedAfter, 30_000, 250).catch(() => undefined);
    const stored = await storedByPrefix(db, 'natsout');
    const storedAfter = await storedByPrefix(db, 'natsout2');
    await engine.stop();
    const produced = own.produced;
    const check = await openPgDb({ url: PG_URL, schema, poolSize: 1 });
    cleanups.push(() => check.close());
    const ownRows = await ownStored(check);
    await waitFor(async () => (await jsm.streams.info('OWN_METRICS')).state.messages >= produced, 5000, 100).catch(() => undefined);
    const ownPublished = (await jsm.streams.info('OWN_METRICS')).state.messages;
    console.log(
      `NATS restart (5 s down): ${published} snapshots published before, ${stored.rows} stored (${stored.distinct} distinct); ` +
        `${publishedAfter} after, ${storedAfter.rows} stored; own collection ${produced} ticks: ${ownRows} stored ` +
        `(${ownDuringOutage} during the outage), ${ownPublished} on performance.metrics`,
    );
    expect(stored.rows).toBe(published);
    expect(stored.distinct).toBe(stored.rows);
    expect(storedAfter.rows).toBe(publishedAfter);
    expect(ownRows).toBe(produced);
    expect(ownPublished).toBe(produced);
  });
});

