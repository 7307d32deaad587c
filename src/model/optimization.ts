/** Statuses of an optimization, in lifecycle order. */
export const OPTIMIZATION_STATUSES = ['proposed', 'applied', 'verified', 'ineffective', 'regressed', 'rolled_back', 'failed'] as const;
/** An optimization status. */
export type OptimizationStatus = (typeof OPTIMIZATION_STATUSES)[number];
