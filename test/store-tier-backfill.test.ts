import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricSnapshot } from '../src/model/snapshot.js';
import type { Db } from '../src/store/db.js';
import { MetricWriter } from '../src/store/metric-writer.js';
import { backfillTiers, type TierBackfillOptions } from '../src/store/tier-backfill.js';
import { quietLogger, testDatabase } from './helpers/services.js';
import { storeWithTiers } from './helpers/tiers.js';

const HOUR = 3_600_000;
const NOW = Math.floor(Date.now() / HOUR) * HOUR;
/** Five hours of two sources at 15 s, three days back (before "the tiers existed"), with a metric-set change halfway. */
const T0 = NOW - 3 * 86_400_000;
const OLD: MetricSnapshot[] = [];
for (let k = 0; k < 1200; k++) {
  const ts = T0 + k * 15_000;
  OLD.push({ source: 'a', timestamp: ts, metrics: k < 600 ? { cpu_usage: k % 50, mem: 1000 + k } : { cpu_usage: k % 50, mem: 1000 + k, disk: 0.5 } });
  OLD.push({ source: 'b', host: 'h', timestamp: ts + 3000, metrics: { cpu_usage: 20 + (k % 7) / 4 } });
}
/** An hour of the same after the tiers existed, written through the tier writer. */
const NEW: MetricSnapshot[] = [];
for (let k = 0; k < 240; k++) NEW.push({ source: 'a', timestamp: NOW - 4 * HOUR + k * 15_000, metrics: { cpu_usage: 99, mem: 1 } });

let t: { db: Db; drop(): Promise<void> };
const opts: TierBackfillOptions = { retentionDays: { '1m': 30, '5m': 90, '1h': 400 }, batchMs: 2 * HOUR, now: NOW };
const counts = async () => Number((await t.db.query<{ n: string }>(`SELECT (SELECT count(*) FROM metric_tier_1m) + (SELECT count(*) FROM metric_tier_5m) * 1000 + (SELECT count(*) FROM metric_tier_1h) * 1000000 AS n`)).rows[0]!.n);

beforeAll(async () => {
  t = await testDatabase();
  const raw = new MetricWriter(t.db, quietLogger(), { flushIntervalMs: 5, batchMaxSamples: 10_000, maxPendingSamples: 100_000 });
  await raw.write(OLD);
  await raw.stop();
  await storeWithTiers(t.db, NEW);
});
afterAll(async () => t.drop());

describe('backfill of the tiers', () => {
  it('folds the raw samples older than each tier\'s oldest bucket, as the tier writer would, in bounded batches', async () => {
    const before = await counts();
    const r = await backfillTiers(t.db, opts);
    // 5 h of data in 2-h batches: the batches run from the tier's oldest bucket back to the oldest raw sample.
    for (const tier of r.tiers) expect(tier.batches).toBeGreaterThan(1);
    expect(r.tiers.map((x) => x.rows)).toEqual([2 * 300, 2 * 60, 2 * 5 + 1]);
    expect(await counts()).toBe(before + 600 + 120 * 1000 + 11 * 1_000_000);
    // Through the views, every tier agrees with the raw samples.
    for (const view of ['system_metrics_1m', 'system_metrics_5m', 'system_metrics_1h']) {
      const diff = await t.db.query(
        `SELECT v.source, v.metric, v.ts FROM ${view} v
         JOIN LATERAL (SELECT count(*) AS n, min(value) AS lo, max(value) AS hi, avg(value) AS mean FROM system_metrics m
                       WHERE m.source = v.source AND m.metric = v.metric AND m.ts >= v.ts AND m.ts < v.ts + $2::interval) raw ON true
         WHERE v.ts < $1 AND (raw.n <> v.count OR raw.lo <> v.min OR raw.hi <> v.max OR abs(raw.mean - v.mean) > 1e-9)`,
        [new Date(T0 + 6 * HOUR), view.endsWith('1m') ? '1 minute' : view.endsWith('5m') ? '5 minutes' : '1 hour'],
      );
      expect(diff.rows, view).toEqual([]);
    }
    const last = await t.db.query<{ last: number }>(`SELECT last FROM system_metrics_1h WHERE source = 'a' AND metric = 'mem' ORDER BY ts LIMIT 1`);
    expect(last.rows[0]!.last).toBe(1000 + 239);
    // The live hour is left as the tier writer stored it.
    const live = await t.db.query<{ count: number; max: number }>(`SELECT count, max FROM system_metrics_1h WHERE source = 'a' AND metric = 'cpu_usage' AND ts = $1`, [new Date(NOW - 4 * HOUR)]);
    expect(live.rows.map((x) => [Number(x.count), x.max])).toEqual([[240, 99]]);
    // Range queries find the backfilled streams and sets.
    const sets = await t.db.query(`SELECT count(*)::int AS n FROM metric_stream_sets WHERE first_ts < $1`, [new Date(T0 + HOUR)]);
    expect(sets.rows[0]).toEqual({ n: 2 });
  });

  it('is idempotent: a second run finds nothing left', async () => {
    const before = await counts();
    const r = await backfillTiers(t.db, opts);
    expect(r.tiers.map((x) => x.rows)).toEqual([0, 0, 0]);
    expect(await counts()).toBe(before);
  });
});
