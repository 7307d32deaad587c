import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeJson } from '../src/wire/json.js';
import { ConfigStore } from '../src/config/config-store.js';
import { loadConfig } from '../src/config/load.js';
import { PerformanceEngine } from '../src/engine/engine.js';
import { addSilence } from '../src/alert/stage/alert-commands.js';
import { listAlerts } from '../src/alert/stage/alert-repo.js';
import { startTestEngine, type TestEngine } from './helpers/engine.js';
import { quietLogger, waitFor } from './helpers/services.js';
import { collectAlerts, evenly, replay, type SeenAlert } from './helpers/alert-stream.js';

let t: TestEngine;
let seen: SeenAlert[];
const RULES = { cpu_usage: { warning: 80, critical: 90 }, queue_depth: { critical: 1000, renotify_seconds: 60 } };

beforeAll(async () => {
  t = await startTestEngine(
    { PERF_ENGINE_ALERT_THRESHOLDS: JSON.stringify(RULES), PERF_ENGINE_ALERT_KEEP_FIRING_SECONDS: '0', PERF_ENGINE_ALERT_STALE_SECONDS: '4' },
    { collectors: [] },
  );
  seen = collectAlerts(t.nc, t.prefix);
});
afterAll(async () => t?.stop());

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${t.http}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const of = (source: string) => seen.filter((a) => a.body.source === source);

describe('silences and acknowledgements in the running engine (HTTP API)', () => {
  it('hold back the firing of a silenced alert, and send it once the silence ends', async () => {
    const created = await api('POST', '/api/v1/silences', { source: 'sil-*', metric: 'cpu_*', severity: 'critical', duration_seconds: 3600, comment: 'deploy' });
    expect(created.status).toBe(201);
    const silence = created.json.silence as { silence_id: string; active: boolean };
    expect(silence.active).toBe(true);
    const start = Date.now() - 3_600_000;
    await replay(t.nc, t.prefix, 'sil-1', 'cpu_usage', start, evenly([50, 95, 96], 10));
    await replay(t.nc, t.prefix, 'sil-2', 'cpu_usage', start, evenly([50, 85, 86], 10));
    await waitFor(() => of('sil-2').length === 1);
    await waitFor(async () => (await listAlerts(t.engine.agent.db, { state: 'firing' })).some((a) => a.source === 'sil-1'));
    expect(of('sil-1')).toEqual([]);
    const row = (await listAlerts(t.engine.agent.db, {})).find((a) => a.source === 'sil-1')!;
    expect(row).toMatchObject({ notified: false, silenced_by: silence.silence_id });
    expect((await api('DELETE', `/api/v1/silences/${silence.silence_id}`)).status).toBe(200);
    await waitFor(() => of('sil-1').length === 1);
    expect(of('sil-1')[0]!.body).toMatchObject({ state: 'firing', severity: 'critical', alert_id: row.alert_id });
    expect((await api('DELETE', `/api/v1/silences/${silence.silence_id}`)).status).toBe(404);
  });

  it('stop re-notifications once acknowledged, until the alert resolves', async () => {
    const start = Date.now() - 2 * 3_600_000;
    // A normal sample first: the series' 30 s interval is known before it fires (it stays fresh for 90 s, not 4).
    await replay(t.nc, t.prefix, 'ack-1', 'queue_depth', start, evenly([10, 2000, 2000], 30));
    await waitFor(() => of('ack-1').length === 1);
    const id = String(of('ack-1')[0]!.body.alert_id);
    const acked = await api('POST', `/api/v1/alerts/${id}/ack`, { by: 'ops' });
    expect(acked.status).toBe(200);
    expect(acked.json.alert).toMatchObject({ acknowledged_by: 'ops' });
    await replay(t.nc, t.prefix, 'ack-1', 'queue_depth', start, evenly([2000, 2000, 2000, 2000, 10], 30, 90));
    await waitFor(() => of('ack-1').some((a) => a.body.state === 'resolved'));
    expect(of('ack-1').map((a) => `${a.subject} ${a.body.state}`)).toEqual(['alert firing', 'alert resolved']);
    expect((await api('POST', `/api/v1/alerts/${id}/ack`, {})).status).toBe(409);
    expect((await api('POST', '/api/v1/alerts/0b4c8a52-7a0e-4a43-9d8e-2f6c0f6d2b11/ack', {})).status).toBe(404);
    expect((await api('POST', '/api/v1/alerts/not-an-id/ack', {})).status).toBe(400);
  });

  it('pick up a silence written straight to the database (CLI on PostgreSQL) within the sync interval', async () => {
    await addSilence(t.engine.agent.db, { source: 'direct-1', durationMs: 3_600_000 }, Date.now());
    await waitFor(async () => ((await t.engine.status()) as { alerting: { silences: number } }).alerting.silences >= 1, 8000);
    await replay(t.nc, t.prefix, 'direct-1', 'cpu_usage', Date.now() - 60_000, evenly([95, 96], 10));
    await waitFor(async () => (await listAlerts(t.engine.agent.db, { state: 'firing' })).some((a) => a.source === 'direct-1'));
    expect(of('direct-1')).toEqual([]);
  });

  it('resolve an alert as stale when its source stops reporting, dated last sample + alert_stale_seconds', async () => {
    const start = Date.now() - 4 * 3_600_000;
    await replay(t.nc, t.prefix, 'gone-1', 'cpu_usage', start, evenly([95, 96], 1));
    await waitFor(() => of('gone-1').length === 1);
    await waitFor(() => of('gone-1').length === 2, 10_000);
    expect(of('gone-1')[1]!.body).toMatchObject({ state: 'resolved', resolve_reason: 'stale', resolved_at: new Date(start + 5_000).toISOString() });
  });

  it('validate API input by schema', async () => {
    expect((await api('POST', '/api/v1/silences', { source: 'bad name!', duration_seconds: 60 })).status).toBe(400);
    expect((await api('POST', '/api/v1/silences', { source: 'x', duration_seconds: 0 })).status).toBe(400);
    expect((await api('GET', '/api/v1/alerts?state=open')).status).toBe(400);
  });
});

