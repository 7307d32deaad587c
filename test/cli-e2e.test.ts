import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NATS_URL, PG_URL, dropSchema, uniqueSchema, waitFor } from './helpers/services.js';

const CLI = resolve('dist/cli/main.js');
const schema = uniqueSchema('cli');
const prefix = `${schema}.`;
const dataDir = mkdtempSync(join(tmpdir(), 'perf-engine-cli-'));
let port = 0;
let engine: ChildProcess;
let nc: NatsConnection;
let engineOutput = '';

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? res(addr.port) : rej(new Error('no port'))));
    });
  });
}

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATABASE_URL: PG_URL,
    NATS_URL,
    PERF_ENGINE_DATABASE_SCHEMA: schema,
    PERF_ENGINE_NATS_SUBJECT_PREFIX: prefix,
    PERF_ENGINE_HTTP_PORT: String(port),
    PERF_ENGINE_DATA_DIR: dataDir,
    PERF_ENGINE_MONITORING_INTERVAL_SECONDS: '1',
    ...extra,
  };
}

function cli(args: string[], extra: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { env: env(extra), encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  port = await freePort();
  engine = spawn(process.execPath, [CLI, 'start'], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  engine.stdout!.on('data', (d: Buffer) => (engineOutput += d.toString()));
  engine.stderr!.on('data', (d: Buffer) => (engineOutput += d.toString()));
  await waitFor(async () => {
    try {
      return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;
    } catch {
      return false;
    }
  }, 30_000);
  nc = await connect({ servers: NATS_URL });
});

afterAll(async () => {
  await nc?.close();
  if (engine && engine.exitCode === null) engine.kill('SIGKILL');
  await dropSchema(schema);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('perf-engine CLI end to end', () => {
  it('stores metrics published over NATS and reads them back with `metrics --json`', async () => {
    const base = Date.now() - 60_000;
    for (let i = 0; i < 5; i++) {
      const reply = await nc.request(
        `${prefix}monitoring.realtime_metrics`,
        JSON.stringify({ source: 'e2e-agent', timestamp: base + i * 1000, metrics: { handler_latency_p95_ms: 10 + i } }),
        { timeout: 10_000 },
      );
      expect(reply.json()).toEqual({ ok: true, samples: 1 });
    }
    const r = cli(['metrics', '--source', 'e2e-agent', '--metric', 'handler_latency_p95_ms', '--since', '5m', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as { timestamp: string; value: number }[];
    expect(rows).toEqual(
      Array.from({ length: 5 }, (_, i) => ({ timestamp: new Date(base + i * 1000).toISOString(), value: 10 + i })),
    );
  });

  it('lists sources, including the host the engine collects', () => {
    const r = cli(['sources', '--json']);
    expect(r.code).toBe(0);
    const sources = JSON.parse(r.stdout) as { source: string; lastSeen: string }[];
    expect(sources.map((s) => s.source)).toContain('e2e-agent');
    expect(sources.every((s) => !Number.isNaN(Date.parse(s.lastSeen)))).toBe(true);
  });

  it('reports status from the running engine', () => {
    const r = cli(['status', '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as { engine: { running: boolean; monitor: { ticks: number } }; database: { counts: { samples: number } } };
    expect(s.engine.running).toBe(true);
    expect(s.engine.monitor.ticks).toBeGreaterThan(0);
    expect(s.database.counts.samples).toBeGreaterThan(0);
  });

  it('exits 1 from status when the database is unreachable, naming it', async () => {
    const closed = String(await freePort());
    const r = cli(['status'], { DATABASE_URL: `postgres://postgres@127.0.0.1:${closed}/test`, PERF_ENGINE_HTTP_PORT: closed });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('engine:    not running');
    expect(r.stderr).toMatch(/^perf-engine: down: database \(.*ECONNREFUSED.*\)\n$/);
    const j = cli(['status', '--json'], { DATABASE_URL: `postgres://postgres@127.0.0.1:${closed}/test`, PERF_ENGINE_HTTP_PORT: closed });
    expect(j.code).toBe(1);
    expect((JSON.parse(j.stdout) as { down: string[] }).down).toEqual([expect.stringMatching(/^database \(/)]);
    expect(cli(['status']).code).toBe(0);
  });

  it('says when `metrics` is asked for an unknown source or metric (close names listed, exit 1), and takes --since 0', () => {
    const all = cli(['metrics', '--source', 'e2e-agent', '--metric', 'handler_latency_p95_ms', '--since', '0', '--json']);
    expect(all.code).toBe(0);
    expect(JSON.parse(all.stdout)).toHaveLength(5);
    const source = cli(['metrics', '--source', 'e2e-agnt', '--metric', 'handler_latency_p95_ms', '--since', '0']);
    expect(source.code).toBe(1);
    expect(source.stdout).toBe('');
    expect(source.stderr).toMatch(/^perf-engine: unknown source "e2e-agnt": no samples were ever stored for it; close names: e2e-agent \(see perf-engine sources\)\n$/);
    const metric = cli(['metrics', '--source', 'e2e-agent', '--metric', 'handler_latency_p59_ms', '--json']);
    expect(metric.code).toBe(1);
    expect(metric.stderr).toBe('perf-engine: source "e2e-agent" has no metric "handler_latency_p59_ms"; close names: handler_latency_p95_ms\n');
    const quiet = cli(['metrics', '--source', 'e2e-agent', '--metric', 'handler_latency_p95_ms', '--since', '2000-01-01T00:00:00Z', '--until', '2000-01-02T00:00:00Z']);
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).toMatch(/^no samples of e2e-agent handler_latency_p95_ms between/);
  });

  it("prints the running engine's configuration, live updates included, and says so on the first line", async () => {
    const reply = await nc.request(`${prefix}config.performance_engine_agent.updated`, JSON.stringify({ monitoring_interval_seconds: 5 }), { timeout: 10_000 });
    expect(reply.json()).toMatchObject({ ok: true, changed: ['monitoring_interval_seconds'] });
    const r = cli(['config']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`configuration of the running engine at http://127.0.0.1:${port}`);
    expect(lines.find((l) => l.startsWith('monitoring_interval_seconds '))).toMatch(/^monitoring_interval_seconds\s+5\s+live$/);
    const j = cli(['config', '--json']);
    expect(j.stderr).toBe(`configuration of the running engine at http://127.0.0.1:${port}\n`);
    const c = JSON.parse(j.stdout) as Record<string, { value: unknown; origin: string }>;
    expect(c.monitoring_interval_seconds).toEqual({ value: 5, origin: 'live' });
  });

  it('prints the local configuration with origins and secrets masked when no engine answers, or with --local', async () => {
    const secrets = { DATABASE_URL: 'postgres://u:hunter2@127.0.0.1:5432/test', PERF_ENGINE_NATS_PASSWORD: 'pw' };
    const closed = String(await freePort());
    for (const [args, extra, header] of [
      [['config', '--json'], { ...secrets, PERF_ENGINE_HTTP_PORT: closed }, `local configuration: no engine answered at http://127.0.0.1:${closed}`],
      [['config', '--json', '--local'], secrets, 'local configuration (--local: the engine was not asked)'],
    ] as const) {
      const r = cli([...args], extra);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe(`${header}\n`);
      expect(r.stdout).not.toContain('hunter2');
      const c = JSON.parse(r.stdout) as Record<string, { value: unknown; origin: string }>;
      expect(c.database_url).toEqual({ value: 'postgres://u:***@127.0.0.1:5432/test', origin: 'env:DATABASE_URL' });
      expect(c.nats_password!.value).toBe('***');
      expect(c.monitoring_interval_seconds).toEqual({ value: 1, origin: 'env:PERF_ENGINE_MONITORING_INTERVAL_SECONDS' });
    }
    const text = cli(['config'], { PERF_ENGINE_HTTP_PORT: closed });
    expect(text.stdout.split('\n')[0]).toBe(`local configuration: no engine answered at http://127.0.0.1:${closed}`);
  });

  it('exits 2 with a one-line reason on bad arguments and bad configuration', () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['metrics', '--metric', 'cpu_usage'], {}, /--source/],
      [['metrics', '--source', 'a', '--metric', 'cpu_usage', '--since', 'yesterday'], {}, /--since "yesterday"/],
      [['metrics', '--source', 'a b', '--metric', 'cpu_usage'], {}, /--source "a b"/],
      [['frobnicate'], {}, /unknown command/],
      [['start'], { PERF_ENGINE_MONITORING_INTERVAL_SECONDS: '0' }, /monitoring_interval_seconds = 0 .*an integer from 1 to 86400/],
      [['config', '--config', '/nonexistent.yaml'], {}, /nonexistent\.yaml/],
    ];
    for (const [args, extra, pattern] of cases) {
      const r = cli(args, extra);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')[0]).toMatch(pattern);
    }
  });

  it('stops gracefully on SIGTERM, flushing what it holds', async () => {
    const ts = Date.now() - 1000;
    nc.publish(`${prefix}monitoring.realtime_metrics`, JSON.stringify({ source: 'last-words', timestamp: ts, metrics: { v: 1 } }));
    await nc.flush();
    await new Promise((r) => setTimeout(r, 200));
    const exited = new Promise<number | null>((res) => engine.once('exit', (code) => res(code)));
    engine.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(engineOutput).toContain('performance engine stopped');
    const r = cli(['metrics', '--source', 'last-words', '--metric', 'v', '--since', '1h', '--json']);
    expect(JSON.parse(r.stdout)).toEqual([{ timestamp: new Date(ts).toISOString(), value: 1 }]);
  });
});
