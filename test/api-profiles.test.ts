import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeProfileBytes } from '../src/profile/analysis/analyze-profile.js';
import { ExportError, ProfileExportPool, type ProfileExporter } from '../src/profile/service/export-pool.js';
import { EXPORT_FORMATS, exportProfile, type ExportFormat } from '../src/profile/export/export-profile.js';
import { insertProfile, type ProfileRow } from '../src/profile/service/profile-repository.js';
import type { ActiveProfile, ProfileJob, StartResult } from '../src/profile/service/profile-service.js';
import { apiError, testApi, type TestApi } from './helpers/api.js';

const FIXTURES = new URL('./fixtures/profile/', import.meta.url);
const cpuRaw = readFileSync(new URL('workload-before.cpuprofile', FIXTURES));
const heapRaw = readFileSync(new URL('workload.heapprofile', FIXTURES));
const T = Date.parse('2026-11-25T10:00:00Z');

function row(kind: ProfileRow['kind'], raw: Buffer | null, over: Partial<ProfileRow> = {}): ProfileRow {
  return {
    profileId: randomUUID(),
    requestId: null,
    target: { agent_id: 'order-agent-1' },
    source: 'order-agent-1',
    kind,
    trigger: 'request',
    status: 'completed',
    startedAt: T,
    durationMs: 10_000,
    sampleCount: 1091,
    hotspots: [{ function: 'parseOrders', url: 'file:///app/workload.mjs', line: 16, self_ms: 312.5, self_pct: 31.2, total_ms: 410, total_pct: 41 }],
    summary: { sampling_interval_us: 1000 },
    error: null,
    rawFormat: raw ? ({ cpu: 'cpuprofile', heap: 'heapprofile', event_loop: 'event_loop' } as const)[kind] : null,
    rawGzip: raw ? gzipSync(raw) : null,
    rawBytes: raw?.length ?? null,
    ...over,
  };
}

const cpu = row('cpu', cpuRaw);
const heap = row('heap', heapRaw, { startedAt: T + 3_600_000, trigger: 'auto', hotspots: [] });
const loop = row('event_loop', Buffer.from('{}'), { startedAt: T + 5_400_000, hotspots: [] });
const failed = row('cpu', null, { startedAt: T + 7_200_000, source: 'payment-agent', target: { agent_id: 'payment-agent' }, status: 'failed', error: 'the agent did not answer', durationMs: null, sampleCount: null, hotspots: [] });
const RUNNING: ActiveProfile = { profileId: randomUUID(), target: { pid: 4242 }, kind: 'cpu', trigger: 'request', startedAt: T + 9_000_000, endsAt: T + 9_010_000 };

let api: TestApi;
const pool = new ProfileExportPool();
/** The exporter the API uses: the real worker pool unless a test swaps in a failing one. */
let exporter: ProfileExporter = pool;
const started: ProfileJob[] = [];
let startResult: StartResult = { ok: true, profileId: 'a1b2c3d4-0000-4000-8000-000000000001', done: new Promise(() => {}) };

beforeAll(async () => {
  api = await testApi({
    profiles: () => ({
      start: (job) => (started.push(job), startResult),
      active: () => [RUNNING],
    }),
    exporter: { export: (...args) => exporter.export(...args), close: async () => {} },
  });
  for (const r of [cpu, heap, loop, failed]) await insertProfile(api.db, r);
});
afterAll(async () => {
  await api.close();
  await pool.close();
});

const get = (url: string) => api.app.inject(url);
const listed = async (q: string) => (await get(`/api/v1/profiles?${q}`)).json<{ profiles: { profile_id: string }[] }>().profiles.map((p) => p.profile_id);

function inProcess(raw: Buffer, format: ExportFormat, name: string): Buffer {
  const out = exportProfile(analyzeProfileBytes(raw), format, name);
  return Buffer.from(typeof out === 'string' || out instanceof Uint8Array ? out : [...out].join(''));
}

