/** Severities of bottlenecks and alerts, lowest first. */
export const SEVERITIES = ['warning', 'critical'] as const;
/** A severity. */
export type Severity = (typeof SEVERITIES)[number];
