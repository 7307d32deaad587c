import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { Command } from 'commander';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WIRE_SCHEMAS, jsonSchemaDocument } from '../src/wire/catalog.js';
import { CliError } from '../src/cli/cli-error.js';
import profileCaptureCommand from '../src/cli/profile-capture.js';
import { analyzeProfileBytes } from '../src/profile/analysis/analyze-profile.js';
import { PG_URL, waitFor } from './helpers/services.js';
import { startTestEngine, type TestEngine } from './helpers/engine.js';

type Json = Record<string, unknown>;

const ajv = new Ajv2020({ strict: false, validateFormats: false, logger: false });
for (const w of WIRE_SCHEMAS) ajv.addSchema(jsonSchemaDocument(w.subject, w.schema));
const SDK_AGENT = fileURLToPath(new URL('fixtures/profile/sdk-agent.ts', import.meta.url));

/** A function the engine's own CPU profile must show: it keeps the loop busy in short slices. */
function serviceTestHotLoop(ms: number): number {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) for (let i = 0; i < 1000; i++) x += Math.sqrt(i + x);
  return x;
}

function keepBusy(totalMs: number): Promise<void> {
  const end = Date.now() + totalMs;
  return new Promise((resolve) => {
    const step = (): void => {
      serviceTestHotLoop(4);
      if (Date.now() < end) setImmediate(step);
      else resolve();
    };
    step();
  });
}

let t: TestEngine;
let db: pg.Client;
const reports: Json[] = [];
const invalid: Json[] = [];
let agentProcess: ChildProcess | null = null;

async function request(subject: string, body: unknown): Promise<Json> {
  const m = await t.nc.request(`${t.prefix}${subject}`, JSON.stringify(body), { timeout: 5000 });
  return m.json<Json>();
}

const reportOf = async (id: string): Promise<Json> => {
  await waitFor(() => reports.some((r) => r.profile_id === id), 15_000);
  return reports.find((r) => r.profile_id === id)!;
};

async function http(path: string): Promise<Response> {
  return fetch(`${t.http}${path}`);
}

beforeAll(async () => {
  t = await startTestEngine({ PERF_ENGINE_PROFILING_MAX_DURATION_SECONDS: '30' });
  for (const [subject, into] of [
    ['performance.profile_report', reports],
    ['performance.invalid_message', invalid],
  ] as const) {
    const sub = t.nc.subscribe(`${t.prefix}${subject}`);
    void (async () => {
      for await (const m of sub) into.push(m.json<Json>());
    })();
  }
  db = new pg.Client({ connectionString: PG_URL });
  await db.connect();
  await db.query(`SET search_path TO "${t.schema}"`);
});

afterAll(async () => {
  agentProcess?.kill('SIGKILL');
  await db?.end();
  await t?.stop();
});

