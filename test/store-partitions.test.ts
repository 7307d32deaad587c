import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgDb } from '../src/store/pg-db.js';
import type { Db } from '../src/store/db.js';
import { MetricWriter } from '../src/store/metric-writer.js';
import { PARTITION_JOB_LIMITS, PartitionJob } from '../src/store/partition-job.js';
import { DailyPartitions, dayOf, partitionDay } from '../src/store/partitions.js';
import { TierWriter, TIER_WRITER_DEFAULTS } from '../src/store/tier-writer.js';
import { TIERS } from '../src/store/tiers.js';
import { PG_URL, quietLogger, testDatabase } from './helpers/services.js';

const DAY = 86_400_000;

/** First days of the partitions of `table` that exist, read from the catalog. */
async function partitionDays(db: Db, table: string): Promise<number[]> {
  const r = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace n ON n.oid = p.relnamespace
     WHERE p.relname = $1 AND n.nspname = $2`,
    [table, db.schema],
  );
  return r.rows.map((row) => partitionDay(table, row.name)!).sort((a, b) => a - b);
}

function jobOf(db: Db, retentionDays: number, withTiers = true): PartitionJob {
  const tiers = withTiers ? TIERS.map((t) => new DailyPartitions(db, t.table, t.partitionDays)) : [];
  const tables = [new DailyPartitions(db, 'metric_snapshots'), ...tiers];
  return new PartitionJob(tables, () => ({ retentionDays, futureSkewMs: 300_000, intervalSeconds: 3600 }), quietLogger(), { ...PARTITION_JOB_LIMITS, pauseMs: 5 });
}

describe('partitions are made ahead of time, off the write path (issue 11)', () => {
  let t: Awaited<ReturnType<typeof testDatabase>>;
  beforeAll(async () => {
    t = await testDatabase();
  });
  afterAll(async () => t?.drop());

  it('two engines running the job at once create every partition of the accepted window, once', async () => {
    const other = await openPgDb({ url: PG_URL, schema: t.schema, poolSize: 2 });
    try {
      const now = Date.now();
      const [a, b] = [jobOf(t.db, 40), jobOf(other, 40)];
      await Promise.all([a.runSoon(now), b.runSoon(now)]);
      await Promise.all([a.stop(), b.stop()]);
      expect(a.status().lastError).toBeNull();
      expect(b.status().lastError).toBeNull();
      expect(a.status().created + b.status().created).toBeGreaterThan(40);
      const raw = await partitionDays(t.db, 'metric_snapshots');
      const from = dayOf(now - 40 * DAY);
      const to = dayOf(now + 300_000) + 1;
      const window = Array.from({ length: to - from + 1 }, (_, i) => from + i);
      expect(raw).toEqual(window);
      // Each tier's spans cover the window too.
      for (const tier of TIERS) {
        const spans = await partitionDays(t.db, tier.table);
        for (const day of window) expect(spans.some((s) => s <= day && day < s + tier.partitionDays)).toBe(true);
      }
      // A second run finds nothing to do.
      const again = jobOf(t.db, 40);
      await again.runSoon(now);
      await again.stop();
      expect(again.status()).toMatchObject({ created: 0, missing: 0 });
    } finally {
      await other.close();
    }
  });

  it('a batch over 100 distinct days creates at most the bound in the write path and waits for the job for the rest', async () => {
    const now = Date.now();
    const job = jobOf(t.db, 160, false);
    let asked = 0;
    const writer = new MetricWriter(t.db, quietLogger(), {
      flushIntervalMs: 5,
      batchMaxSamples: 100_000,
      maxPendingSamples: 1_000_000,
      maxPartitionsPerBatch: 1,
      onPartitionsMissing: () => {
        asked++;
        return job.runSoon(now, true);
      },
    });
    // Days 50 to 149 ago: none has a partition yet (the first test made 40 days).
    const snapshots = Array.from({ length: 100 }, (_, i) => ({ source: 'old-days', timestamp: now - (50 + i) * DAY, metrics: { v: i } }));
    const before = (await partitionDays(t.db, 'metric_snapshots')).length;
    await writer.write(snapshots);
    await job.stop();
    const stats = writer.stats();
    expect(stats.partitionsCreated).toBeLessThanOrEqual(1);
    expect(asked).toBe(1);
    expect(stats.partitionWaits).toBe(1);
    expect(stats.committedSnapshots).toBe(100);
    expect(stats.failedSamples).toBe(0);
    // The job, not the writer, created the rest of the (400-day) window.
    expect((await partitionDays(t.db, 'metric_snapshots')).length).toBeGreaterThanOrEqual(before + 119);
    const n = await t.db.query<{ n: string }>(`SELECT count(*) AS n FROM system_metrics WHERE source = 'old-days'`);
    expect(Number(n.rows[0]!.n)).toBe(100);
  });

  it('tier buckets whose partition is missing wait for the job without holding up the others', async () => {
    const now = Date.now();
    let asked = 0;
    const tiers = new TierWriter(t.db, quietLogger(), { ...TIER_WRITER_DEFAULTS, maxPartitionsPerFlush: 0, onPartitionsMissing: () => void asked++ });
    const writer = new MetricWriter(t.db, quietLogger(), { flushIntervalMs: 5, batchMaxSamples: 100_000, maxPendingSamples: 1_000_000, onStored: (s, a, b) => tiers.fold(s, a, b) });
    // Today has 1m partitions (first test); 600 days ago has none, in any tier.
    const old = now - 600 * DAY;
    await writer.write([{ source: 'tiers', timestamp: now - 3_600_000, metrics: { v: 1 } }, { source: 'tiers', timestamp: old, metrics: { v: 2 } }]);
    await writer.stop();
    await tiers.flush(true);
    const count = async (ts: number) => Number((await t.db.query<{ n: string }>(`SELECT count(*) AS n FROM metric_tier_1m WHERE ts = to_timestamp($1 / 1000.0)`, [Math.floor(ts / 60_000) * 60_000])).rows[0]!.n);
    expect(await count(now - 3_600_000)).toBe(1);
    expect(await count(old)).toBe(0);
    expect(asked).toBeGreaterThan(0);
    expect(tiers.stats().pendingRows).toBe(3);
    expect(tiers.stats().failures).toBe(0);
    // Once the job (here: its creation step) made them, the next tick writes the rest.
    for (const tier of TIERS) await new DailyPartitions(t.db, tier.table, tier.partitionDays).ensure([dayOf(old)]);
    await tiers.flush(true);
    expect(await count(old)).toBe(1);
    expect(tiers.stats().pendingRows).toBe(0);
    await tiers.stop();
  });

  it('a creation that cannot have the table lock in time gives up instead of queueing ahead of every insert', async () => {
    const holder = new pg.Client({ connectionString: PG_URL });
    await holder.connect();
    try {
      await holder.query(`SET search_path = "${t.schema}"`);
      await holder.query('BEGIN');
      // A long reader of the parent table (what a slow query does).
      await holder.query('SELECT count(*) FROM metric_snapshots');
      const parts = new DailyPartitions(t.db, 'metric_snapshots');
      const farFuture = dayOf(Date.now()) + 30;
      const t0 = Date.now();
      expect(await parts.create(farFuture, 200)).toBe(false);
      expect(Date.now() - t0).toBeLessThan(2000);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
  });
});
