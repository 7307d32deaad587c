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

/** Statuses in which an optimization is proposed or in place: its key is not proposed again meanwhile. */
export const OPEN_OPTIMIZATION_STATUSES = ['proposed', 'applied', 'verified', 'ineffective', 'regressed'] as const;

/** Where an optimization came from: an advisor, a bottleneck's recommendation, the optimizing engine's own change, an operator. */
export const OPTIMIZATION_ORIGINS = ['advisor', 'bottleneck', 'optimizing_engine', 'operator'] as const;
/** One of {@link OPTIMIZATION_ORIGINS}. */
export type OptimizationOrigin = (typeof OPTIMIZATION_ORIGINS)[number];

/** Who made a change or its undo: the engine itself (auto-apply, operator request), the optimizing engine, an operator by hand. */
export const OPTIMIZATION_ACTORS = ['engine', 'optimizing_engine', 'operator'] as const;
/** One of {@link OPTIMIZATION_ACTORS}. */
export type OptimizationActor = (typeof OPTIMIZATION_ACTORS)[number];

/** Actions that change something and have an undo; the others are advice the engine never applies. */
export const CHANGING_ACTIONS = ['create_index', 'drop_index', 'set_cpu_limit', 'set_memory_limit', 'set_agent_config'] as const satisfies readonly OptimizationAction[];
