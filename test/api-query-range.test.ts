import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricSnapshot } from '../src/model/snapshot.js';
import { MetricWriter } from '../src/store/metric-writer.js';
import { TierWriter } from '../src/store/tier-writer.js';
import { storeWithTiers } from './helpers/tiers.js';
import { apiError, testApi, type TestApi } from './helpers/api.js';
import { quietLogger } from './helpers/services.js';

const HOUR = 3_600_000;
/** Three hours of data two days back, on whole hours, at 15 s. */
const T0 = Math.floor((Date.now() - 2 * 86_400_000) / HOUR) * HOUR;
const SNAPSHOTS: MetricSnapshot[] = [];
for (let k = 0; k < 720; k++) {
  const ts = T0 + k * 15_000;
  SNAPSHOTS.push({
    source: 'agent-a',
    host: 'h1',
    timestamp: ts,
    metrics: { cpu_usage: (k * 13) % 97, 'network_rx_bytes_per_sec.eth0': k, 'network_rx_bytes_per_sec.eth1': 2 * k },
  });
  SNAPSHOTS.push({ source: 'agent-b', labels: { region: 'eu' }, timestamp: ts + 5000, metrics: { cpu_usage: 50 + (k % 10) } });
}

let api: TestApi;
beforeAll(async () => {
  api = await testApi();
  await storeWithTiers(api.db, SNAPSHOTS);
});
afterAll(async () => api.close());

interface Answer {
  start: string;
  tier: string;
  step_seconds: number;
  series: { source: string; host: string | null; metric: string; device: string | null; stored_metric: string; labels: Record<string, string>; timestamps: number[]; values: number[] }[];
}

const get = (q: string) => api.app.inject(`/api/v1/query_range?${q}`);
const iso = (ms: number) => new Date(ms).toISOString();

/** The points a range query should give, computed here from the samples: windows [t - step, t). */
function expected(source: string, metric: string, startMs: number, endMs: number, stepMs: number, agg: 'mean' | 'max' | 'last' | 'count') {
  const samples = SNAPSHOTS.filter((s) => s.source === source && metric in s.metrics).map((s) => [s.timestamp, s.metrics[metric]!] as const);
  const timestamps: number[] = [];
  const values: number[] = [];
  for (let t = startMs; t <= endMs; t += stepMs) {
    const w = samples.filter(([ts]) => ts >= t - stepMs && ts < t).map(([, v]) => v);
    if (w.length === 0) continue;
    timestamps.push(t);
    values.push(agg === 'mean' ? w.reduce((a, b) => a + b, 0) / w.length : agg === 'max' ? Math.max(...w) : agg === 'last' ? w[w.length - 1]! : w.length);
  }
  return { timestamps, values };
}

