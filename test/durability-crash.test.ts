import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { openPgDb } from '../src/store/pg-db.js';
import { IngestLoad, storedByPrefix } from './helpers/ingest-load.js';
import { NATS_SERVER, PrivateNats, freePort } from './helpers/private-services.js';
import { PG_URL, dropSchema, uniqueSchema, waitFor } from './helpers/services.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The engine as its own process (`perf-engine start`), so that the test can kill -9 it. */
function spawnEngine(env: Record<string, string>, output: string[]): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve('src/cli/main.ts'), 'start'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((res) => (child.exitCode !== null || child.signalCode !== null ? res() : child.once('exit', () => res())));
}

async function ready(port: number): Promise<void> {
  await waitFor(async () => {
    try {
      return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;
    } catch {
      return false;
    }
  }, 30_000, 100);
}

describe.skipIf(!NATS_SERVER)('an engine killed with SIGKILL under load', () => {
  it('stores every published sample exactly once after a restart: fire-and-forget, requests and repeats', async () => {
    const nats = await PrivateNats.start();
    cleanups.push(() => nats.remove());
    const schema = uniqueSchema('kill');
    const dataDir = mkdtempSync(join(tmpdir(), 'perf-engine-kill-'));
    cleanups.push(async () => {
      await dropSchema(schema);
      rmSync(dataDir, { recursive: true, force: true });
    });
    const port = await freePort();
    const env = {
      DATABASE_URL: PG_URL,
      NATS_URL: nats.url,
      PERF_ENGINE_DATABASE_SCHEMA: schema,
      PERF_ENGINE_HTTP_PORT: String(port),
      PERF_ENGINE_DATA_DIR: dataDir,
      PERF_ENGINE_MONITORING_INTERVAL_SECONDS: '3600',
      PERF_ENGINE_DETECT_ENABLED: 'false',
      PERF_ENGINE_DIAGNOSE_ENABLED: 'false',
      PERF_ENGINE_INGEST_JETSTREAM: 'require',
      PERF_ENGINE_INGEST_ACK_WAIT_SECONDS: '3',
      PERF_ENGINE_LOG_LEVEL: 'warn',
    };
    const output: string[] = [];
    let engine = spawnEngine(env, output);
    cleanups.push(async () => {
      engine.kill('SIGKILL');
      await exited(engine);
    });
    await ready(port);

    const nc = await connect({ servers: nats.url });
    cleanups.push(() => nc.close());
    const load = new IngestLoad(nc, 'monitoring.realtime_metrics', {
      prefix: 'kill',
      firePerSecond: 200,
      perMessage: 10,
      requesters: 8,
      requestTimeoutMs: 2000,
      repeatEvery: 20,
    });
    load.start();
    await sleep(3000);
    engine.kill('SIGKILL');
    await exited(engine);
    const atKill = load.counts();
    const killedAt = Date.now();
    await sleep(2000);
    engine = spawnEngine(env, output);
    await ready(port);
    const atRestart = load.counts();
    const downMs = Date.now() - killedAt;
    await sleep(2000);
    const sent = await load.stop();

    const db = await openPgDb({ url: PG_URL, schema, poolSize: 1 });
    cleanups.push(() => db.close());
    const published = sent.fired + sent.requested;
    let stored = await storedByPrefix(db, 'kill');
    await waitFor(async () => (stored = await storedByPrefix(db, 'kill')).rows >= published, 40_000, 250).catch(() => undefined);
    const readyz = (await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()) as {
      components: { ingest: { stream: { redelivered: number; duplicates: number } } };
    };
    const { redelivered, duplicates } = readyz.components.ingest.stream;
    console.log(
      `kill -9 under load: published ${published} snapshots (${sent.fired} fire-and-forget, ${sent.repeated} messages sent twice, ` +
        `${sent.requested} in requests, ${sent.retries} retried requests), ${sent.acknowledged} acknowledged, ` +
        `${atKill.fired + atKill.requested} before the kill, ${atRestart.fired - atKill.fired} fire-and-forget while the engine was down ` +
        `(${(downMs / 1000).toFixed(1)} s); stored ${stored.rows} rows, ${stored.distinct} distinct; ` +
        `the restarted engine was delivered ${redelivered} messages again and joined ${duplicates} repeats`,
    );
    expect(stored.rows, output.join('')).toBe(published);
    expect(stored.distinct).toBe(stored.rows);
    expect(sent.acknowledged).toBeLessThanOrEqual(sent.requested);
    expect(sent.retries).toBeGreaterThan(0);
    expect(redelivered).toBeGreaterThan(0);
  });
});
