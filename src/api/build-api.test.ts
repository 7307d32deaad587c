import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApi, type ApiDeps, type EnginePhase } from './build-api.js';
import type { HttpAccess } from './http-auth.js';

const ID = '0b4c8a52-7a0e-4a43-9d8e-2f6c0f6d2b11';

/** Every data route with a request that would succeed or fail on its merits once the engine runs. */
const DATA_ROUTES = [
  { method: 'GET', url: '/api/v1/sources' },
  { method: 'GET', url: '/api/v1/metrics?source=a' },
  { method: 'GET', url: '/api/v1/series?source=a&metric=b' },
  { method: 'GET', url: '/api/v1/query_range?metric=cpu_usage' },
  { method: 'GET', url: '/api/v1/alerts' },
  { method: 'GET', url: '/api/v1/anomalies?source=a&start=1h' },
  { method: 'POST', url: `/api/v1/alerts/${ID}/ack`, payload: {} },
  { method: 'GET', url: '/api/v1/silences' },
  { method: 'POST', url: '/api/v1/silences', payload: { source: 'a', duration_seconds: 60 } },
  { method: 'DELETE', url: `/api/v1/silences/${ID}` },
  { method: 'GET', url: '/api/v1/profiles' },
  { method: 'POST', url: '/api/v1/profiles', payload: { target: { self: true } } },
  { method: 'GET', url: `/api/v1/profiles/${ID}` },
  { method: 'GET', url: `/api/v1/profiles/${ID}/download?format=svg` },
  { method: 'GET', url: '/api/v1/bottlenecks' },
  { method: 'GET', url: `/api/v1/bottlenecks/${ID}` },
  { method: 'GET', url: '/api/v1/advise/db' },
  { method: 'GET', url: '/api/v1/optimizations' },
  { method: 'GET', url: `/api/v1/optimizations/${ID}` },
  { method: 'POST', url: `/api/v1/optimizations/${ID}/apply` },
  { method: 'POST', url: `/api/v1/optimizations/${ID}/mark-applied`, payload: {} },
  { method: 'POST', url: `/api/v1/optimizations/${ID}/rollback`, payload: {} },
  { method: 'GET', url: '/api/v1/live' },
  { method: 'GET', url: '/api/v1/report?since=1h' },
  { method: 'GET', url: '/api/v1/reports' },
  { method: 'GET', url: `/api/v1/reports/${ID}?format=html` },
] as const;

/** The routes that answer in every phase (http-auth.test.ts and openapi.test.ts exercise /metrics and /openapi.json). */
const OTHER_ROUTES = ['/api/v1/status', '/api/v1/config', '/metrics', '/openapi.json'] as const;
/** The Prometheus-compatible routes (Grafana's data source), with requests that would succeed once the engine runs. */
const PROMETHEUS_ROUTES = [
  ...['query?query=1%2B1', 'query_range?query=up&start=1&end=2&step=1', 'labels', 'series?match[]=up'].flatMap((path) => [
    { method: 'GET', url: `/prometheus/api/v1/${path}`, route: path.split('?')[0]! },
    { method: 'POST', url: `/prometheus/api/v1/${path}`, route: path.split('?')[0]! },
  ]),
  { method: 'GET', url: '/prometheus/api/v1/label/__name__/values', route: 'label/:name/values' },
  { method: 'GET', url: '/prometheus/api/v1/metadata', route: 'metadata' },
] as const;

const STATUS = { agent_id: 'engine-1', pid: 42, started_at: '2026-11-25T10:00:00.000Z', ready: false, bus: { connected: false }, monitor: null };

function build(
  phase: () => EnginePhase,
  status: () => Promise<Record<string, unknown>> = async () => STATUS,
  access?: HttpAccess,
): { app: FastifyInstance; touched: string[] } {
  const touched: string[] = [];
  const deps: ApiDeps = {
    phase,
    // Any route that got past the gate would reach one of these and be recorded.
    db: () => {
      touched.push('db');
      throw new Error('no database yet');
    },
    profiles: () => {
      touched.push('profiles');
      return null;
    },
    alerting: () => null,
    dbAdvisor: () => {
      touched.push('dbAdvisor');
      throw new Error('no advisor yet');
    },
    optimizations: () => {
      touched.push('optimizations');
      throw new Error('no optimization loop yet');
    },
    status,
    config: () => ({ http_port: { value: 9477, origin: 'default' }, nats_password: { value: '***', origin: 'env' } }),
    log: { error: () => touched.push('logged') },
    exporter: { export: () => Promise.reject(new Error('not here')), close: async () => {} },
    ...(access ? { access: () => access } : {}),
  };
  return { app: buildApi(deps), touched };
}

