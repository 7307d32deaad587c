import type { Db, Queryable } from './db.js';
import { DailyPartitions, dayOf } from './partitions.js';
import { bucketStart, TIERS, type TierName, type TierSpec } from './tiers.js';

/** How a backfill runs. */
export interface TierBackfillOptions {
  /** Days each tier keeps (store_tier_<name>_retention_days): older raw samples are not folded into it. */
  readonly retentionDays: Readonly<Record<TierName, number>>;
  /** Width of one batch (one transaction per batch and tier); a multiple of every tier's width. */
  readonly batchMs: number;
  /** Now, for the retention bounds. */
  readonly now: number;
  /** Called after each batch. */
  readonly progress?: (p: { tier: TierName; from: number; to: number; rows: number }) => void;
}

/** What a backfill did, per tier. */
export interface TierBackfillResult {
  readonly tiers: readonly { tier: TierName; from: number | null; to: number | null; batches: number; rows: number }[];
}

const HOUR_MS = 3_600_000;

/**
 * One batch of one tier: the buckets of [from, to) computed from the raw samples (count, min,
 * max, sum and last per metric of the set, in the set's order, as the tier writer folds them),
 * inserted where the tier has no row for the stream, set and bucket (never merged: a stored bucket
 * is left as it is), and the streams' metric-set uses widened so that range queries find them.
 */
async function backfillBatch(q: Queryable, tier: TierSpec, from: number, to: number): Promise<number> {
  await q.query(
    `INSERT INTO metric_stream_sets AS m (stream_id, set_id, first_ts, last_ts)
     SELECT stream_id, set_id, min(ts), max(ts) FROM metric_snapshots WHERE ts >= $1 AND ts < $2 GROUP BY 1, 2
     ON CONFLICT (stream_id, set_id) DO UPDATE SET first_ts = least(m.first_ts, EXCLUDED.first_ts), last_ts = greatest(m.last_ts, EXCLUDED.last_ts)`,
    [new Date(from), new Date(to)],
  );
  const r = await q.query(
    `INSERT INTO ${tier.table} (ts, stream_id, set_id, count, last_ts, min_v, max_v, sum_v, last_v)
     SELECT b, stream_id, set_id, max(n)::int, max(last_ts),
            array_agg(lo ORDER BY i), array_agg(hi ORDER BY i), array_agg(total ORDER BY i), array_agg(last ORDER BY i)
     FROM (
       SELECT to_timestamp(floor(date_part('epoch', s.ts) * 1000 / $3) * $3 / 1000.0) AS b, s.stream_id, s.set_id, i,
              count(*) AS n, max(s.ts) AS last_ts, min(v.v) AS lo, max(v.v) AS hi, sum(v.v) AS total,
              (array_agg(v.v ORDER BY s.ts DESC))[1] AS last
       FROM metric_snapshots s
       JOIN metric_sets ms ON ms.id = s.set_id
       CROSS JOIN LATERAL generate_series(1, cardinality(ms.names)) AS i
       CROSS JOIN LATERAL (SELECT perf_snapshot_value(s.enc, s.f8, i) AS v) v
       WHERE s.ts >= $1 AND s.ts < $2
       GROUP BY 1, 2, 3, 4
     ) per_metric
     GROUP BY b, stream_id, set_id
     ON CONFLICT (stream_id, ts, set_id) DO NOTHING`,
    [new Date(from), new Date(to), tier.widthMs],
  );
  return r.rowCount;
}

/** The span of one tier to backfill: from the oldest raw sample its retention keeps to the start of its oldest stored bucket. */
async function spanOf(q: Queryable, tier: TierSpec, o: TierBackfillOptions): Promise<{ from: number; to: number } | null> {
  const r = await q.query<{ raw_min: Date | string | null; tier_min: Date | string | null }>(
    `SELECT (SELECT min(ts) FROM metric_snapshots) AS raw_min, (SELECT min(ts) FROM ${tier.table}) AS tier_min`,
  );
  const row = r.rows[0]!;
  if (row.raw_min === null) return null;
  const from = bucketStart(Math.max(new Date(row.raw_min).getTime(), o.now - o.retentionDays[tier.name] * 86_400_000), o.batchMs);
  // The bucket holding the tier's oldest row is left alone (it may hold live data already). An
  // empty tier is filled up to two hours back only: a running engine's tier writer may hold the
  // samples after that in open buckets (an hour's bucket at most, written minutes after it ends),
  // and folding them here too would count them twice.
  const to = row.tier_min === null ? bucketStart(o.now - 2 * HOUR_MS, HOUR_MS) : new Date(row.tier_min).getTime();
  return to > from ? { from, to } : null;
}

/**
 * Folds the raw samples stored before the tiers existed (migration 007) into the 1-minute,
 * 5-minute and 1-hour tiers (docs/storage.md#backfill-of-the-tiers): per tier, the span from the
 * oldest raw sample its retention keeps to its oldest stored bucket, newest batch first, one
 * transaction per batch, buckets inserted only where the tier has none. Idempotent and resumable:
 * a second run finds each tier's oldest bucket where the first stopped and does only what is left.
 */
export async function backfillTiers(db: Db, o: TierBackfillOptions): Promise<TierBackfillResult> {
  if (o.batchMs % HOUR_MS !== 0) throw new Error(`batch width ${o.batchMs} ms is not a whole number of hours`);
  const out: TierBackfillResult['tiers'][number][] = [];
  for (const tier of TIERS) {
    const span = await spanOf(db, tier, o);
    if (span === null) {
      out.push({ tier: tier.name, from: null, to: null, batches: 0, rows: 0 });
      continue;
    }
    const partitions = new DailyPartitions(db, tier.table, tier.partitionDays);
    let rows = 0;
    let batches = 0;
    for (let end = span.to; end > span.from; ) {
      const start = Math.max(span.from, bucketStart(end - 1, o.batchMs));
      const days = new Set<number>();
      for (let d = dayOf(start); d <= dayOf(end - 1); d++) days.add(d);
      await partitions.ensure(days);
      const n = await db.transaction((tx) => backfillBatch(tx, tier, start, end));
      rows += n;
      batches++;
      o.progress?.({ tier: tier.name, from: start, to: end, rows: n });
      end = start;
    }
    out.push({ tier: tier.name, from: span.from, to: span.to, batches, rows });
  }
  return { tiers: out };
}
