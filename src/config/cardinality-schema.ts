import { Type } from '@sinclair/typebox';
import { MAX_LABEL_VALUE_LENGTH, MAX_LABELS } from '../model/limits.js';

const count = (max: number, description: string) => Type.Integer({ minimum: 1, maximum: max, description });

/**
 * Cardinality limits of ingest (docs/ingest-limits.md): what keeps one publisher from growing the
 * engine's memory and tables without bound. Live updates may lower them, never raise them above
 * the local configuration (src/config/live-bounds.ts).
 */
export const CARDINALITY_KEYS = {
  ingest_max_sources: count(10_000_000, 'Most distinct sources accepted; a message that would add a source beyond it is rejected (too_many_sources). Sources already known keep being stored.'),
  ingest_max_streams_per_source: count(
    10_000_000,
    'Most distinct streams (host and label set) of one source; a message that would add one beyond it is rejected (too_many_streams).',
  ),
  ingest_max_streams: count(10_000_000, 'Most distinct streams (source, host and label set) in all; a message that would add one beyond it is rejected (too_many_streams).'),
  ingest_max_labels: Type.Integer({ minimum: 0, maximum: MAX_LABELS, description: `Most labels on one snapshot (at most the wire contract's ${MAX_LABELS}); more is rejected (too_many_labels).` }),
  ingest_max_label_value_length: Type.Integer({
    minimum: 1,
    maximum: MAX_LABEL_VALUE_LENGTH,
    description: `Longest label value, in characters (at most the wire contract's ${MAX_LABEL_VALUE_LENGTH}); longer is rejected (label_too_long).`,
  }),
};

/** Defaults of the cardinality keys. */
export const CARDINALITY_DEFAULTS = {
  ingest_max_sources: 50_000,
  ingest_max_streams_per_source: 1_000,
  ingest_max_streams: 100_000,
  ingest_max_labels: MAX_LABELS,
  ingest_max_label_value_length: MAX_LABEL_VALUE_LENGTH,
};

/** Keys a live update may lower but never raise above the local value. */
export const CARDINALITY_CEILING_KEYS = Object.keys(CARDINALITY_KEYS) as (keyof typeof CARDINALITY_KEYS)[];

/** Keys of the partitions and of the history warm-up (docs/storage.md). Local only. */
export const PARTITION_KEYS = {
  store_partition_check_interval_seconds: Type.Integer({
    minimum: 10,
    maximum: 86400,
    description: 'How often the partition job creates the partitions of the whole accepted window ahead of time (also at start).',
  }),
  store_max_partitions_per_batch: Type.Integer({
    minimum: 0,
    maximum: 1000,
    description: 'Most partitions one write batch may create when the partition job has not made them yet; a batch that needs more waits for the job.',
  }),
  detect_warmup_timeout_ms: Type.Integer({
    minimum: 100,
    maximum: 600000,
    description: 'Statement timeout of the query that reads the recent history of new series; when it expires, those series start cold (counted and logged).',
  }),
};

/** Defaults of the partition keys. */
export const PARTITION_DEFAULTS = {
  store_partition_check_interval_seconds: 3600,
  store_max_partitions_per_batch: 1,
  detect_warmup_timeout_ms: 5000,
};