describe('GET /api/v1/profiles', () => {
  it('lists the profiles being recorded, then the stored ones newest first, in the columns of performance_profiles', async () => {
    const res = await get('/api/v1/profiles');
    expect(res.statusCode).toBe(200);
    const body = res.json<{ running: unknown[]; profiles: Record<string, unknown>[] }>();
    expect(body.running).toEqual([{ profile_id: RUNNING.profileId, status: 'running', target: { pid: 4242 }, kind: 'cpu', trigger: 'request', started_at: new Date(RUNNING.startedAt).toISOString(), ends_at: new Date(RUNNING.endsAt).toISOString() }]);
    expect(body.profiles.map((p) => p.profile_id)).toEqual([failed.profileId, loop.profileId, heap.profileId, cpu.profileId]);
    expect(body.profiles[3]).toEqual({
      profile_id: cpu.profileId,
      request_id: null,
      target: { agent_id: 'order-agent-1' },
      source: 'order-agent-1',
      kind: 'cpu',
      trigger: 'request',
      status: 'completed',
      started_at: '2026-11-25T10:00:00.000Z',
      duration_ms: 10_000,
      sample_count: 1091,
      hotspots: cpu.hotspots,
      summary: { sampling_interval_us: 1000 },
      error: null,
      raw_format: 'cpuprofile',
      raw_bytes: cpuRaw.length,
      created_at: expect.any(String),
    });
    expect(body.profiles[0]).toMatchObject({ status: 'failed', error: 'the agent did not answer', raw_format: null, raw_bytes: null });
  });

  it('filters by source, kind, status and time, and stops at the limit', async () => {
    expect(await listed('source=payment-agent')).toEqual([failed.profileId]);
    expect(await listed('kind=heap')).toEqual([heap.profileId]);
    expect(await listed('status=failed')).toEqual([failed.profileId]);
    expect(await listed(`since=${T + 1}&until=2026-11-25T11:30:00Z`)).toEqual([loop.profileId, heap.profileId]);
    expect(await listed('limit=1')).toEqual([failed.profileId]);
  });

  it('refuses each malformed parameter with a 400 naming it', async () => {
    const cases: [string, string][] = [
      ['kind=gpu', 'query parameter "kind" must be one of: cpu, heap, event_loop'],
      ['status=running', 'query parameter "status" must be one of: completed, failed'],
      ['source=%2F', 'query parameter "source" must match pattern'],
      ['since=a%20while', 'query parameter "since": expected'],
      ['until=9999999999999999', 'query parameter "until": 9999999999999999 is out of range'],
      ['limit=1001', 'query parameter "limit" must be <= 1000'],
      ['limit=1e309', 'query parameter "limit" must be a finite number'],
    ];
    for (const [q, message] of cases) expect(apiError(await get(`/api/v1/profiles?${q}`)), q).toMatchObject({ status: 400, code: 'bad_request', message: expect.stringContaining(message) });
  });
});

describe('GET /api/v1/profiles/:id', () => {
  it('shows a stored profile, or the progress of one being recorded', async () => {
    expect((await get(`/api/v1/profiles/${heap.profileId}`)).json()).toMatchObject({ profile_id: heap.profileId, kind: 'heap', trigger: 'auto', status: 'completed' });
    expect((await get(`/api/v1/profiles/${RUNNING.profileId}`)).json()).toMatchObject({ profile_id: RUNNING.profileId, status: 'running', ends_at: new Date(RUNNING.endsAt).toISOString() });
  });

  it('stores what an agent sent with NUL or unpaired surrogates, each replaced by U+FFFD, rather than losing the profile', async () => {
    const odd = row('cpu', null, { requestId: 'r\u0000', error: 'agent said \u0000\ud800', hotspots: [{ ...cpu.hotspots[0]!, function: 'f\u0000', url: 'x\udc00' }], summary: { ['k\u0000']: 'v\ud800' } });
    await insertProfile(api.db, odd);
    try {
      const shown = (await get(`/api/v1/profiles/${odd.profileId}`)).json<{ request_id: string; error: string; hotspots: { function: string; url: string }[]; summary: object }>();
      expect(shown).toMatchObject({ request_id: 'r\uFFFD', error: 'agent said \uFFFD\uFFFD', hotspots: [{ function: 'f\uFFFD', url: 'x\uFFFD' }], summary: { ['k\uFFFD']: 'v\uFFFD' } });
    } finally {
      await api.db.query('DELETE FROM performance_profiles WHERE profile_id = $1', [odd.profileId]);
    }
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    const unknown = randomUUID();
    expect(apiError(await get(`/api/v1/profiles/${unknown}`))).toEqual({ status: 404, code: 'not_found', message: `no profile ${unknown}` });
    expect(apiError(await get('/api/v1/profiles/latest')).status).toBe(400);
  });
});

