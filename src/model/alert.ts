/** States of an alert episode as stored; only `firing` and `resolved` are published. */
export const ALERT_STATES = ['pending', 'firing', 'resolved'] as const;
/** An alert state. */
export type AlertState = (typeof ALERT_STATES)[number];

/** States an alert message carries on the wire. */
export const ALERT_MESSAGE_STATES = ['firing', 'resolved'] as const;

/** Rules that raise alerts. */
export const ALERT_RULES = ['threshold', 'degradation'] as const;
/** An alert rule kind. */
export type AlertRule = (typeof ALERT_RULES)[number];

/** Why an alert episode ended. */
export const ALERT_RESOLVE_REASONS = ['cleared', 'stale', 'rule_removed', 'baseline_adapted'] as const;
/** An alert resolve reason. */
export type AlertResolveReason = (typeof ALERT_RESOLVE_REASONS)[number];

/** What a `performance.alert_update` message changes within a firing episode. */
export const ALERT_UPDATES = ['escalated', 'deescalated', 'renotify'] as const;
/** An alert update kind. */
export type AlertUpdate = (typeof ALERT_UPDATES)[number];
