import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAlerts } from '../src/alert/stage/alert-repo.js';
import { apiError, testApi, type TestApi } from './helpers/api.js';

const FIRING = randomUUID();
const PENDING = randomUUID();
const RESOLVED = randomUUID();
const UNKNOWN = '0b4c8a52-7a0e-4a43-9d8e-2f6c0f6d2b11';

let api: TestApi;
/** What the API told the alerting stage. */
const told: string[] = [];

beforeAll(async () => {
  api = await testApi({
    alerting: () => ({
      acknowledged: (id, by) => told.push(`ack ${id} ${by}`),
      sync: async () => {
        told.push('sync');
      },
    }),
  });
  const row = (id: string, metric: string, state: string, startedAt: string, resolvedAt: string | null) =>
    api.db.query(
      `INSERT INTO alerts (alert_id, source, metric, rule, severity, state, value, threshold, started_at, fired_at, resolved_at, message)
       VALUES ($1, 'order-agent-1', $2, 'threshold', 'critical', $3, 97.5, 90, $4, $4, $5, 'cpu above 90')`,
      [id, metric, state, startedAt, resolvedAt],
    );
  await row(FIRING, 'cpu_usage', 'firing', '2026-11-25T10:00:00Z', null);
  await row(PENDING, 'memory_usage', 'pending', '2026-11-25T10:05:00Z', null);
  await row(RESOLVED, 'queue_depth', 'resolved', '2026-11-25T09:00:00Z', '2026-11-25T09:30:00Z');
});
afterAll(async () => api.close());

const inject = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) => api.app.inject({ method, url, ...(payload ? { payload } : {}) });

describe('GET /api/v1/alerts', () => {
  it('lists alerts newest first with every column the store shows', async () => {
    const res = await inject('GET', '/api/v1/alerts');
    expect(res.statusCode).toBe(200);
    const { alerts } = res.json<{ alerts: { alert_id: string }[] }>();
    expect(alerts.map((a) => a.alert_id)).toEqual([PENDING, FIRING, RESOLVED]);
    expect(alerts).toEqual(JSON.parse(JSON.stringify(await listAlerts(api.db))));
    expect(alerts[1]).toMatchObject({ source: 'order-agent-1', metric: 'cpu_usage', state: 'firing', value: 97.5, threshold: 90, resolved_at: null });
  });

  it('filters by state and stops at the limit', async () => {
    expect((await inject('GET', '/api/v1/alerts?state=resolved')).json<{ alerts: { alert_id: string }[] }>().alerts.map((a) => a.alert_id)).toEqual([RESOLVED]);
    expect((await inject('GET', '/api/v1/alerts?limit=1')).json<{ alerts: unknown[] }>().alerts).toHaveLength(1);
  });

  it('refuses a bad state or limit once, naming the parameter', async () => {
    expect(apiError(await inject('GET', '/api/v1/alerts?state=open'))).toEqual({ status: 400, code: 'bad_request', message: 'query parameter "state" must be one of: pending, firing, resolved' });
    expect(apiError(await inject('GET', '/api/v1/alerts?limit=10001')).message).toBe('query parameter "limit" must be <= 10000');
    expect(apiError(await inject('GET', '/api/v1/alerts?limit=1e309')).message).toBe('query parameter "limit" must be a finite number');
  });
});

describe('POST /api/v1/alerts/:id/ack', () => {
  it('acknowledges an open alert and tells the alerting stage', async () => {
    const res = await inject('POST', `/api/v1/alerts/${FIRING}/ack`, { by: 'ops' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ alert: { alert_id: FIRING, acknowledged_by: 'ops', acknowledged_at: expect.any(String) } });
    expect(told).toContain(`ack ${FIRING} ops`);
    expect((await inject('POST', `/api/v1/alerts/${PENDING}/ack`, {})).json()).toMatchObject({ alert: { acknowledged_by: 'api' } });
  });

  it('answers 409 for a resolved alert, 404 for an unknown one, 400 for a bad id or body', async () => {
    expect(apiError(await inject('POST', `/api/v1/alerts/${RESOLVED}/ack`, {}))).toEqual({ status: 409, code: 'not_open', message: `alert ${RESOLVED} is resolved` });
    expect(apiError(await inject('POST', `/api/v1/alerts/${UNKNOWN}/ack`, {}))).toEqual({ status: 404, code: 'not_found', message: `no alert ${UNKNOWN}` });
    expect(apiError(await inject('POST', '/api/v1/alerts/not-an-id/ack', {}))).toMatchObject({ status: 400, message: expect.stringContaining('path parameter "id"') });
    expect(apiError(await inject('POST', `/api/v1/alerts/${FIRING}/ack`, { by: '' }))).toMatchObject({ status: 400, message: 'body field "by" must NOT have fewer than 1 characters' });
    expect(apiError(await inject('POST', `/api/v1/alerts/${FIRING}/ack`, { who: 'x' }))).toMatchObject({ status: 400, message: 'unknown body field "who"' });
  });
});

