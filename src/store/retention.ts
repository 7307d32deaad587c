import type { Db } from './db.js';
import type { DailyPartitions, DroppedPartition } from './partitions.js';

/** Tables cleaned row by row, with their time column. */
const ROW_TABLES = [
  { table: 'performance_profiles', column: 'started_at' },
  { table: 'bottlenecks', column: 'detected_at', keep: "status <> 'active'" },
  { table: 'alerts', column: 'started_at', keep: "state NOT IN ('pending', 'firing')" },
  { table: 'alert_silences', column: 'ends_at' },
  { table: 'detector_state', column: 'updated_at' },
  { table: 'anomaly_events', column: 'ts' },
] as const;

/** Partitions kept for their own number of days instead of `data_retention_days` (the tiers). */
export interface OwnRetention {
  readonly partitions: DailyPartitions;
  retentionDays(): number;
}

/** Partitions retention drops: kept `data_retention_days`, or their own days. */
export type RetainedPartitions = DailyPartitions | OwnRetention;

/** The partition manager of a retained entry. */
export function partitionsOf(p: RetainedPartitions): DailyPartitions {
  return 'partitions' in p ? p.partitions : p;
}

/** What one retention run removed. */
export interface RetentionReport {
  readonly cutoff: string;
  readonly droppedPartitions: readonly DroppedPartition[];
  readonly deletedRows: Readonly<Record<string, number>>;
}

/**
 * Enforces `retentionDays` on every table: whole expired partitions of the time series are
 * dropped (the tiers' after their own days); the smaller tables are cleaned with DELETE (open alerts and active bottlenecks are kept whatever their age);
 * idempotency records older than a day, and streams unseen since before the cutoff, go too.
 */
export async function runRetention(
  db: Db,
  partitioned: readonly RetainedPartitions[],
  retentionDays: number,
  now: number,
): Promise<RetentionReport> {
  const cutoffMs = now - retentionDays * 86_400_000;
  const cutoff = new Date(cutoffMs);
  const droppedPartitions: DroppedPartition[] = [];
  let longestDays = retentionDays;
  for (const p of partitioned) {
    const days = 'retentionDays' in p ? p.retentionDays() : retentionDays;
    longestDays = Math.max(longestDays, days);
    droppedPartitions.push(...(await partitionsOf(p).dropBefore(now - days * 86_400_000)));
  }
  const deletedRows: Record<string, number> = {};
  for (const t of ROW_TABLES) {
    const keep = 'keep' in t ? ` AND ${t.keep}` : '';
    const r = await db.query(`DELETE FROM ${t.table} WHERE ${t.column} < $1${keep}`, [cutoff]);
    deletedRows[t.table] = r.rowCount;
  }
  const batches = await db.query(`DELETE FROM ingest_batches WHERE committed_at < $1`, [new Date(now - 86_400_000)]);
  deletedRows.ingest_batches = batches.rowCount;
  // A stream unseen for a day longer than the longest retention has no stored row left to describe
  // (its metric_stream_sets rows go with it).
  const streamCutoff = new Date(now - (longestDays + 1) * 86_400_000);
  const uses = await db.query(`DELETE FROM metric_stream_sets WHERE last_ts < $1`, [streamCutoff]);
  deletedRows.metric_stream_sets = uses.rowCount;
  const streams = await db.query(`DELETE FROM metric_streams WHERE last_seen < $1`, [streamCutoff]);
  deletedRows.metric_streams = streams.rowCount;
  return { cutoff: cutoff.toISOString(), droppedPartitions, deletedRows };
}