let app: FastifyInstance | undefined;
afterEach(async () => app?.close());

describe('buildApi', () => {
  it('registers exactly the routes these tests exercise', async () => {
    const built = build(() => 'running');
    app = built.app;
    const routes: string[] = [];
    app.addHook('onRoute', (r) => {
      for (const m of [r.method].flat()) if (m !== 'HEAD') routes.push(`${m} ${r.url}`);
    });
    await app.ready();
    const expected = [
      ...DATA_ROUTES.map((r) => `${r.method} ${r.url.split('?')[0]!.replace(ID, ':id')}`),
      ...PROMETHEUS_ROUTES.map((r) => `${r.method} /prometheus/api/v1/${r.route}`),
      ...OTHER_ROUTES.map((u) => `GET ${u}`),
      'GET /',
      'GET /assets/:name',
    ];
    expect(routes.sort()).toEqual(expected.sort());
  });

  it.each(DATA_ROUTES)('answers 503 starting to $method $url while the engine starts, before touching the store', async (route) => {
    const built = build(() => 'starting');
    app = built.app;
    const res = await app.inject({ method: route.method, url: route.url, ...('payload' in route ? { payload: route.payload } : {}) });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.json()).toEqual({ error: { code: 'starting', message: 'the engine is still starting; retry in a moment' } });
    expect(built.touched).toEqual([]);
  });

  it.each(PROMETHEUS_ROUTES)('answers 503 unavailable in Prometheus\'s error shape to $method $url while the engine starts', async (route) => {
    const built = build(() => 'starting');
    app = built.app;
    const res = await app.inject({ method: route.method, url: route.url });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.json()).toEqual({ status: 'error', errorType: 'unavailable', error: 'the engine is still starting; retry in a moment' });
    expect(built.touched).toEqual([]);
  });

  it('refuses a number query parameter of Infinity on every route, also where the route did not ask for finite numbers', async () => {
    const built = build(() => 'running');
    app = built.app;
    for (const url of ['/api/v1/optimizations?limit=Infinity', '/api/v1/optimizations?limit=1e309', '/api/v1/alerts?limit=Infinity']) {
      const res = await app.inject(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json(), url).toEqual({ error: { code: 'bad_request', message: 'query parameter "limit" must be a finite number' } });
    }
    expect(built.touched).toEqual([]);
  });

  it('answers 503 starting even to a request that is also malformed', async () => {
    app = build(() => 'starting').app;
    const res = await app.inject('/api/v1/alerts?state=nonsense');
    expect(res.statusCode).toBe(503);
  });

  it('answers 503 stopping while the engine stops', async () => {
    const built = build(() => 'stopping');
    app = built.app;
    const res = await app.inject('/api/v1/bottlenecks');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ error: { code: 'stopping' } });
    expect(built.touched).toEqual([]);
  });

  it('serves status and configuration while the engine starts', async () => {
    app = build(() => 'starting').app;
    const status = await app.inject('/api/v1/status');
    expect(status.statusCode).toBe(200);
    expect(status.json()).toEqual(STATUS);
    const config = await app.inject('/api/v1/config');
    expect(config.json()).toEqual({ http_port: { value: 9477, origin: 'default' }, nats_password: { value: '***', origin: 'env' } });
  });

  it('answers 500 internal, without details, when the status lacks a field its schema requires', async () => {
    const built = build(
      () => 'running',
      async () => ({ pid: 1 }),
    );
    app = built.app;
    const res = await app.inject('/api/v1/status');
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: { code: 'internal', message: 'internal error; the engine log has the details' } });
    expect(built.touched).toEqual(['logged']);
  });

  it('lets a running engine reach the store, and hides the store\'s error', async () => {
    const built = build(() => 'running');
    app = built.app;
    const res = await app.inject('/api/v1/sources');
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('no database yet');
    expect(built.touched).toEqual(['db', 'logged']);
  });

  it.each([...DATA_ROUTES, ...OTHER_ROUTES.map((url) => ({ method: 'GET', url }))])(
    'refuses $method $url without a token once tokens are set, before the phase gate and the store',
    async (route) => {
      const built = build(() => 'starting', undefined, { readToken: 'r'.repeat(16), writeToken: 'w'.repeat(16) });
      app = built.app;
      const res = await app.inject({ method: route.method as 'GET', url: route.url, ...('payload' in route ? { payload: route.payload } : {}) });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ error: { code: 'unauthorized' } });
      expect(built.touched).toEqual([]);
    },
  );

  it('answers 404 in JSON for an unknown route under the prefix, in any phase', async () => {
    app = build(() => 'starting').app;
    const res = await app.inject('/api/v1/nothing-here');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'not_found', message: 'no route GET /api/v1/nothing-here' } });
  });
});
