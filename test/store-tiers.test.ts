import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricSnapshot } from '../src/model/snapshot.js';
import type { Db } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import { MetricWriter } from '../src/store/metric-writer.js';
import { openPgliteDb } from '../src/store/pglite-db.js';
import { queryHistory } from '../src/store/history-query.js';
import type { Aggregation } from '../src/store/range-query.js';
import { runRetention } from '../src/store/retention.js';
import { TierWriter, TIER_WRITER_DEFAULTS } from '../src/store/tier-writer.js';
import { TIERS } from '../src/store/tiers.js';
import { quietLogger, testDatabase } from './helpers/services.js';

const DAY = 86_400_000;
/** Just before midnight UTC, so the data crosses a day (two partitions of the 1-minute tier). */
const T0 = Date.parse('2026-05-03T23:20:00Z');

/** Two streams over 70 minutes at 15 s; one changes its metric set mid-minute; values of every kind the codec knows. */
function workload(): MetricSnapshot[] {
  const out: MetricSnapshot[] = [];
  for (let k = 0; k < 280; k++) {
    const ts = T0 + k * 15_000;
    const metrics: Record<string, number> = { cpu_usage: (k * 7.31) % 100, 'network_rx_bytes_per_sec.eth0': k * 1024 + 0.1 };
    if (k % 9 >= 4) metrics.queue_depth = k % 5 === 0 ? -0 : 1e300 / (k + 1);
    out.push({ source: 'tier-a', host: 'h1', timestamp: ts, metrics });
    out.push({ source: 'tier-b', labels: { region: 'eu' }, timestamp: ts + 3000, metrics: { cpu_usage: Math.sin(k) * 50 + 50 } });
  }
  return out;
}

interface Agg {
  ts: string;
  source: string;
  metric: string;
  count: number;
  min: number;
  max: number;
  mean: number;
  last: number;
}

