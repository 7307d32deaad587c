import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigStore } from '../src/config/config-store.js';
import { loadConfig } from '../src/config/load.js';
import { PerformanceEngine } from '../src/engine/engine.js';
import { querySeries } from '../src/store/metric-queries.js';
import { PG_URL, dropSchema, quietLogger, uniqueSchema, waitFor } from './helpers/services.js';

const NATS_SERVER = ['/usr/sbin/nats-server', '/usr/bin/nats-server'].find((p) => existsSync(p));
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? res(addr.port) : rej(new Error('no port'))));
    });
  });
}

/** A private nats-server on `port`, so that the test can stop and restart it. */
async function natsServer(port: number): Promise<ChildProcess> {
  const child = spawn(NATS_SERVER!, ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  await waitFor(async () => {
    try {
      const nc = await connect({ servers: `127.0.0.1:${port}`, reconnect: false, timeout: 500 });
      await nc.close();
      return true;
    } catch {
      return false;
    }
  }, 10_000);
  return child;
}

function stopServer(child: ChildProcess): Promise<void> {
  return new Promise((res) => {
    if (child.exitCode !== null) return res();
    child.once('exit', () => res());
    child.kill('SIGKILL');
  });
}

function engineOn(port: number): { engine: PerformanceEngine; schema: string } {
  const schema = uniqueSchema('nr');
  const dataDir = mkdtempSync(join(tmpdir(), 'perf-engine-nr-'));
  const config = new ConfigStore(
    loadConfig({
      env: {
        DATABASE_URL: PG_URL,
        NATS_URL: `nats://127.0.0.1:${port}`,
        PERF_ENGINE_DATABASE_SCHEMA: schema,
        PERF_ENGINE_HTTP_PORT: '0',
        PERF_ENGINE_DATA_DIR: dataDir,
        PERF_ENGINE_MONITORING_INTERVAL_SECONDS: '3600',
      },
    }),
  );
  const engine = new PerformanceEngine(config, quietLogger());
  cleanups.push(async () => {
    await engine.stop();
    await dropSchema(schema);
    rmSync(dataDir, { recursive: true, force: true });
  });
  return { engine, schema };
}

async function readyz(engine: PerformanceEngine): Promise<{ status: number; body: { bus: { connected: boolean } } }> {
  const res = await fetch(`${engine.agent.httpAddress()}/readyz`);
  return { status: res.status, body: (await res.json()) as { bus: { connected: boolean } } };
}

async function publishAndWait(port: number, source: string, ts: number): Promise<unknown> {
  const nc = await connect({ servers: `127.0.0.1:${port}` });
  try {
    const reply = await nc.request('monitoring.realtime_metrics', JSON.stringify({ source, timestamp: ts, metrics: { v: 1 } }), { timeout: 5000 });
    return reply.json();
  } finally {
    await nc.close();
  }
}

describe.skipIf(!NATS_SERVER)('NATS connection resilience', () => {
  it('reconnects after the server restarts and keeps ingesting; /readyz reports the outage', async () => {
    const port = await freePort();
    let server = await natsServer(port);
    cleanups.push(() => stopServer(server));
    const { engine } = engineOn(port);
    await engine.start();
    const t0 = Date.now() - 10_000;
    expect(await publishAndWait(port, 'before', t0)).toEqual({ ok: true, samples: 1 });

    await stopServer(server);
    await waitFor(async () => (await readyz(engine)).status === 503, 10_000);
    expect((await readyz(engine)).body.bus.connected).toBe(false);

    server = await natsServer(port);
    await waitFor(async () => (await readyz(engine)).status === 200, 20_000);
    expect(await publishAndWait(port, 'after', t0 + 1)).toEqual({ ok: true, samples: 1 });
    expect(await querySeries(engine.agent.db, 'after', 'v', t0, t0 + 1)).toHaveLength(1);
    expect(((await engine.status()) as { bus: { reconnects: number } }).bus.reconnects).toBeGreaterThanOrEqual(1);
  });

  it('with NATS_URL set and no server, never falls back: it keeps retrying, answers /healthz, and starts once a server appears', async () => {
    const port = await freePort();
    const { engine } = engineOn(port);
    const starting = engine.start();
    await waitFor(async () => {
      try {
        return (await fetch(`${engine.agent.httpAddress()}/healthz`)).status === 200;
      } catch {
        return false;
      }
    }, 10_000);
    const early = await readyz(engine);
    expect(early.status).toBe(503);
    await new Promise((r) => setTimeout(r, 1500));
    const server = await natsServer(port);
    cleanups.push(() => stopServer(server));
    await starting;
    expect((await readyz(engine)).status).toBe(200);
    expect(engine.agent.bus.kind).toBe('nats');
  });
});
