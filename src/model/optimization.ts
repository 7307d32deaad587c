/** Actions an optimization may carry (docs/subjects.md#closed-sets): a closed set. */
export const OPTIMIZATION_ACTIONS = [
  'create_index',
  'drop_index',
  'set_cpu_limit',
  'set_memory_limit',
  'set_agent_config',
  'profile',
  'scale_out',
  'restart_before_exhaustion',
  'move_off_event_loop',
] as const;
/** One of {@link OPTIMIZATION_ACTIONS}. */
export type OptimizationAction = (typeof OPTIMIZATION_ACTIONS)[number];

/** Life-cycle statuses of an optimization, from proposal to verdict and undo: a closed set. */
export const OPTIMIZATION_STATUSES = ['proposed', 'applied', 'verified', 'ineffective', 'regressed', 'rolled_back', 'failed'] as const;
/** One of {@link OPTIMIZATION_STATUSES}. */
export type OptimizationStatus = (typeof OPTIMIZATION_STATUSES)[number];

/** Ways a judging metric is expected to move when an optimization works. */
export const EXPECT_DIRECTIONS = ['decrease', 'increase'] as const;
/** One of {@link EXPECT_DIRECTIONS}. */
export type ExpectDirection = (typeof EXPECT_DIRECTIONS)[number];