describe('GET /api/v1/query_range', () => {
  it.each([
    ['1h', '1h', 'max'],
    ['5m', '5m', 'mean'],
    ['60s', '1m', 'last'],
    ['7m', '1m', 'count'],
    ['15s', 'raw', 'mean'],
  ] as const)('reads step %s from the %s tier, equal to the samples\' %s per step', async (step, tier, agg) => {
    const start = T0;
    const end = T0 + 4 * HOUR;
    const res = await get(`source=agent-a&metric=cpu_usage&start=${iso(start)}&end=${iso(end)}&step=${step}&agg=${agg}`);
    expect(res.statusCode).toBe(200);
    const body = res.json<Answer>();
    expect(body.tier).toBe(tier);
    expect(body.series).toHaveLength(1);
    // 7 min does not divide an hour: the start is rounded down to a multiple of the step.
    expect(Date.parse(body.start)).toBe(Math.floor(start / (body.step_seconds * 1000)) * body.step_seconds * 1000);
    const want = expected('agent-a', 'cpu_usage', Date.parse(body.start), end, body.step_seconds * 1000, agg);
    expect(body.series[0]!.timestamps).toEqual(want.timestamps);
    body.series[0]!.values.forEach((v, i) => expect(v).toBeCloseTo(want.values[i]!, 9));
  });

  it('never answers more points than the step allows, and refuses a step that would exceed the cap', async () => {
    const body = (await get(`metric=cpu_usage&start=${iso(T0)}&end=${iso(T0 + 3 * HOUR)}&step=10m`)).json<Answer>();
    for (const s of body.series) {
      expect(s.timestamps.length).toBeLessThanOrEqual(3 * 6 + 1);
      for (const t of s.timestamps) expect((t - T0) % 600_000).toBe(0);
    }
    const e = apiError(await get(`metric=cpu_usage&start=${iso(T0)}&end=${iso(T0 + 4 * HOUR)}&step=1s`));
    expect(e).toMatchObject({ status: 400, code: 'bad_request', message: '14401 points per series is more than the 11000 allowed; use a step of at least 2s' });
  });

  it('answers several series at once, per-device metrics with a device label', async () => {
    const body = (await get(`source=agent-*&metric=network_rx_bytes_per_sec&start=${iso(T0)}&end=${iso(T0 + 3 * HOUR)}&step=1h&agg=last`)).json<Answer>();
    expect(body.series.map((s) => [s.source, s.host, s.metric, s.device, s.stored_metric])).toEqual([
      ['agent-a', 'h1', 'network_rx_bytes_per_sec', 'eth0', 'network_rx_bytes_per_sec.eth0'],
      ['agent-a', 'h1', 'network_rx_bytes_per_sec', 'eth1', 'network_rx_bytes_per_sec.eth1'],
    ]);
    expect(body.series[1]!.values).toEqual(expected('agent-a', 'network_rx_bytes_per_sec.eth1', T0, T0 + 3 * HOUR, HOUR, 'last').values);
    const one = (await get(`metric=network_rx_bytes_per_sec&device=eth1&start=${iso(T0)}&end=${iso(T0 + HOUR)}&step=1h`)).json<Answer>();
    expect(one.series.map((s) => s.stored_metric)).toEqual(['network_rx_bytes_per_sec.eth1']);
    const stored = (await get(`metric=network_rx_bytes_per_sec.eth0&start=${iso(T0)}&end=${iso(T0 + HOUR)}&step=1h`)).json<Answer>();
    expect(stored.series.map((s) => s.device)).toEqual(['eth0']);
  });

  it('selects by label and host, and refuses more series than the limit', async () => {
    const range = `start=${iso(T0)}&end=${iso(T0 + HOUR)}&step=1h`;
    expect((await get(`metric=cpu_usage&label=region=e*&${range}`)).json<Answer>().series.map((s) => [s.source, s.labels])).toEqual([['agent-b', { region: 'eu' }]]);
    expect((await get(`metric=cpu_usage&host=h1&${range}`)).json<Answer>().series.map((s) => s.source)).toEqual(['agent-a']);
    expect(apiError(await get(`metric=*&limit=3&${range}`))).toMatchObject({ status: 400, message: '4 series match, more than the 3 allowed; narrow the selection (or raise "limit", at most 10000)' });
  });

  it('reads the part a tier does not hold yet from the raw samples', async () => {
    const now = Date.now();
    const recent = [0, 1, 2].map((i) => ({ source: 'agent-c', timestamp: now - 60_000 + i * 15_000, metrics: { cpu_usage: 10 * (i + 1) } }));
    const tiers = new TierWriter(api.db, quietLogger());
    const writer = new MetricWriter(api.db, quietLogger(), { flushIntervalMs: 5, batchMaxSamples: 5000, maxPendingSamples: 100_000, onStored: (s, a, b) => tiers.fold(s, a, b) });
    await writer.write(recent);
    await writer.stop();
    // A tick: the stream's set is recorded; its hour is still open (nothing in the 1-hour tier yet).
    await tiers.flush();
    expect((await api.db.query(`SELECT count(*)::int AS n FROM system_metrics_1h WHERE source = 'agent-c'`)).rows).toEqual([{ n: 0 }]);
    const body = (await get(`source=agent-c&metric=cpu_usage&start=${iso(Math.floor(now / HOUR) * HOUR)}&end=${iso(Math.floor(now / HOUR) * HOUR + HOUR)}&step=1h&agg=count`)).json<Answer>();
    expect(body.tier).toBe('1h');
    // Near a full hour the three samples fall in two steps.
    expect(body.series[0]!.values.reduce((a, b) => a + b, 0)).toBe(3);
  });

  it('refuses malformed parameters with a 400 naming them', async () => {
    const cases: [string, string][] = [
      ['step=0', 'query parameter "step": expected a duration'],
      ['step=fast', 'query parameter "step": expected a duration'],
      ['agg=median', 'query parameter "agg" must be one of: mean, min, max, last, count, sum'],
      ['start=2026-01-02T00:00:00Z&end=2026-01-01T00:00:00Z', 'query parameter "end" is before "start"'],
      ['source=a%20b', 'query parameter "source" must match pattern'],
      ['label=region', 'query parameter "label.0" must match pattern'],
      ['limit=0', 'query parameter "limit" must be >= 1'],
      ['where=1', 'unknown query parameter "where"'],
    ];
    for (const [q, message] of cases) expect(apiError(await get(q)), q).toMatchObject({ status: 400, code: 'bad_request', message: expect.stringContaining(message) });
    expect(api.logged).toEqual([]);
  });
});