describe('orchestrator.profile_request', () => {
  it('profiles the engine itself: accepted reply, schema-valid report with hotspots, stored row, HTTP list and downloads', async () => {
    const busy = keepBusy(1600);
    const reply = await request('orchestrator.profile_request', { request_id: 'r-self', target: { self: true }, kind: 'cpu', duration_seconds: 1 });
    expect(reply).toMatchObject({ ok: true, request_id: 'r-self', target: { self: true }, kind: 'cpu', duration_seconds: 1 });
    expect(ajv.validate('reply', reply)).toBe(true);
    const id = reply.profile_id as string;
    const running = (await (await http(`/api/v1/profiles/${id}`)).json()) as Json;
    expect(running.status).toBe('running');
    // The profile started before the reply: a second 1.2 s of work from here covers its whole second
    // however late the reply came (on a loaded machine the first alone ended before the profile did).
    await Promise.all([busy, keepBusy(1200)]);
    const report = await reportOf(id);
    expect(ajv.validate('performance.profile_report', report)).toBe(true);
    expect(report).toMatchObject({ request_id: 'r-self', target: { self: true }, kind: 'cpu', error: null, trigger: 'request', source: 'performance_engine_agent' });
    expect((report.hotspots as { function: string }[]).slice(0, 3).map((h) => h.function)).toContain('serviceTestHotLoop');
    expect(report.duration_ms).toBeGreaterThan(900);

    const row = (await db.query('SELECT status, trigger, kind, sample_count, raw_format, raw_gzip, raw_bytes, hotspots FROM performance_profiles WHERE profile_id = $1', [id])).rows[0];
    expect(row).toMatchObject({ status: 'completed', trigger: 'request', kind: 'cpu', raw_format: 'cpuprofile', sample_count: report.sample_count });
    const raw = gunzipSync(row.raw_gzip as Buffer);
    expect(raw.length).toBe(row.raw_bytes);
    expect(analyzeProfileBytes(raw).kind).toBe('cpu');

    const listed = (await (await http('/api/v1/profiles?source=performance_engine_agent&kind=cpu&since=10m')).json()) as { profiles: Json[] };
    expect(listed.profiles.map((p) => p.profile_id)).toContain(id);
    const pprof = await http(`/api/v1/profiles/${id}/download?format=pprof`);
    expect(pprof.headers.get('content-disposition')).toContain(`${id}.pb.gz`);
    expect([...new Uint8Array(await pprof.arrayBuffer()).subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    const svg = await (await http(`/api/v1/profiles/${id}/download?format=svg`)).text();
    expect(svg).toContain('serviceTestHotLoop');
    const downloaded = Buffer.from(await (await http(`/api/v1/profiles/${id}/download`)).arrayBuffer());
    expect(downloaded.equals(raw)).toBe(true);
    expect((await http(`/api/v1/profiles/${id}/download?format=gif`)).status).toBe(400);
    expect((await http('/api/v1/profiles/not-a-uuid')).status).toBe(400);
  });

  it('refuses a second profile of a busy target at once, in the reply and as a failed report', async () => {
    const [first, second] = await Promise.all([
      request('orchestrator.profile_request', { target: { self: true }, kind: 'event_loop', duration_seconds: 1 }),
      new Promise<Json>((r) => setTimeout(() => r(request('orchestrator.profile_request', { request_id: 'r-busy', target: { self: true }, duration_seconds: 1 })), 100)),
    ]);
    expect(first.ok).toBe(true);
    expect(second).toMatchObject({ ok: false, request_id: 'r-busy', error: { code: 'busy' } });
    await waitFor(() => reports.some((r) => r.request_id === 'r-busy'));
    const refusal = reports.find((r) => r.request_id === 'r-busy')!;
    expect(refusal).toMatchObject({ error_code: 'busy', hotspots: [], sample_count: 0 });
    expect(ajv.validate('performance.profile_report', refusal)).toBe(true);
    const loop = await reportOf(first.profile_id as string);
    expect(loop).toMatchObject({ kind: 'event_loop', error: null, hotspots: [] });
    expect((loop.summary as Json).p99_ms).toBeTypeOf('number');
  });

  it('rejects invalid requests at the edge and refuses pids while the allow-list is empty', async () => {
    const bad = await request('orchestrator.profile_request', { target: { pid: 12, agent_id: 'x' } });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad_shape' } });
    expect((bad.error as Json).message).toContain('target');
    expect((await request('orchestrator.profile_request', { target: { self: true }, duration_seconds: 301 })).ok).toBe(false);
    const nul = await request('orchestrator.profile_request', { target: { self: true }, request_id: 'a\u0000b' });
    expect(nul).toMatchObject({ ok: false, error: { code: 'bad_shape', message: expect.stringMatching(/^request\.request_id: text must not contain NUL/) } });
    await waitFor(() => invalid.length >= 3);
    const pid = await request('orchestrator.profile_request', { target: { pid: 1 } });
    expect(pid).toMatchObject({ ok: false, error: { code: 'not_allowed' } });
    expect((pid.error as Json).message).toContain('profiling_allowed_processes');
  });
});

describe('agent_id targets', () => {
  it('profiles an SDK agent in its own process through the SDK, and reports an agent nobody answers for', async () => {
    agentProcess = spawn(process.execPath, ['--import', 'tsx', SDK_AGENT], {
      env: { ...process.env, AGENT_ID: 'profile-fixture-agent', NATS_URL: 'nats://127.0.0.1:4222', SUBJECT_PREFIX: t.prefix },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      agentProcess!.once('error', reject);
      agentProcess!.stdout!.once('data', () => resolve());
    });
    const reply = await request('orchestrator.profile_request', { target: { agent_id: 'profile-fixture-agent' }, duration_seconds: 1.5, sampling_interval_us: 500 });
    expect(reply.ok).toBe(true);
    const report = await reportOf(reply.profile_id as string);
    expect(report).toMatchObject({ error: null, source: 'profile-fixture-agent', target: { agent_id: 'profile-fixture-agent' } });
    expect((report.hotspots as { function: string }[]).slice(0, 3).map((h) => h.function)).toContain('sdkAgentHotLoop');
    expect(report.sample_count).toBeGreaterThan(1000);

    const missing = await request('orchestrator.profile_request', { target: { agent_id: 'nobody-here' }, duration_seconds: 1 });
    expect(missing.ok).toBe(true);
    const failed = await reportOf(missing.profile_id as string);
    expect(failed).toMatchObject({ error_code: 'not_found', hotspots: [] });
    expect(failed.error).toContain('nobody-here');
  });
});

describe('schedule and automatic profiles', () => {
  it('fires on a live-set cron schedule for the configured targets, and stops when the schedule is removed', async () => {
    const on = await request('config.performance_engine_agent.updated', {
      profiling_schedule: '*/1 * * * * *',
      profiling_schedule_targets: [{ target: { self: true }, kind: 'cpu', duration_seconds: 1 }],
    });
    expect(on.ok).toBe(true);
    await waitFor(() => reports.filter((r) => r.trigger === 'schedule' && r.error === null).length >= 2, 8000);
    expect((await request('config.performance_engine_agent.updated', { profiling_schedule: null })).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 1500));
    const settled = reports.filter((r) => r.trigger === 'schedule').length;
    await new Promise((r) => setTimeout(r, 2500));
    expect(reports.filter((r) => r.trigger === 'schedule').length).toBe(settled);
  });

  it('profiles the source of a bottleneck once enabled, then holds off for the cooldown', async () => {
    const source = t.engine.config.current.agent_id;
    expect(t.engine.onBottleneck({ source, kind: 'cpu_saturation' })).toEqual({ started: false, reason: 'disabled' });
    expect((await request('config.performance_engine_agent.updated', { enable_auto_profiling: true, auto_profiling_duration_seconds: 1 })).ok).toBe(true);
    const decision = t.engine.onBottleneck({ source, kind: 'gc_pressure', bottleneck_id: '0b4c8a52-7a0e-4a43-9d8e-2f6c0f6d2b11' });
    expect(decision).toMatchObject({ started: true, kind: 'heap' });
    expect(t.engine.onBottleneck({ source, kind: 'cpu_saturation' })).toMatchObject({ started: false, reason: 'cooldown' });
    if (!decision.started) return;
    const report = await reportOf(decision.profileId);
    expect(report).toMatchObject({ trigger: 'auto', kind: 'heap', error: null, target: { agent_id: source } });
    expect((report.summary as Json).bottleneck).toMatchObject({ kind: 'gc_pressure', bottleneck_id: '0b4c8a52-7a0e-4a43-9d8e-2f6c0f6d2b11' });
    const status = (await (await http('/api/v1/status')).json()) as { profiling: { auto: Json } };
    expect(status.profiling.auto).toMatchObject({ enabled: true, started: 1, skipped: { disabled: 1, cooldown: 1 } });
  });
});

describe('perf-engine profile (capture form)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'profile-capture-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function cli(config: Json, ...args: string[]): Promise<{ code: number; out: string; message?: string }> {
    const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(config));
    let out = '';
    const spyOut = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
    const spyErr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const program = new Command('perf-engine').exitOverride().enablePositionalOptions();
    program.addCommand(profileCaptureCommand().exitOverride());
    try {
      await program.parseAsync(['node', 'perf-engine', 'profile', ...args, '--config', file]);
      return { code: 0, out };
    } catch (e) {
      if (e instanceof CliError) return { code: e.exitCode, out, message: e.message };
      throw e;
    } finally {
      spyOut.mockRestore();
      spyErr.mockRestore();
    }
  }

  it('records through the running engine and writes the export asked for', async () => {
    const port = Number(new URL(t.http).port);
    const out = join(dir, 'self.pb.gz');
    const busy = keepBusy(1500);
    const r = await cli({ http_port: port }, '--self', '--duration', '1', '--json', '--top', '5', '--out', out);
    await busy;
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as { kind: string; hotspots: unknown[] };
    expect(report.kind).toBe('cpu');
    expect(report.hotspots).toHaveLength(5);
    expect([...readFileSync(out).subarray(0, 2)]).toEqual([0x1f, 0x8b]);
  });

  it('says --self needs a running engine, and refuses two targets', async () => {
    const none = await cli({ http_port: 1, data_dir: dir }, '--self', '--duration', '1');
    expect(none.code).toBe(1);
    expect(none.message).toContain('no engine answers');
    const two = await cli({ http_port: 1 }, '--self', '--pid', '5');
    expect(two).toMatchObject({ code: 2 });
    expect(two.message).toContain('exactly one target');
  });
});
