import { Type } from '@sinclair/typebox';

const days = (tier: string, why: string) =>
  Type.Integer({ minimum: 1, maximum: 36500, description: `Days of ${tier} buckets kept (downsampled tier; ${why}); older partitions are dropped by the retention job.` });

/** The keys of the downsampled tiers (docs/storage.md#tiers). Local only: a live update must not cut history. */
export const TIER_KEYS = {
  store_tiers_enabled: Type.Boolean({
    description: 'Maintain the downsampled tiers (1 min, 5 min, 1 h) as data arrives; false stores raw samples only and range queries read them.',
  }),
  store_tier_1m_retention_days: days('1-minute', 'ranges up to a few days at a step of a minute or more'),
  store_tier_5m_retention_days: days('5-minute', 'ranges of days to months'),
  store_tier_1h_retention_days: days('1-hour', 'ranges of months to years'),
};

/** Defaults of the tier keys. */
export const TIER_DEFAULTS = {
  store_tiers_enabled: true,
  store_tier_1m_retention_days: 90,
  store_tier_5m_retention_days: 400,
  store_tier_1h_retention_days: 1830,
};
