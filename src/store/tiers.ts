/**
 * The downsampled tiers of the time series (docs/storage.md#tiers): fixed bucket widths, each in
 * its own table partitioned on `ts`, each with its own retention. A bucket holds, per metric of a
 * stream's metric set, the count, minimum, maximum, sum and last value of its samples.
 */

/** Tier names, finest first. */
export const TIER_NAMES = ['1m', '5m', '1h'] as const;
/** A tier's name. */
export type TierName = (typeof TIER_NAMES)[number];

/** How a tier is laid out. */
export interface TierSpec {
  readonly name: TierName;
  /** Bucket width: buckets start at multiples of it since the Unix epoch (UTC). */
  readonly widthMs: number;
  /** Table holding its buckets. */
  readonly table: string;
  /** View reading it with plain SQL, one row per bucket and metric. */
  readonly view: string;
  /** Days per partition: about 1,000 to 40,000 buckets per stream and partition. */
  readonly partitionDays: number;
}

/** Every tier, finest first; each width divides the next, so a bucket rolls up whole into the next tier. */
export const TIERS: readonly TierSpec[] = Object.freeze([
  { name: '1m', widthMs: 60_000, table: 'metric_tier_1m', view: 'system_metrics_1m', partitionDays: 1 },
  { name: '5m', widthMs: 300_000, table: 'metric_tier_5m', view: 'system_metrics_5m', partitionDays: 7 },
  { name: '1h', widthMs: 3_600_000, table: 'metric_tier_1h', view: 'system_metrics_1h', partitionDays: 28 },
]);

/** The spec of a tier by name. */
export function tierSpec(name: TierName): TierSpec {
  return TIERS.find((t) => t.name === name)!;
}

/** Start of the bucket of width `widthMs` that holds `ms`. */
export function bucketStart(ms: number, widthMs: number): number {
  return Math.floor(ms / widthMs) * widthMs;
}
