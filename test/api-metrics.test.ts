import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSources } from '../src/store/metric-queries.js';
import { MetricWriter } from '../src/store/metric-writer.js';
import { apiError, testApi, type TestApi } from './helpers/api.js';
import { quietLogger } from './helpers/services.js';

const T0 = Date.parse('2026-11-20T10:00:00.000Z');
const RECENT = Date.now() - 10 * 60_000;
let api: TestApi;

beforeAll(async () => {
  api = await testApi();
  const writer = new MetricWriter(api.db, quietLogger(), { flushIntervalMs: 5, batchMaxSamples: 10_000, maxPendingSamples: 100_000 });
  await writer.write([
    { source: 'agent-a', timestamp: T0, metrics: { cpu_usage: 12.5, memory_usage: 40 }, host: 'h1', labels: { region: 'eu' } },
    { source: 'agent-a', timestamp: T0 + 15_000, metrics: { cpu_usage: 13.25, memory_usage: 41 }, host: 'h1', labels: { region: 'eu' } },
    { source: 'agent-a', timestamp: T0 + 30_000, metrics: { cpu_usage: 14 }, host: 'h1', labels: { region: 'eu' } },
    { source: 'agent-a', timestamp: RECENT, metrics: { cpu_usage: 7 }, host: 'h1', labels: { region: 'eu' } },
    { source: 'agent-b', timestamp: T0, metrics: { cpu_usage: 99.75 } },
  ]);
  await writer.stop();
});
afterAll(async () => api.close());

const get = (url: string) => api.app.inject(url);
const series = (q: string) => get(`/api/v1/series?source=agent-a&metric=cpu_usage&${q}`);

describe('GET /api/v1/sources', () => {
  it('lists every source as the store does', async () => {
    const res = await get('/api/v1/sources');
    expect(res.statusCode).toBe(200);
    const body = res.json<{ sources: { source: string; host: string | null; labels: object }[] }>();
    expect(body).toEqual({ sources: JSON.parse(JSON.stringify(await listSources(api.db))) });
    expect(body.sources.find((s) => s.source === 'agent-a')).toMatchObject({ host: 'h1', labels: { region: 'eu' } });
    expect(body.sources.find((s) => s.source === 'agent-b')).toMatchObject({ host: null, labels: {} });
  });
});

describe('GET /api/v1/metrics', () => {
  it('lists the metrics a source reported', async () => {
    const res = await get('/api/v1/metrics?source=agent-a');
    expect(res.json()).toEqual({ source: 'agent-a', metrics: ['cpu_usage', 'memory_usage'] });
    expect((await get('/api/v1/metrics?source=nobody')).json()).toEqual({ source: 'nobody', metrics: [] });
  });

  it('refuses a missing or malformed source', async () => {
    expect(apiError(await get('/api/v1/metrics'))).toMatchObject({ status: 400, code: 'bad_request', message: 'query parameter "source" is required' });
    expect(apiError(await get('/api/v1/metrics?source=bad%20name!'))).toMatchObject({ status: 400, message: expect.stringContaining('"source" must match pattern') });
  });
});

describe('GET /api/v1/series', () => {
  it('returns the samples between since and until, in time order', async () => {
    const res = await series(`since=${T0}&until=${T0 + 20_000}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      source: 'agent-a',
      metric: 'cpu_usage',
      samples: [
        { timestamp: '2026-11-20T10:00:00.000Z', value: 12.5 },
        { timestamp: '2026-11-20T10:00:15.000Z', value: 13.25 },
      ],
    });
  });

  it('takes RFC 3339 times and stops at the limit', async () => {
    const res = await series('since=2026-11-20T10:00:10Z&until=2026-11-20T11:00:00Z&limit=1');
    expect(res.json<{ samples: unknown[] }>().samples).toEqual([{ timestamp: '2026-11-20T10:00:15.000Z', value: 13.25 }]);
  });

  it('defaults to the last hour', async () => {
    expect((await series('')).json()).toEqual({ source: 'agent-a', metric: 'cpu_usage', samples: [{ timestamp: new Date(RECENT).toISOString(), value: 7 }] });
  });

  it('refuses each malformed parameter with a 400 naming it', async () => {
    const cases: [string, string][] = [
      ['since=yesterday', 'query parameter "since": expected'],
      ['until=soon', 'query parameter "until": expected'],
      [`since=${T0 + 1000}&until=${T0}`, 'query parameter "until" is before "since"'],
      ['limit=0', 'query parameter "limit" must be >= 1'],
      ['limit=1000001', 'query parameter "limit" must be <= 1000000'],
      ['limit=2.5', 'query parameter "limit" must be integer'],
      ['limit=ten', 'query parameter "limit" must be integer'],
      ['verbose=1', 'unknown query parameter "verbose"'],
    ];
    for (const [q, message] of cases) expect(apiError(await series(q)), q).toMatchObject({ status: 400, code: 'bad_request', message: expect.stringContaining(message) });
    expect(apiError(await get('/api/v1/series?source=agent-a'))).toMatchObject({ status: 400, message: 'query parameter "metric" is required' });
  });

  it('answers 400, not a database error, to an infinite limit or a time out of range', async () => {
    for (const q of ['limit=1e309', 'since=9999999999999999', 'since=99999999999999999999d', 'until=9999999999999999']) {
      const e = apiError(await series(q));
      expect(e, q).toMatchObject({ status: 400, code: 'bad_request' });
      expect(e.message, q).not.toMatch(/syntax|bigint|timestamp|Invalid time/);
    }
    expect(api.logged).toEqual([]);
  });
});
