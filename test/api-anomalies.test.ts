import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnomalyLog } from '../src/detect/stage/anomaly-log.js';
import type { Anomaly } from '../src/detect/stream/detection-events.js';
import { runRetention } from '../src/store/retention.js';
import { apiError, testApi, type TestApi } from './helpers/api.js';
import { quietLogger } from './helpers/services.js';

const T0 = Math.floor((Date.now() - 3_600_000) / 60_000) * 60_000;

function anomaly(source: string, metric: string, timestamp: number, score: number, value = 90): Anomaly {
  return {
    source, metric, timestamp, value, score,
    detail: { samples: 100, timestamp, baseline: 40, spread: 2, seasonal: 0, deviation: 25, direction: 'above', cause: 'spike', causeScale: 1, levelShift: null, shiftEvidence: 0, trendPerSecond: 0, trendFit: 0 } as unknown as Anomaly['detail'],
  };
}

let api: TestApi;
let log: AnomalyLog;
beforeAll(async () => {
  api = await testApi();
  log = new AnomalyLog(api.db, quietLogger(), { flushMs: 60_000, slotMs: 5000, maxPending: 5 });
  // Three in one 5-s slot of one series: the highest score is kept.
  log.record(anomaly('a', 'cpu_usage', T0 + 1000, 0.9));
  log.record(anomaly('a', 'cpu_usage', T0 + 2000, 0.99));
  log.record(anomaly('a', 'cpu_usage', T0 + 3000, 0.95));
  log.record(anomaly('a', 'cpu_usage', T0 + 60_000, 0.92));
  log.record(anomaly('a', 'memory_usage', T0 + 60_000, 0.97));
  log.record(anomaly('b', 'cpu_usage', T0 + 120_000, 0.91));
  log.record(anomaly('b', 'cpu_usage', T0 + 100 * 86_400_000 - 86_400_000 * 200, 0.93)); // 100 days back: retention removes it
  // The sixth kept slot is beyond maxPending: dropped and counted.
  log.record(anomaly('c', 'cpu_usage', T0, 0.99));
  await log.stop();
});
afterAll(async () => api.close());

const list = async (q: string) => (await api.app.inject(`/api/v1/anomalies?${q}`)).json<{ anomalies: { source: string; metric: string; timestamp: string; score: number; direction: string; cause: string; baseline: number; value: number }[] }>().anomalies;

describe('anomaly events', () => {
  it('are kept one per series and 5-s slot (highest score), bounded, and listed by source and period, oldest first', async () => {
    expect(log.stats()).toMatchObject({ received: 8, written: 5, dropped: 1, pending: 0 });
    const a = await list(`source=a&start=${T0 - 1000}&end=${T0 + 3_600_000}`);
    expect(a.map((x) => [x.metric, x.timestamp, x.score])).toEqual([
      ['cpu_usage', new Date(T0 + 2000).toISOString(), expect.closeTo(0.99, 5)],
      ['cpu_usage', new Date(T0 + 60_000).toISOString(), expect.closeTo(0.92, 5)],
      ['memory_usage', new Date(T0 + 60_000).toISOString(), expect.closeTo(0.97, 5)],
    ]);
    expect(a[0]).toMatchObject({ source: 'a', value: 90, direction: 'above', cause: 'spike', baseline: 40 });
    expect(await list(`source=a&source=b&metric=cpu_usage&start=${T0 - 1000}&end=${T0 + 3_600_000}`)).toHaveLength(3);
    // More matching than the limit: the highest scores.
    expect((await list(`start=${T0 - 1000}&end=${T0 + 3_600_000}&limit=2`)).map((x) => x.score.toFixed(2))).toEqual(['0.99', '0.97']);
    expect(await list(`start=${T0 - 1000}&end=${T0 + 3_600_000}&min_score=0.96`)).toHaveLength(2);
  });

  it('refuses a bad period or parameter whole', async () => {
    expect(apiError(await api.app.inject(`/api/v1/anomalies?start=${T0}&end=${T0 - 1}`))).toMatchObject({ status: 400, code: 'bad_request' });
    expect(apiError(await api.app.inject('/api/v1/anomalies?min_score=2'))).toMatchObject({ status: 400 });
    expect(apiError(await api.app.inject('/api/v1/anomalies?source=a%20b'))).toMatchObject({ status: 400 });
  });

  it('go with retention', async () => {
    const before = await list(`source=b&start=0&end=now`);
    expect(before).toHaveLength(2);
    const report = await runRetention(api.db, [], 30, Date.now());
    expect(report.deletedRows.anomaly_events).toBe(1);
    expect(await list(`source=b&start=0&end=now`)).toHaveLength(1);
  });
});
