/** Kinds of receivers findings can be delivered to (docs/delivery.md): a closed set. */
export const RECEIVER_TYPES = ['alertmanager', 'webhook', 'slack'] as const;
/** One of {@link RECEIVER_TYPES}. */
export type ReceiverType = (typeof RECEIVER_TYPES)[number];

/** What a delivered notice is about: a closed set. */
export const DELIVERY_FINDINGS = ['alert', 'bottleneck', 'optimization'] as const;
/** One of {@link DELIVERY_FINDINGS}. */
export type DeliveryFinding = (typeof DELIVERY_FINDINGS)[number];

/**
 * Severities of delivered notices, lowest first: the alert and bottleneck severities, plus `info`
 * for optimization verdicts that need nobody's attention.
 */
export const DELIVERY_SEVERITIES = ['info', 'warning', 'critical'] as const;
/** One of {@link DELIVERY_SEVERITIES}. */
export type DeliverySeverity = (typeof DELIVERY_SEVERITIES)[number];

/** Fields of a notice that receivers can group by. */
export const GROUP_FIELDS = ['finding', 'source', 'host', 'kind', 'severity'] as const;
/** One of {@link GROUP_FIELDS}. */
export type GroupField = (typeof GROUP_FIELDS)[number];