describe('perf-engine alerts against a running embedded engine (through its HTTP API)', () => {
  const CLI = resolve('dist/cli/main.js');
  const dataDir = mkdtempSync(join(tmpdir(), 'perf-engine-alerts-cli-'));
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, PERF_ENGINE_DATA_DIR: dataDir, PERF_ENGINE_HTTP_PORT: '0' };
  let engine: PerformanceEngine;
  // Asynchronous: the engine answering the CLI runs in this process.
  const cli = (...args: string[]) =>
    new Promise<{ code: number; out: string; err: string }>((done) => {
      execFile(process.execPath, [CLI, 'alerts', ...args], { env, encoding: 'utf8', timeout: 30_000 }, (error, out, err) =>
        done({ code: error ? Number(error.code ?? 1) : 0, out, err }),
      );
    });

  beforeAll(async () => {
    const loaded = loadConfig({ env: { ...env, PERF_ENGINE_ALERT_THRESHOLDS: JSON.stringify(RULES) } });
    engine = new PerformanceEngine(new ConfigStore(loaded), quietLogger(), { collectors: [], defaultNatsUrl: 'nats://127.0.0.1:1' });
    await engine.start();
  });
  afterAll(async () => {
    await engine?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists, acknowledges, silences and unsilences', async () => {
    engine.agent.bus.publish('monitoring.realtime_metrics', encodeJson({ source: 'cli-1', timestamp: Date.now() - 1000, metrics: { cpu_usage: 97.123456 } }));
    await waitFor(async () => (await listAlerts(engine.agent.db, { state: 'firing' })).length === 1);
    const listed = await cli('--state', 'firing', '--json');
    expect(listed.err).toBe('');
    const alerts = JSON.parse(listed.out) as { alert_id: string; source: string }[];
    expect(alerts.map((a) => a.source)).toEqual(['cli-1']);
    // The table is for people: the value rounded, in the metric's unit (the JSON keeps it exact).
    expect((await cli('--state', 'firing')).out).toMatch(/cli-1\s+cpu_usage\s+97\.12%\s/);
    expect(await cli('ack', alerts[0]!.alert_id, '--by', 'tester')).toMatchObject({ code: 0 });
    expect(JSON.parse((await cli('--json')).out)[0]).toMatchObject({ acknowledged_by: 'tester' });
    const silenced = await cli('silence', '--source', 'cli-*', '--severity', 'critical', '--for', '2h', '--comment', 'maintenance', '--json');
    const silence = JSON.parse(silenced.out) as { silence_id: string; comment: string };
    expect(silence.comment).toBe('maintenance');
    expect((JSON.parse((await cli('silences', '--json')).out) as { silence_id: string }[]).map((s) => s.silence_id)).toEqual([silence.silence_id]);
    expect(await cli('unsilence', silence.silence_id)).toMatchObject({ code: 0 });
    expect(JSON.parse((await cli('silences', '--json')).out)).toEqual([]);
    expect((await cli('unsilence', silence.silence_id)).code).toBe(1);
    const bad = await cli('silence', '--source', 'x', '--for', 'soon');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--for "soon"/);
    expect((await cli('--state', 'open')).code).toBe(2);
  });
});
