import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigStore } from '../src/config/config-store.js';
import { loadConfig } from '../src/config/load.js';
import { PerformanceEngine } from '../src/engine/engine.js';
import { querySeries } from '../src/store/metric-queries.js';
import { PG_URL, dropSchema, uniqueSchema, waitFor } from './helpers/services.js';

const NATS_SERVER = ['/usr/sbin/nats-server', '/usr/bin/nats-server'].find((p) => existsSync(p))!;
const ENGINE_PASSWORD = 'eng-s3cret,with@odd/chars';
const dir = mkdtempSync(join(tmpdir(), 'nats-perm-'));
let port = 0;
let server: ChildProcess;
let engine: PerformanceEngine;
let agentNc: NatsConnection;
let adminNc: NatsConnection;
const schema = uniqueSchema('np');
const logPath = join(dir, 'engine.log');

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? res(addr.port) : rej(new Error('no port'))));
    });
  });
}

/** The least-privilege setup of docs/security.md, on a private nats-server. */
function serverConfig(): string {
  return `
listen: 127.0.0.1:${port}
authorization {
  users = [
    { user: engine, password: "${ENGINE_PASSWORD}", permissions: {
        publish: ["performance.>", "agent.*.profile", "_INBOX.>", "$JS.API.>"],
        subscribe: ["monitoring.realtime_metrics", "config.performance_engine_agent.updated", "orchestrator.profile_request", "optimizing.>", "_INBOX.>"] } }
    { user: order_agent, password: "agent-pw", permissions: {
        publish: ["monitoring.realtime_metrics"], subscribe: ["_INBOX.>", "agent.order-agent-1.profile"] } }
    { user: operator, password: "admin-pw", permissions: {
        publish: ["config.performance_engine_agent.updated", "orchestrator.profile_request"], subscribe: ["_INBOX.>", "performance.>"] } }
  ]
}
`;
}

beforeAll(async () => {
  port = await freePort();
  writeFileSync(join(dir, 'nats.conf'), serverConfig());
  server = spawn(NATS_SERVER, ['-c', join(dir, 'nats.conf')], { stdio: 'ignore' });
  await waitFor(async () => {
    try {
      await (await connect({ servers: `127.0.0.1:${port}`, user: 'operator', pass: 'admin-pw', reconnect: false, timeout: 500 })).close();
      return true;
    } catch {
      return false;
    }
  }, 10_000);
  const config = new ConfigStore(
    loadConfig({
      env: {
        DATABASE_URL: PG_URL,
        NATS_URL: `nats://engine:${encodeURIComponent(ENGINE_PASSWORD)}@127.0.0.1:${port}`,
        PERF_ENGINE_DATABASE_SCHEMA: schema,
        PERF_ENGINE_HTTP_PORT: '0',
        PERF_ENGINE_DATA_DIR: dir,
        PERF_ENGINE_MONITORING_INTERVAL_SECONDS: '3600',
      },
    }),
  );
  engine = new PerformanceEngine(config, pino({ level: 'debug' }, pino.destination({ dest: logPath, sync: true })));
  await engine.start();
  agentNc = await connect({ servers: `127.0.0.1:${port}`, user: 'order_agent', pass: 'agent-pw' });
  adminNc = await connect({ servers: `127.0.0.1:${port}`, user: 'operator', pass: 'admin-pw' });
});

afterAll(async () => {
  await agentNc?.close();
  await adminNc?.close();
  await engine?.stop();
  server?.kill('SIGKILL');
  await dropSchema(schema);
  rmSync(dir, { recursive: true, force: true });
});

describe('a least-privilege NATS setup', () => {
  it('lets the engine connect with the credentials inside NATS_URL and never logs the password', async () => {
    const ts = Date.now();
    const reply = await agentNc.request('monitoring.realtime_metrics', JSON.stringify({ source: 'order-agent-1', timestamp: ts, metrics: { cpu_usage: 12 } }));
    expect(reply.json()).toMatchObject({ ok: true });
    expect(await querySeries(engine.agent.db, 'order-agent-1', 'cpu_usage', ts, ts)).toEqual([{ timestamp: ts, value: 12 }]);
    const log = readFileSync(logPath, 'utf8');
    expect(log).toContain('connected to NATS');
    expect(log).not.toContain('eng-s3cret');
  });

  it('keeps an agent from changing the engine configuration, and lets the operator do it', async () => {
    agentNc.publish('config.performance_engine_agent.updated', JSON.stringify({ monitoring_interval_seconds: 5 }));
    await agentNc.flush().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 500));
    expect(engine.config.current.monitoring_interval_seconds).toBe(3600);
    const reply = await adminNc.request('config.performance_engine_agent.updated', JSON.stringify({ monitoring_interval_seconds: 600 }));
    expect(reply.json()).toMatchObject({ ok: true });
    await waitFor(() => engine.config.current.monitoring_interval_seconds === 600);
  });
});