/** The tier's view, and the same aggregates computed over the raw samples of `system_metrics`. */
async function tierAndRaw(db: Db, view: string, widthMs: number): Promise<{ tier: Agg[]; raw: Agg[] }> {
  const norm = (rows: Record<string, unknown>[]): Agg[] =>
    rows.map((r) => ({
      ts: new Date(r.ts as string).toISOString(),
      source: String(r.source),
      metric: String(r.metric),
      count: Number(r.count),
      min: Number(r.min),
      max: Number(r.max),
      mean: Number(r.mean),
      last: Number(r.last),
    }));
  const tier = await db.query(`SELECT ts, source, metric, count, min, max, mean, last FROM ${view} ORDER BY ts, source, metric`);
  const raw = await db.query(
    `SELECT to_timestamp(floor(extract(epoch FROM ts) * 1000 / $1) * $1 / 1000.0) AS ts, source, metric,
            count(*) AS count, min(value) AS min, max(value) AS max, sum(value) / count(*) AS mean,
            (array_agg(value ORDER BY ts DESC))[1] AS last
     FROM system_metrics GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    [widthMs],
  );
  return { tier: norm(tier.rows), raw: norm(raw.rows) };
}

/** Writes the workload through a metric writer with tiers, in three parts, the last one late. */
async function writeWithTiers(db: Db): Promise<TierWriter> {
  const tiers = new TierWriter(db, quietLogger(), TIER_WRITER_DEFAULTS);
  const writer = new MetricWriter(db, quietLogger(), {
    flushIntervalMs: 5,
    batchMaxSamples: 500,
    maxPendingSamples: 100_000,
    onStored: (s, st, se) => tiers.fold(s, st, se),
  });
  const all = workload();
  // Every fourth snapshot held back and written after the tiers were flushed: a late part of buckets already stored.
  const late = all.filter((_, i) => i % 4 === 3);
  const onTime = all.filter((_, i) => i % 4 !== 3);
  await writer.write(onTime.slice(0, 200));
  await tiers.flush(true);
  await writer.write(onTime.slice(200));
  await tiers.flush(true);
  await writer.write(late);
  await writer.stop();
  await tiers.stop();
  return tiers;
}

/**
 * A range query over the workload (through the tiers or raw samples the step picks) against the
 * same aggregation computed in SQL over `system_metrics`, for every window [t - step, t).
 */
async function expectRangeEqualsRaw(db: Db, stepMs: number, agg: Aggregation, metric: string): Promise<string> {
  const startMs = Math.ceil(T0 / stepMs) * stepMs;
  const endMs = startMs + 3 * 3_600_000;
  const layout = { rawRetentionDays: 36500, tiers: TIERS.map((t) => ({ name: t.name, retentionDays: 36500 })) };
  const answer = await queryHistory(db, layout, { startMs, endMs, stepMs, agg, accept: (s) => s.source === 'tier-a' && s.metric === metric, maxSeries: 10 }, Date.now());
  const sqlAgg = { mean: 'sum(value) / count(*)', min: 'min(value)', max: 'max(value)', count: 'count(*)', sum: 'sum(value)', last: '(array_agg(value ORDER BY ts DESC))[1]' }[agg];
  const raw = await db.query<{ k: number; v: number }>(
    `SELECT floor((extract(epoch FROM ts) * 1000 - $1) / $2)::int AS k, (${sqlAgg})::float8 AS v FROM system_metrics
     WHERE source = 'tier-a' AND metric = $3 AND ts >= to_timestamp($1 / 1000.0) AND ts < to_timestamp(($4 + 0.0) / 1000) GROUP BY 1 ORDER BY 1`,
    [startMs - stepMs, stepMs, metric, endMs],
  );
  expect(answer.series).toHaveLength(1);
  const w = answer.series[0]!.windows;
  const got = w.indexes().map((k) => ({ k, v: w.value(k)! }));
  expect(got.map((x) => x.k)).toEqual(raw.rows.map((x) => x.k));
  got.forEach((x, i) => expect(Math.abs(x.v - raw.rows[i]!.v)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(raw.rows[i]!.v))));
  return answer.plan.main;
}

function expectEqualAggregates({ tier, raw }: { tier: Agg[]; raw: Agg[] }): void {
  expect(tier.length).toBe(raw.length);
  expect(tier.map(({ mean: _, ...rest }) => rest)).toEqual(raw.map(({ mean: _, ...rest }) => rest));
  // Sums added in another order differ in the last bits.
  tier.forEach((t, i) => expect(Math.abs(t.mean - raw[i]!.mean)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(raw[i]!.mean))));
}

describe('tiers on PostgreSQL', () => {
  let db: Db;
  let drop: () => Promise<void>;
  let tiers: TierWriter;

  beforeAll(async () => {
    const t = await testDatabase();
    db = t.db;
    drop = t.drop;
    tiers = await writeWithTiers(db);
  });
  afterAll(async () => drop());

  it.each(TIERS.map((t) => [t.name, t] as const))('the %s tier equals the aggregates of the raw samples', async (_name, t) => {
    const r = await tierAndRaw(db, t.view, t.widthMs);
    expect(r.raw.length).toBeGreaterThan(0);
    expectEqualAggregates(r);
  });

  it.each([
    [3_600_000, 'max', 'cpu_usage', '1h'],
    [300_000, 'mean', 'queue_depth', '5m'],
    [60_000, 'last', 'network_rx_bytes_per_sec.eth0', '1m'],
    [15_000, 'min', 'queue_depth', 'raw'],
    [30_000, 'count', 'cpu_usage', 'raw'],
  ] as const)('a range query at step %i ms (%s of %s) reads the %s tier and equals the raw samples\' aggregate', async (step, agg, metric, tier) => {
    expect(await expectRangeEqualsRaw(db, step, agg, metric)).toBe(tier);
  });

  it('merged the late parts into stored buckets and wrote one row per stream, set and bucket', async () => {
    expect(tiers.stats()).toMatchObject({ pendingRows: 0, failures: 0, droppedRows: 0, openBuckets: 0 });
    const dup = await db.query(`SELECT count(*)::int AS n FROM (SELECT 1 FROM metric_tier_1m GROUP BY stream_id, ts, set_id HAVING count(*) > 1) d`);
    expect(dup.rows[0]).toEqual({ n: 0 });
  });

  it('recorded each metric set a stream used, with its first and last sample', async () => {
    const r = await db.query<{ source: string; names: string[]; first_ts: Date; last_ts: Date }>(
      `SELECT st.source, ms.names, u.first_ts, u.last_ts FROM metric_stream_sets u
       JOIN metric_streams st ON st.id = u.stream_id JOIN metric_sets ms ON ms.id = u.set_id ORDER BY 1, 2`,
    );
    expect(r.rows.map((x) => [x.source, x.names.length])).toEqual([
      ['tier-a', 2],
      ['tier-a', 3],
      ['tier-b', 1],
    ]);
    const b = r.rows.find((x) => x.source === 'tier-b')!;
    expect([new Date(b.first_ts).getTime(), new Date(b.last_ts).getTime()]).toEqual([T0 + 3000, T0 + 279 * 15_000 + 3000]);
  });

  it('drops tier partitions after each tier\'s own retention, and keeps streams the longest tier still needs', async () => {
    const own = (name: '1m' | '5m' | '1h', days: number) => ({ partitions: tiers.partitions[name], retentionDays: () => days });
    // 2 days after the data: raw and 1-minute expired (1 day), the 5-minute and 1-hour tiers kept (30 days).
    const report = await runRetention(db, [own('1m', 1), own('5m', 30), own('1h', 30)], 1, T0 + 3 * DAY);
    expect(report.droppedPartitions.map((p) => p.name).sort()).toEqual(['metric_tier_1m_p20260503', 'metric_tier_1m_p20260504']);
    expect((await db.query(`SELECT count(*)::int AS n FROM system_metrics_1m`)).rows[0]).toEqual({ n: 0 });
    expect(Number((await db.query(`SELECT count(*) AS n FROM system_metrics_1h`)).rows[0]!.n)).toBeGreaterThan(0);
    expect(report.deletedRows.metric_streams).toBe(0);
    // Past the longest retention (streams were last seen at the wall-clock time of the writes), the streams and their set uses go too.
    const later = await runRetention(db, [own('1m', 1), own('5m', 30), own('1h', 30)], 1, Date.now() + 40 * DAY);
    expect(later.droppedPartitions.map((p) => p.name).sort()).toEqual(['metric_tier_1h_p20260409', 'metric_tier_5m_p20260430']);
    expect(later.deletedRows).toMatchObject({ metric_streams: 2, metric_stream_sets: 3 });
  });
});

describe('tiers on PGlite', () => {
  it('equal the aggregates of the raw samples in every tier, and range queries read them', async () => {
    const db = await openPgliteDb(null, 'public');
    try {
      await migrate(db);
      await writeWithTiers(db);
      for (const t of TIERS) expectEqualAggregates(await tierAndRaw(db, t.view, t.widthMs));
      expect(await expectRangeEqualsRaw(db, 300_000, 'max', 'queue_depth')).toBe('5m');
      expect(await expectRangeEqualsRaw(db, 15_000, 'mean', 'queue_depth')).toBe('raw');
    } finally {
      await db.close();
    }
  });
});
