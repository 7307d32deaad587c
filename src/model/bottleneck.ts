/** Bottleneck kinds: the closed set of the wire contract (docs/subjects.md). */
export const BOTTLENECK_KINDS = [
  'cpu_saturation',
  'memory_pressure',
  'memory_leak',
  'disk_io_saturation',
  'network_saturation',
  'event_loop_blocked',
  'gc_pressure',
  'slow_db_query',
  'latency_regression',
  'anomaly',
] as const;
/** A bottleneck kind. */
export type BottleneckKind = (typeof BOTTLENECK_KINDS)[number];

/** Statuses of a bottleneck episode. */
export const BOTTLENECK_STATUSES = ['active', 'resolved'] as const;
/** A bottleneck status. */
export type BottleneckStatus = (typeof BOTTLENECK_STATUSES)[number];

/** Why a bottleneck episode ended. */
export const BOTTLENECK_RESOLVE_REASONS = ['cleared', 'stale', 'disabled'] as const;
/** A bottleneck resolve reason. */
export type BottleneckResolveReason = (typeof BOTTLENECK_RESOLVE_REASONS)[number];

/** What a `performance.bottleneck_updated` message changes. */
export const BOTTLENECK_UPDATES = ['escalated', 'related', 'evidence', 'resolved'] as const;
/** A bottleneck update kind. */
export type BottleneckUpdate = (typeof BOTTLENECK_UPDATES)[number];

/** How another source takes part in a bottleneck. */
export const RELATIONS = ['same_cause', 'host_resource', 'affected'] as const;
/** A relation of a related source. */
export type Relation = (typeof RELATIONS)[number];
