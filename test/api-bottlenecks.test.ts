import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BottleneckRecord } from '../src/diagnose/bottleneck-record.js';
import { getBottleneck, insertBottleneck } from '../src/diagnose/stage/bottleneck-repo.js';
import { apiError, testApi, type TestApi } from './helpers/api.js';

const T = Date.parse('2026-11-25T10:00:00Z');
let api: TestApi;

function record(source: string, detectedAt: number, over: Partial<BottleneckRecord> = {}): BottleneckRecord {
  const finding = { kind: 'cpu_saturation', metric: 'event_loop_utilization', confidence: 0.9, severity: 'warning', metrics: {}, facts: {} };
  return {
    id: randomUUID(),
    source,
    kind: 'cpu_saturation',
    severity: 'warning',
    metric: 'event_loop_utilization',
    status: 'active',
    startedAt: detectedAt - 30_000,
    detectedAt,
    updatedAt: detectedAt,
    resolvedAt: null,
    resolveReason: null,
    summary: `${source} event loop saturated`,
    evidence: { confidence: 0.9, window: { from: 'a', to: 'b' } },
    recommendations: [{ action: 'profile_cpu', params: { source, duration_seconds: 30 }, rationale: 'a CPU profile shows the hot functions' }],
    related: [{ source: 'db-agent', relation: 'downstream', kind: 'io_latency', metric: 'query_ms', value: 120, baseline: 20, ratio: 6 }],
    host: 'node-1',
    scope: 'agent',
    state: { refs: {}, latest: finding, peak: finding, lastHit: detectedAt, labelsAtStart: null },
    ...over,
  } as BottleneckRecord;
}

const older = record('order-agent-1', T, { status: 'resolved', resolvedAt: T + 60_000, resolveReason: 'cleared', host: null });
const newer = record('payment-agent', T + 3_600_000);

beforeAll(async () => {
  api = await testApi();
  expect(await insertBottleneck(api.db, older)).toBe(true);
  expect(await insertBottleneck(api.db, newer)).toBe(true);
});
afterAll(async () => api.close());

const get = (url: string) => api.app.inject(url);
const ids = async (url: string) => (await get(url)).json<{ bottlenecks: { bottleneck_id: string }[] }>().bottlenecks.map((b) => b.bottleneck_id);

describe('GET /api/v1/bottlenecks', () => {
  it('lists bottlenecks newest first, each as the store shows it', async () => {
    const res = await get('/api/v1/bottlenecks');
    expect(res.statusCode).toBe(200);
    const expected = [await getBottleneck(api.db, newer.id), await getBottleneck(api.db, older.id)];
    expect(res.json()).toEqual({ bottlenecks: JSON.parse(JSON.stringify(expected)) });
    expect(res.json<{ bottlenecks: object[] }>().bottlenecks[0]).toMatchObject({
      related_sources: [{ source: 'db-agent', ratio: 6 }],
      recommendations: [{ action: 'profile_cpu', params: { duration_seconds: 30 } }],
      evidence: { window: { from: 'a' } },
    });
  });

  it('filters by activity, source and detection time, and stops at the limit', async () => {
    expect(await ids('/api/v1/bottlenecks?active=true')).toEqual([newer.id]);
    expect(await ids('/api/v1/bottlenecks?source=order-agent-1')).toEqual([older.id]);
    expect(await ids(`/api/v1/bottlenecks?since=${T + 1000}`)).toEqual([newer.id]);
    expect(await ids('/api/v1/bottlenecks?since=2026-11-25T10:30:00Z')).toEqual([newer.id]);
    expect(await ids('/api/v1/bottlenecks?limit=1')).toEqual([newer.id]);
  });

  it('refuses each malformed parameter with a 400 naming it, never a database error', async () => {
    const cases: [string, string][] = [
      ['active=perhaps', 'query parameter "active" must be boolean'],
      ['source=a%20b', 'query parameter "source" must match pattern'],
      ['since=last%20week', 'query parameter "since": expected'],
      ['since=99999999999999999999d', 'query parameter "since": 99999999999999999999d is out of range'],
      ['limit=0', 'query parameter "limit" must be >= 1'],
      ['limit=1e309', 'query parameter "limit" must be a finite number'],
      ['kind=cpu', 'unknown query parameter "kind"'],
    ];
    for (const [q, message] of cases) expect(apiError(await get(`/api/v1/bottlenecks?${q}`)), q).toMatchObject({ status: 400, code: 'bad_request', message: expect.stringContaining(message) });
    expect(api.logged).toEqual([]);
  });
});

describe('GET /api/v1/bottlenecks/:id', () => {
  it('shows one bottleneck', async () => {
    const res = await get(`/api/v1/bottlenecks/${older.id}`);
    expect(res.json()).toEqual({ bottleneck: JSON.parse(JSON.stringify(await getBottleneck(api.db, older.id))) });
    expect(res.json()).toMatchObject({ bottleneck: { status: 'resolved', resolve_reason: 'cleared', host: null } });
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    const unknown = randomUUID();
    expect(apiError(await get(`/api/v1/bottlenecks/${unknown}`))).toEqual({ status: 404, code: 'not_found', message: `no bottleneck ${unknown}` });
    expect(apiError(await get('/api/v1/bottlenecks/12345'))).toMatchObject({ status: 400, code: 'bad_request', message: expect.stringContaining('path parameter "id"') });
  });
});
