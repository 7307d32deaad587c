import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigStore } from '../src/config/config-store.js';
import { loadConfig } from '../src/config/load.js';
import { PerformanceEngine } from '../src/engine/engine.js';
import { runCli } from './helpers/cli.js';
import { startTestEngine, type TestEngine } from './helpers/engine.js';
import { NATS_URL, PG_URL, quietLogger, uniqueSchema } from './helpers/services.js';

const READ = 'read-token-for-tests-0123456789';
const WRITE = 'write-token-for-tests-0123456789';
const dirs: string[] = [];
const engines: TestEngine[] = [];
/** An engine on 0.0.0.0 with both tokens. */
let guarded: TestEngine;
beforeAll(async () => {
  guarded = await startTestEngine({ PERF_ENGINE_HTTP_HOST: '0.0.0.0', PERF_ENGINE_HTTP_READ_TOKEN: READ, PERF_ENGINE_HTTP_WRITE_TOKEN: WRITE });
  engines.push(guarded);
});
afterAll(async () => {
  for (const e of engines) await e.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Whether anything accepts connections on the port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** An address of this machine other agents would use (a LAN address); loopback when the machine has none. */
function lanAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

function baseEnv(port: number, extra: Record<string, string>): Record<string, string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'perf-engine-sec-'));
  dirs.push(dataDir);
  return {
    DATABASE_URL: PG_URL,
    NATS_URL,
    PERF_ENGINE_DATABASE_SCHEMA: uniqueSchema('sec'),
    PERF_ENGINE_HTTP_PORT: String(port),
    PERF_ENGINE_DATA_DIR: dataDir,
    PERF_ENGINE_LOG_LEVEL: 'silent',
    ...extra,
  };
}

/** Runs the CLI from source (without blocking: the engine under test answers from this process), with only PATH and HOME of this environment. */
const cli = (args: string[], env: Record<string, string>) => runCli(args, { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, 60_000);

const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const json = { 'content-type': 'application/json' };

describe('listening beyond loopback', () => {
  it('refuses to start on 0.0.0.0 without tokens, before anything listens', async () => {
    const port = await freePort();
    for (const extra of [{}, { PERF_ENGINE_HTTP_WRITE_TOKEN: WRITE }] as Record<string, string>[]) {
      const engine = new PerformanceEngine(new ConfigStore(loadConfig({ env: baseEnv(port, { PERF_ENGINE_HTTP_HOST: '0.0.0.0', ...extra }) })), quietLogger());
      await expect(engine.start()).rejects.toThrow(/^http_host = "0\.0\.0\.0" \(from env:PERF_ENGINE_HTTP_HOST\) is not allowed: .*http_read_token \(or http_public_read: true\)/);
      expect(await listening(port)).toBe(false);
    }
  });

  it('`perf-engine start` on :: without tokens exits 2 with one line naming what is missing', async () => {
    const port = await freePort();
    const r = await cli(['start'], baseEnv(port, { PERF_ENGINE_HTTP_HOST: '::' }));
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      'perf-engine: invalid configuration: http_host = "::" (from env:PERF_ENGINE_HTTP_HOST) is not allowed: a loopback address (127.0.0.1, ::1, localhost) unless http_write_token and http_read_token (or http_public_read: true) are set: the API would answer anyone who reaches the port\n',
    );
  });

  it('on 0.0.0.0 with both tokens: reading needs either token, changes the write token, from another address; health stays open', async () => {
    const base = `http://${lanAddress()}:${new URL(guarded.http).port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const anonymous = await fetch(`${base}/api/v1/status`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="perf-engine"');
    expect(await anonymous.json()).toEqual({ error: { code: 'unauthorized', message: 'this route needs a bearer token (Authorization: Bearer <read token>)' } });
    expect((await fetch(`${base}/metrics`, { headers: auth(READ) })).status).toBe(200);
    const config = (await (await fetch(`${base}/api/v1/config`, { headers: auth(WRITE) })).json()) as Record<string, { value: unknown }>;
    expect([config.http_read_token!.value, config.http_write_token!.value]).toEqual(['***', '***']);

    const silence = JSON.stringify({ source: 'sec-*', duration_seconds: 60 });
    expect((await fetch(`${base}/api/v1/silences`, { method: 'POST', headers: json, body: silence })).status).toBe(401);
    const readOnly = await fetch(`${base}/api/v1/silences`, { method: 'POST', headers: { ...json, ...auth(READ) }, body: silence });
    expect(readOnly.status).toBe(403);
    expect(((await readOnly.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    expect((await fetch(`${base}/api/v1/silences`, { method: 'POST', headers: { ...json, ...auth(WRITE) }, body: silence })).status).toBe(201);
    expect((await fetch(`${base}/api/v1/silences`, { headers: auth(`${READ}x`) })).status).toBe(401);
  });

  it('on 0.0.0.0 with http_public_read and the write token: anyone reads, only the write token changes state', async () => {
    const t = await startTestEngine({ PERF_ENGINE_HTTP_HOST: '0.0.0.0', PERF_ENGINE_HTTP_PUBLIC_READ: 'true', PERF_ENGINE_HTTP_WRITE_TOKEN: WRITE });
    engines.push(t);
    const base = `http://${lanAddress()}:${new URL(t.http).port}`;
    expect((await fetch(`${base}/api/v1/status`)).status).toBe(200);
    expect((await fetch(`${base}/openapi.json`)).status).toBe(200);
    expect((await fetch(`${base}/api/v1/silences`, { method: 'POST', headers: json, body: JSON.stringify({ source: 'x', duration_seconds: 60 }) })).status).toBe(401);
  });
});

describe('the CLI against a protected engine', () => {
  it('sends the read token to read and the write token to change state, from the same configuration', async () => {
    const t = guarded;
    const env = {
      DATABASE_URL: PG_URL,
      NATS_URL,
      PERF_ENGINE_DATABASE_SCHEMA: t.schema,
      PERF_ENGINE_NATS_SUBJECT_PREFIX: t.prefix,
      PERF_ENGINE_HTTP_HOST: '0.0.0.0',
      PERF_ENGINE_HTTP_PORT: new URL(t.http).port,
      PERF_ENGINE_DATA_DIR: t.dataDir,
    };
    const refused = await cli(['config'], env);
    expect(refused).toMatchObject({ status: 1, stdout: '' });
    expect(refused.stderr).toContain('engine answered 401: this route needs a bearer token');
    const read = await cli(['config'], { ...env, PERF_ENGINE_HTTP_READ_TOKEN: READ });
    expect(read.status).toBe(0);
    expect(read.stdout.split('\n')[0]).toContain('running engine');
    const readOnly = await cli(['profile', '--self', '--duration', '1'], { ...env, PERF_ENGINE_HTTP_READ_TOKEN: READ });
    expect(readOnly.stderr).toContain('the engine refused: unauthorized: this route needs a bearer token (Authorization: Bearer <write token>)');
    const profiled = await cli(['profile', '--self', '--duration', '1', '--top', '3'], { ...env, PERF_ENGINE_HTTP_WRITE_TOKEN: WRITE });
    expect(profiled.stderr).toContain('stored by the engine');
    expect(profiled.status).toBe(0);
  });
});