describe('GET /api/v1/profiles/:id/download', () => {
  it('sends the raw profile by default, as an attachment', async () => {
    const res = await get(`/api/v1/profiles/${cpu.profileId}/download`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="${cpu.profileId}.cpuprofile"`);
    expect(res.rawPayload.equals(cpuRaw)).toBe(true);
    expect((await get(`/api/v1/profiles/${heap.profileId}/download?format=raw`)).rawPayload.equals(heapRaw)).toBe(true);
  });

  it.each(EXPORT_FORMATS)('writes a CPU profile as %s, byte for byte what the exporter writes', async (format) => {
    const res = await get(`/api/v1/profiles/${cpu.profileId}/download?format=${format}`);
    expect(res.statusCode).toBe(200);
    const expected = inProcess(cpuRaw, format, cpu.profileId);
    expect(format === 'pprof' ? gunzipSync(res.rawPayload).equals(gunzipSync(expected)) : res.rawPayload.equals(expected)).toBe(true);
    expect(res.headers['content-disposition']).toMatch(new RegExp(`^attachment; filename="${cpu.profileId}\\.`));
  });

  it('writes a heap profile as a flame graph, and refuses formats its kind cannot hold', async () => {
    const svg = await get(`/api/v1/profiles/${heap.profileId}/download?format=svg`);
    expect(svg.headers['content-type']).toBe('image/svg+xml');
    expect(svg.rawPayload.equals(inProcess(heapRaw, 'svg', heap.profileId))).toBe(true);
    expect(apiError(await get(`/api/v1/profiles/${heap.profileId}/download?format=cpuprofile`))).toEqual({ status: 400, code: 'bad_format', message: 'a heap profile cannot be written as cpuprofile' });
    expect(apiError(await get(`/api/v1/profiles/${loop.profileId}/download?format=svg`))).toEqual({ status: 400, code: 'bad_format', message: 'a event_loop profile cannot be written as svg' });
  });

  it('refuses an unknown format once, listing the formats', async () => {
    expect(apiError(await get(`/api/v1/profiles/${cpu.profileId}/download?format=gif`))).toEqual({
      status: 400,
      code: 'bad_request',
      message: 'query parameter "format" must be one of: raw, svg, html, pprof, speedscope, collapsed, cpuprofile',
    });
  });

  it('answers 404 for a profile without raw bytes or an unknown id', async () => {
    expect(apiError(await get(`/api/v1/profiles/${failed.profileId}/download`))).toMatchObject({ status: 404, code: 'not_found' });
    expect(apiError(await get(`/api/v1/profiles/${randomUUID()}/download?format=svg`))).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('maps export failures to their statuses, and hides an internal one', async () => {
    const cases: [ExportError | Error, number, string][] = [
      [new ExportError('busy', '4 exports are waiting; retry later'), 503, 'busy'],
      [new ExportError('timeout', 'the export took longer than 120000 ms'), 503, 'timeout'],
      [new ExportError('too_large', 'the stored profile is larger than the export limit'), 422, 'too_large'],
      [new ExportError('bad_profile', 'the stored profile cannot be read'), 422, 'bad_profile'],
      [new ExportError('closed', 'the exporter is closed'), 503, 'stopping'],
      [new ExportError('failed', 'the export worker failed: out of memory at /srv/x.js:1'), 500, 'internal'],
    ];
    try {
      for (const [err, status, code] of cases) {
        exporter = { export: () => Promise.reject(err), close: async () => {} };
        const e = apiError(await get(`/api/v1/profiles/${cpu.profileId}/download?format=svg`));
        expect(e, code).toMatchObject({ status, code });
        if (code === 'internal') expect(e.message).not.toContain('/srv/x.js');
      }
    } finally {
      exporter = pool;
    }
    expect(api.logged).toHaveLength(1);
  });
});

describe('POST /api/v1/profiles', () => {
  it('starts a profile (202) with the request turned into a job', async () => {
    const res = await api.app.inject({ method: 'POST', url: '/api/v1/profiles', payload: { target: { agent_id: 'order-agent-1' }, kind: 'heap', duration_seconds: 5, request_id: 'r-1' } });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ profile_id: 'a1b2c3d4-0000-4000-8000-000000000001', request_id: 'r-1', target: { agent_id: 'order-agent-1' }, kind: 'heap', duration_seconds: 5 });
    expect(started.at(-1)).toMatchObject({ target: { agent_id: 'order-agent-1' }, kind: 'heap', durationSeconds: 5, trigger: 'request' });
  });

  it('answers a refusal with its code and status', async () => {
    startResult = { ok: false, code: 'busy', message: 'agent:order-agent-1 is being profiled' };
    try {
      const res = await api.app.inject({ method: 'POST', url: '/api/v1/profiles', payload: { target: { self: true } } });
      expect(apiError(res)).toEqual({ status: 409, code: 'busy', message: 'agent:order-agent-1 is being profiled' });
    } finally {
      startResult = { ok: true, profileId: 'a1b2c3d4-0000-4000-8000-000000000001', done: new Promise(() => {}) };
    }
  });

  it('refuses a malformed request without starting anything', async () => {
    const before = started.length;
    const cases: [unknown, string][] = [
      [{}, 'body field "target" is required'],
      [{ target: { pid: 0 } }, 'body field "target" matches none of its accepted forms'],
      [{ target: { self: true }, kind: 'gpu' }, 'body field "kind" must be one of: cpu, heap, event_loop'],
      [{ target: { self: true }, duration_seconds: 301 }, 'body field "duration_seconds" must be <= 300'],
      [{ target: { self: true }, request_id: 'r\u0000' }, 'body field "request_id": text must not contain NUL (U+0000) or an unpaired surrogate; PostgreSQL cannot store it'],
    ];
    for (const [payload, message] of cases) {
      const res = await api.app.inject({ method: 'POST', url: '/api/v1/profiles', payload: payload as object });
      expect(apiError(res), JSON.stringify(payload)).toEqual({ status: 400, code: 'bad_request', message });
    }
    expect(started.length).toBe(before);
  });
});
