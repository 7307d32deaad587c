import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricSnapshot } from '../src/model/snapshot.js';
import { storeWithTiers } from './helpers/tiers.js';
import { testApi, type TestApi } from './helpers/api.js';

const HOUR = 3_600_000;
/** Two hours two days back, on whole hours, at 15 s. */
const T0 = Math.floor((Date.now() - 2 * 86_400_000) / HOUR) * HOUR;
const S = T0 / 1000;
const SNAPSHOTS: MetricSnapshot[] = [];
for (let k = 0; k < 480; k++) {
  const ts = T0 + k * 15_000;
  SNAPSHOTS.push({ source: 'web-1', host: 'h1', timestamp: ts, metrics: { cpu_usage: k % 40, 'network_rx_bytes_per_sec.eth0': 1000 + k, 'network_rx_bytes_per_sec.eth1': 2.5 * k } });
  SNAPSHOTS.push({ source: 'web-2', host: 'h2', labels: { 'k8s.zone': 'a' }, timestamp: ts, metrics: { cpu_usage: 100 - (k % 40) } });
}

let api: TestApi;
beforeAll(async () => {
  api = await testApi();
  await storeWithTiers(api.db, SNAPSHOTS);
});
afterAll(async () => api.close());

const prom = (path: string) => api.app.inject(`/prometheus/api/v1/${path}`);
const q = encodeURIComponent;

/** Samples of one series in [from, to), computed here. */
function samples(source: string, metric: string, from: number, to: number): number[] {
  return SNAPSHOTS.filter((s) => s.source === source && s.timestamp >= from && s.timestamp < to).map((s) => s.metrics[metric]!);
}

/** Prometheus's error answer: exactly status, errorType and error. */
function promError(res: LightMyRequestResponse, status: number, errorType: string): string {
  expect(res.statusCode).toBe(status);
  const body = res.json<Record<string, unknown>>();
  expect(Object.keys(body).sort()).toEqual(['error', 'errorType', 'status']);
  expect(body).toMatchObject({ status: 'error', errorType });
  return String(body.error);
}