describe('silences', () => {
  it('creates a silence (201), lists it, ends it, and then no longer finds it', async () => {
    told.length = 0;
    const created = await inject('POST', '/api/v1/silences', { source: 'order-*', metric: 'cpu_*', severity: 'critical', duration_seconds: 3600, comment: 'deploy', created_by: 'ops' });
    expect(created.statusCode).toBe(201);
    const { silence } = created.json<{ silence: { silence_id: string } }>();
    expect(silence).toMatchObject({ source: 'order-*', metric: 'cpu_*', severity: 'critical', comment: 'deploy', created_by: 'ops', active: true });
    expect(told).toEqual(['sync']);
    const listed = (await inject('GET', '/api/v1/silences')).json<{ silences: { silence_id: string }[] }>().silences;
    expect(listed).toEqual([silence]);

    expect((await inject('DELETE', `/api/v1/silences/${silence.silence_id}`)).json()).toEqual({ ok: true });
    expect(told).toEqual(['sync', 'sync']);
    expect((await inject('GET', '/api/v1/silences')).json()).toEqual({ silences: [] });
    const all = (await inject('GET', '/api/v1/silences?all=true')).json<{ silences: { silence_id: string; active: boolean }[] }>().silences;
    expect(all).toMatchObject([{ silence_id: silence.silence_id, active: false }]);
    expect(apiError(await inject('DELETE', `/api/v1/silences/${silence.silence_id}`))).toEqual({ status: 404, code: 'not_found', message: `no active silence ${silence.silence_id}` });
  });

  it('refuses each bad field of a new silence with a 400 naming it', async () => {
    const cases: [object, string][] = [
      [{ duration_seconds: 60 }, 'body field "source" is required'],
      [{ source: 'a' }, 'body field "duration_seconds" is required'],
      [{ source: 'bad name!', duration_seconds: 60 }, 'body field "source" must match pattern'],
      [{ source: 'a', metric: 'a b', duration_seconds: 60 }, 'body field "metric" must match pattern'],
      [{ source: 'a', severity: 'fatal', duration_seconds: 60 }, 'body field "severity" must be one of: warning, critical'],
      [{ source: 'a', duration_seconds: 0 }, 'body field "duration_seconds" must be > 0'],
      [{ source: 'a', duration_seconds: 400 * 86400 }, 'body field "duration_seconds" must be <= 31622400'],
      [{ source: 'a', duration_seconds: '60s' }, 'body field "duration_seconds" must be number'],
      [{ source: 'a', duration_seconds: 60, comment: 'x'.repeat(1001) }, 'body field "comment" must NOT have more than 1000 characters'],
      [{ source: 'a', duration_seconds: 60, until: 'later' }, 'unknown body field "until"'],
    ];
    for (const [body, message] of cases) {
      expect(apiError(await inject('POST', '/api/v1/silences', body)), JSON.stringify(body)).toMatchObject({ status: 400, code: 'bad_request', message: expect.stringContaining(message) });
    }
  });

  it('refuses a bad silence id or listing flag', async () => {
    expect(apiError(await inject('DELETE', '/api/v1/silences/42')).status).toBe(400);
    expect(apiError(await inject('GET', '/api/v1/silences?all=maybe'))).toMatchObject({ status: 400, message: 'query parameter "all" must be boolean' });
  });
});
