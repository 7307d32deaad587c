import type { DeliveryFinding, DeliverySeverity, GroupField } from '../model/delivery.js';

/** What happened to a finding, as delivered. */
export const NOTICE_EVENTS = ['firing', 'resolved', 'escalated', 'deescalated', 'renotify', 'verdict'] as const;
/** One of {@link NOTICE_EVENTS}. */
export type NoticeEvent = (typeof NOTICE_EVENTS)[number];

/**
 * One deliverable event about a finding, whatever the receiver: built from the wire message the
 * engine publishes on NATS (which it carries along in `message`). Plain JSON, so it can be stored.
 */
export interface Notice {
  readonly finding: DeliveryFinding;
  /** `alert_id`, `bottleneck_id` or `optimization_id`. */
  readonly id: string;
  readonly event: NoticeEvent;
  /** `firing` while the finding lasts (and for one-shot verdicts), `resolved` at its end. */
  readonly state: 'firing' | 'resolved';
  /** False for one-shot events (optimization verdicts): nothing resolves them, nothing keeps them alive. */
  readonly lasting: boolean;
  readonly severity: DeliverySeverity;
  readonly source: string;
  readonly host: string | null;
  /** The metric of an alert, the kind of a bottleneck, the action of an optimization. */
  readonly kind: string;
  readonly metric: string | null;
  /** Extra labels a receiver may show or route on (rule, status). */
  readonly labels: Readonly<Record<string, string>>;
  /** One line. */
  readonly summary: string;
  readonly description: string;
  /** Start of the finding (RFC 3339). */
  readonly startsAt: string;
  /** End of the finding (resolved only). */
  readonly endsAt: string | null;
  /** Path under the engine's base URL that shows the finding. */
  readonly link: string;
  /**
   * Identity of this event for deduplication: `<id>|firing` and `<id>|resolved` (one each per
   * finding); updates and verdicts carry what makes them distinct.
   */
  readonly key: string;
  /** The wire message the notice was built from. */
  readonly message: Readonly<Record<string, unknown>>;
}

/** The value of a group field of a notice. */
export function groupValue(n: Notice, field: GroupField): string {
  return field === 'host' ? (n.host ?? '') : n[field];
}
