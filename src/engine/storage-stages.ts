import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { MetricSnapshot } from '../model/snapshot.js';
import type { Db } from '../store/db.js';
import { MetricWriter } from '../store/metric-writer.js';
import { PartitionJob } from '../store/partition-job.js';
import { RetentionJob } from '../store/retention-job.js';
import type { OwnRetention } from '../store/retention.js';
import { TIER_WRITER_DEFAULTS, TierWriter } from '../store/tier-writer.js';

/** The stages that keep samples: the writer, the tiers folded from what it stores, and the partition and retention jobs of both. */
export interface StorageStages {
  readonly writer: MetricWriter;
  /** Maintains the downsampled tiers; null when `store_tiers_enabled` is false. */
  readonly tiers: TierWriter | null;
  /** Creates the partitions of the accepted window ahead of time. */
  readonly partitions: PartitionJob;
  readonly retention: RetentionJob;
}

/** What storage is built from. */
export interface StorageDeps {
  readonly db: Db;
  readonly logger: (component: string) => Logger;
  readonly settings: () => Config;
  /** Told of each batch the writer commits, with its timings (the engine's metrics). */
  readonly onWriterCommit?: (writeSeconds: number, waitSeconds: readonly number[]) => void;
}

/**
 * Builds the writer and the tiers it feeds (only the snapshots a batch really stored are folded),
 * and the jobs that create their partitions ahead and drop them past retention. A batch that
 * finds a partition missing asks the partition job to run at once.
 */
export function buildStorage(deps: StorageDeps): StorageStages {
  const { db, logger, settings } = deps;
  const c = settings();
  // Bound late: the job is built after the writers whose partitions it keeps.
  const partitionsMissing = (): Promise<void> => partitions.runSoon(Date.now(), true);
  const tiers = c.store_tiers_enabled
    ? new TierWriter(db, logger('tiers'), { ...TIER_WRITER_DEFAULTS, maxPartitionsPerFlush: c.store_max_partitions_per_batch, onPartitionsMissing: () => void partitionsMissing() })
    : null;
  const writer = new MetricWriter(db, logger('store'), {
    maxPartitionsPerBatch: c.store_max_partitions_per_batch,
    onPartitionsMissing: partitionsMissing,
    flushIntervalMs: c.store_flush_interval_ms,
    batchMaxSamples: c.store_batch_max_samples,
    maxPendingSamples: c.store_max_pending_samples,
    ...(deps.onWriterCommit ? { onCommitted: deps.onWriterCommit } : {}),
    ...(tiers ? { onStored: (snapshots: readonly MetricSnapshot[], streamIds: Int32Array, setIds: Int32Array) => tiers.fold(snapshots, streamIds, setIds) } : {}),
  });
  const retention = new RetentionJob(
    db,
    [writer.partitions, ...tierRetention(tiers, settings)],
    () => ({ retentionDays: settings().data_retention_days, intervalSeconds: settings().retention_check_interval_seconds }),
    logger('retention'),
  );
  const partitions: PartitionJob = new PartitionJob(
    [writer.partitions, ...tierRetention(tiers, settings)],
    () => ({ retentionDays: settings().data_retention_days, futureSkewMs: settings().ingest_max_future_skew_seconds * 1000, intervalSeconds: settings().store_partition_check_interval_seconds }),
    logger('partitions'),
  );
  return { writer, tiers, partitions, retention };
}

/** The tiers' partitions, each kept for its own `store_tier_<name>_retention_days`. */
function tierRetention(tiers: TierWriter | null, settings: () => Config): OwnRetention[] {
  if (!tiers) return [];
  return [
    { partitions: tiers.partitions['1m'], retentionDays: () => settings().store_tier_1m_retention_days },
    { partitions: tiers.partitions['5m'], retentionDays: () => settings().store_tier_5m_retention_days },
    { partitions: tiers.partitions['1h'], retentionDays: () => settings().store_tier_1h_retention_days },
  ];
}