describe('GET|POST /prometheus/api/v1/query_range', () => {
  const selector = 'network_rx_bytes_per_sec{source="web-1",device=~"eth.*"}';
  const range = `start=${S}&end=${S + 600}&step=300`;

  it('answers a selector with label matchers as a matrix, in Prometheus\'s JSON shape exactly', async () => {
    const res = await prom(`query_range?query=${q(selector)}&${range}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    // The point at t is the last sample of the step before it: at t - 15 s.
    const at = (dev: string, t: number) => String(SNAPSHOTS.find((s) => s.source === 'web-1' && s.timestamp === t * 1000 - 15_000)!.metrics[`network_rx_bytes_per_sec.${dev}`]);
    expect(res.json()).toEqual({
      status: 'success',
      data: {
        resultType: 'matrix',
        result: ['eth0', 'eth1'].map((dev) => ({
          metric: { __name__: 'network_rx_bytes_per_sec', source: 'web-1', host: 'h1', device: dev },
          values: [
            [S + 300, at(dev, S + 300)],
            [S + 600, at(dev, S + 600)],
          ],
        })),
      },
    });
  });

  it('answers the same to a POST with a form body, as Grafana sends it', async () => {
    const res = await api.app.inject({ method: 'POST', url: '/prometheus/api/v1/query_range', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `query=${q(selector)}&${range}` });
    expect(res.json()).toEqual((await prom(`query_range?query=${q(selector)}&${range}`)).json());
  });

  it('evaluates *_over_time over the given range and aggregations across series', async () => {
    const over = (await prom(`query_range?query=${q('max_over_time(cpu_usage{source="web-1"}[10m])')}&start=${S + 1200}&end=${S + 1800}&step=300`)).json<{ data: { result: { metric: object; values: [number, string][] }[] } }>();
    expect(over.data.result).toEqual([
      {
        metric: { source: 'web-1', host: 'h1' },
        values: [S + 1200, S + 1500, S + 1800].map((t) => [t, String(Math.max(...samples('web-1', 'cpu_usage', (t - 600) * 1000, t * 1000)))]),
      },
    ]);
    const sum = (await prom(`query_range?query=${q('sum(cpu_usage) / 2')}&start=${S + 300}&end=${S + 300}&step=60`)).json<{ data: { result: unknown[] } }>();
    const last = (src: string) => samples(src, 'cpu_usage', (S + 240) * 1000, (S + 300) * 1000).at(-1)!;
    expect(sum.data.result).toEqual([{ metric: {}, values: [[S + 300, String((last('web-1') + last('web-2')) / 2)]] }]);
    const by = (await prom(`query_range?query=${q('count by (host) (cpu_usage)')}&start=${S + 300}&end=${S + 300}&step=60`)).json<{ data: { result: unknown[] } }>();
    expect(by.data.result).toEqual([
      { metric: { host: 'h1' }, values: [[S + 300, '1']] },
      { metric: { host: 'h2' }, values: [[S + 300, '1']] },
    ]);
  });

  it.each([
    ['query=rate(cpu_usage[5m])&start=1&end=2&step=1', 400, 'bad_data', 'invalid parameter "query": 1:1: parse error: function "rate" is not supported'],
    ['query=cpu_usage%20%2B%20cpu_usage&start=1&end=2&step=1', 400, 'bad_data', 'operations between two series selections are not supported'],
    ['query=cpu_usage&start=abc&end=2&step=1', 400, 'bad_data', 'invalid parameter "start": cannot parse "abc" to a valid timestamp'],
    ['query=cpu_usage&start=1&end=2', 400, 'bad_data', 'invalid parameter "step": cannot parse "" to a valid duration'],
    ['query=cpu_usage&start=10&end=2&step=1', 400, 'bad_data', 'end timestamp must not be before start time'],
    ['query=cpu_usage&start=1&end=2&step=0', 400, 'bad_data', 'zero or negative query resolution step widths are not accepted. Try a positive integer'],
    ['query=cpu_usage&start=0&end=86400&step=1', 400, 'bad_data', 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)'],
    ['query=&start=1&end=2&step=1', 400, 'bad_data', 'invalid parameter "query": 1:1: parse error: no expression found in input'],
  ])('answers %s with Prometheus\'s error shape', async (query, status, type, message) => {
    expect(promError(await prom(`query_range?${query}`), status, type)).toContain(message);
  });
});

describe('GET|POST /prometheus/api/v1/query', () => {
  it('answers Grafana\'s health check, 1+1, with a scalar', async () => {
    expect((await prom('query?query=1%2B1&time=4')).json()).toEqual({ status: 'success', data: { resultType: 'scalar', result: [4, '2'] } });
  });

  it('answers a selector with a vector of the latest samples within the lookback', async () => {
    const t = S + 3600;
    const res = await prom(`query?query=${q('cpu_usage{host=~"h.*"}')}&time=${t}`);
    const last = (src: string) => String(samples(src, 'cpu_usage', (t - 300) * 1000, t * 1000).at(-1));
    expect(res.json()).toEqual({
      status: 'success',
      data: {
        resultType: 'vector',
        result: [
          { metric: { __name__: 'cpu_usage', source: 'web-1', host: 'h1' }, value: [t, last('web-1')] },
          { metric: { __name__: 'cpu_usage', source: 'web-2', host: 'h2', k8s_zone: 'a' }, value: [t, last('web-2')] },
        ],
      },
    });
  });
});

describe('labels, label values and series', () => {
  const range = `start=${S}&end=${S + 7200}`;

  it('lists label names, and the values of __name__ and device', async () => {
    expect((await prom(`labels?${range}`)).json()).toEqual({ status: 'success', data: ['__name__', 'device', 'host', 'k8s_zone', 'source'] });
    expect((await prom(`label/__name__/values?${range}`)).json()).toEqual({ status: 'success', data: ['cpu_usage', 'network_rx_bytes_per_sec'] });
    expect((await prom(`label/device/values?match[]=${q('{source="web-1"}')}&${range}`)).json()).toEqual({ status: 'success', data: ['eth0', 'eth1'] });
  });

  it('lists the series of one or more selectors', async () => {
    const res = await prom(`series?match[]=${q('cpu_usage{source="web-2"}')}&match[]=${q('{device="eth1"}')}&${range}`);
    expect(res.json()).toEqual({
      status: 'success',
      data: [
        { __name__: 'cpu_usage', source: 'web-2', host: 'h2', k8s_zone: 'a' },
        { __name__: 'network_rx_bytes_per_sec', source: 'web-1', host: 'h1', device: 'eth1' },
      ],
    });
    const post = await api.app.inject({ method: 'POST', url: '/prometheus/api/v1/series', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `match[]=${q('{device="eth1"}')}&${range}` });
    expect(post.json<{ data: unknown[] }>().data).toHaveLength(1);
  });

  it('refuses bad selectors and label names, and unknown routes, in Prometheus\'s shape', async () => {
    expect(promError(await prom('series'), 400, 'bad_data')).toBe('no match[] parameter provided');
    expect(promError(await prom(`series?match[]=${q('{}')}`), 400, 'bad_data')).toContain('invalid parameter "match[]": 1:1: parse error: vector selector must contain at least one non-empty matcher');
    expect(promError(await prom('label/bad-name/values'), 400, 'bad_data')).toBe('invalid label name: "bad-name"');
    expect(promError(await prom('rules'), 404, 'not_found')).toBe('no route GET /prometheus/api/v1/rules');
    expect((await prom('metadata')).json()).toEqual({ status: 'success', data: {} });
    expect(api.logged).toEqual([]);
  });
});
