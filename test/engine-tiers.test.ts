import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgDb } from '../src/store/pg-db.js';
import { encodeJson } from '../src/wire/json.js';
import { startTestEngine, type TestEngine } from './helpers/engine.js';
import { dropSchema, PG_URL, waitFor } from './helpers/services.js';

const MIN = 60_000;
/** Eight live snapshots 15 s apart, the last one now. */
const T0 = Date.now() - 7 * 15_000;
const SNAPSHOTS = Array.from({ length: 8 }, (_, k) => ({ source: 'tiers-e2e', timestamp: new Date(T0 + k * 15_000).toISOString(), metrics: { cpu_usage: 10 + k } }));

let t: TestEngine;
beforeAll(async () => {
  t = await startTestEngine({ PERF_ENGINE_DETECT_ENABLED: 'false', PERF_ENGINE_DIAGNOSE_ENABLED: 'false', PERF_ENGINE_MONITORING_INTERVAL_SECONDS: '86400' });
  for (const s of SNAPSHOTS) {
    const reply = await t.nc.request(`${t.prefix}monitoring.realtime_metrics`, encodeJson(s), { timeout: 10_000 });
    expect(reply.json()).toEqual({ ok: true, samples: 1 });
  }
  // The stream's metric set is recorded as soon as the batch is folded, asynchronously: a moment later queries find it.
  await waitFor(async () => ((await t.engine.status()) as { tiers: { foldedSnapshots: number; flushes: number } }).tiers.flushes >= 1);
});
afterAll(async () => {
  await t?.nc.close();
  await t?.engine.stop();
  await dropSchema(t.schema);
  rmSync(t.dataDir, { recursive: true, force: true });
});

describe('the engine maintains the tiers and serves range queries', () => {
  it('answers /api/v1/query_range over HTTP with what it ingested', async () => {
    // Live data: the tiers do not hold it yet, the raw samples answer for the newest minutes.
    const res = await fetch(`${t.http}/api/v1/query_range?source=tiers-e2e&metric=cpu_usage&start=${T0 - 10 * MIN}&end=${T0 + 10 * MIN}&step=5m&agg=sum`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { tier: string; series: { timestamps: number[]; values: number[] }[] };
    expect(body.tier).toBe('5m');
    expect(body.series).toHaveLength(1);
    expect(body.series[0]!.values.reduce((a, b) => a + b, 0)).toBe(10 + 11 + 12 + 13 + 14 + 15 + 16 + 17);
  });

  it('answers Grafana\'s Prometheus data source over HTTP', async () => {
    const q = encodeURIComponent('count_over_time(cpu_usage{source="tiers-e2e"}[15m])');
    const at = Math.ceil((T0 + 2 * MIN) / 1000);
    const res = await fetch(`${t.http}/prometheus/api/v1/query?query=${q}&time=${at}`);
    expect(await res.json()).toEqual({ status: 'success', data: { resultType: 'vector', result: [{ metric: { source: 'tiers-e2e' }, value: [at, '8'] }] } });
  });

  it('counts late data at once, though its buckets are not stored yet', async () => {
    const late = Math.floor((Date.now() - 40 * MIN) / MIN) * MIN;
    for (let k = 0; k < 4; k++) {
      const s = { source: 'tiers-late', timestamp: new Date(late + k * 15_000).toISOString(), metrics: { cpu_usage: 1 } };
      await t.nc.request(`${t.prefix}monitoring.realtime_metrics`, encodeJson(s), { timeout: 10_000 });
    }
    await waitFor(async () => (await fetch(`${t.http}/prometheus/api/v1/series?match[]=cpu_usage{source="tiers-late"}`)).json().then((b) => (b as { data: unknown[] }).data.length === 1));
    const res = await fetch(`${t.http}/api/v1/query_range?source=tiers-late&metric=cpu_usage&start=${late}&end=${late + 5 * MIN}&step=5m&agg=count`);
    const body = (await res.json()) as { tier: string; series: { values: number[] }[] };
    expect(body.tier).toBe('5m');
    expect(body.series[0]!.values).toEqual([4]);
  });

  it('writes every open bucket when it stops, after the writer', async () => {
    await t.engine.stop();
    const db = await openPgDb({ url: PG_URL, schema: t.schema, poolSize: 1 });
    try {
      const r = await db.query<{ view: string; n: string }>(
        `SELECT 'system_metrics_1m' AS view, sum(count)::text AS n FROM system_metrics_1m WHERE source = 'tiers-e2e'
         UNION ALL SELECT 'system_metrics_5m', sum(count)::text FROM system_metrics_5m WHERE source = 'tiers-e2e'
         UNION ALL SELECT 'system_metrics_1h', sum(count)::text FROM system_metrics_1h WHERE source = 'tiers-e2e'`,
      );
      expect(r.rows.map((x) => [x.view, Number(x.n)])).toEqual([
        ['system_metrics_1m', 8],
        ['system_metrics_5m', 8],
        ['system_metrics_1h', 8],
      ]);
    } finally {
      await db.close();
    }
  });
});
