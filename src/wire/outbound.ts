import { Type, type Static } from '@sinclair/typebox';
import { ALERT_MESSAGE_STATES, ALERT_RESOLVE_REASONS, ALERT_RULES, ALERT_UPDATES } from '../model/alert.js';
import { BOTTLENECK_KINDS, BOTTLENECK_RESOLVE_REASONS, BOTTLENECK_STATUSES, BOTTLENECK_UPDATES, RELATIONS } from '../model/bottleneck.js';
import { PROFILE_KINDS, ProfileTarget } from '../model/profile.js';
import { SEVERITIES } from '../model/severity.js';
import { Name, OutboundTimestamp, literalUnion } from './common.js';

/** A recommended action. */
export const Recommendation = Type.Object({
  action: Type.String(),
  params: Type.Record(Type.String(), Type.Unknown()),
  rationale: Type.String(),
});

/** A source taking part in another source's bottleneck (docs/diagnosis.md). */
export const RelatedSource = Type.Object(
  {
    source: Name,
    relation: literalUnion(RELATIONS, 'shows the same cause; is the host resource it consumes; is affected by it'),
    kind: literalUnion(BOTTLENECK_KINDS),
    metric: Name,
    value: Type.Union([Type.Number(), Type.Null()]),
    baseline: Type.Union([Type.Number(), Type.Null()]),
    ratio: Type.Union([Type.Number(), Type.Null()]),
  },
  { additionalProperties: true },
);

/** Project extensions of a bottleneck message: the episode around the detection. */
const BottleneckExtras = {
  status: Type.Optional(literalUnion(BOTTLENECK_STATUSES, 'active until the signature has been gone for diagnose_clear_seconds')),
  started_at: Type.Optional(Type.Union([OutboundTimestamp, Type.Null()], { description: 'onset of the signature (event time); detected_at is onset plus the hold' })),
  resolved_at: Type.Optional(Type.Union([OutboundTimestamp, Type.Null()], { description: 'when the signature stopped showing (event time)' })),
  host: Type.Optional(Type.Union([Name, Type.Null()], { description: 'host of the source' })),
  related_sources: Type.Optional(Type.Array(RelatedSource, { description: 'other sources in this bottleneck (Watchdog-style grouping)' })),
};

/** `performance.bottleneck_detected`: once per bottleneck episode (`bottleneck_id`). */
export const BottleneckMessage = Type.Object(
  {
    bottleneck_id: Type.String({ format: 'uuid' }),
    detected_at: OutboundTimestamp,
    source: Name,
    kind: literalUnion(BOTTLENECK_KINDS),
    severity: literalUnion(SEVERITIES),
    metric: Type.Union([Name, Type.Null()]),
    summary: Type.String(),
    evidence: Type.Record(Type.String(), Type.Unknown()),
    recommendations: Type.Array(Recommendation),
    ...BottleneckExtras,
  },
  { $id: 'performance.bottleneck_detected', additionalProperties: true },
);
export type BottleneckMessage = Static<typeof BottleneckMessage>;

/**
 * `performance.bottleneck_updated` (project extension): a later version of a published bottleneck
 * (same `bottleneck_id`): escalated, new related sources, evidence grown, or resolved.
 */
export const BottleneckUpdateMessage = Type.Object(
  {
    ...BottleneckMessage.properties,
    status: literalUnion(BOTTLENECK_STATUSES),
    update: literalUnion(BOTTLENECK_UPDATES, 'what changed'),
    updated_at: OutboundTimestamp,
    previous_severity: Type.Optional(literalUnion(SEVERITIES, 'severity before an escalation')),
    resolve_reason: Type.Optional(
      Type.Union([literalUnion(BOTTLENECK_RESOLVE_REASONS), Type.Null()], { description: 'why it ended (resolved only)' }),
    ),
  },
  { $id: 'performance.bottleneck_updated', additionalProperties: true },
);
export type BottleneckUpdateMessage = Static<typeof BottleneckUpdateMessage>;

/** A hotspot of `performance.profile_report`. */
export const Hotspot = Type.Object({
  function: Type.String(),
  url: Type.String(),
  line: Type.Integer(),
  self_ms: Type.Number(),
  self_pct: Type.Number(),
  total_ms: Type.Number(),
  total_pct: Type.Number(),
});

/** `performance.profile_report`: a finished profile, or a failed one with `error` set. */
export const ProfileReportMessage = Type.Object(
  {
    profile_id: Type.String({ format: 'uuid' }),
    request_id: Type.Union([Type.String(), Type.Null()]),
    target: ProfileTarget,
    kind: literalUnion(PROFILE_KINDS),
    started_at: OutboundTimestamp,
    duration_ms: Type.Number({ minimum: 0 }),
    sample_count: Type.Integer({ minimum: 0 }),
    hotspots: Type.Array(Hotspot),
    error: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'performance.profile_report', additionalProperties: true },
);

/** Rules that raise alerts (docs/alerting.md). */
const AlertExtras = {
  rule: Type.Optional(literalUnion(ALERT_RULES, 'rule that raised the alert')),
  fired_at: Type.Optional(Type.Union([OutboundTimestamp, Type.Null()], { description: 'when the alert fired, after its hold (event time)' })),
  max_severity: Type.Optional(literalUnion(SEVERITIES, 'highest severity reached in the episode')),
  resolve_reason: Type.Optional(
    Type.Union([literalUnion(ALERT_RESOLVE_REASONS), Type.Null()], {
      description: 'why the episode ended (resolved messages only)',
    }),
  ),
  baseline: Type.Optional(Type.Union([Type.Number(), Type.Null()], { description: 'the baseline a degradation is measured from' })),
};

/** `performance.alert`: one `firing` and one `resolved` per episode (`alert_id`). */
export const AlertMessage = Type.Object(
  {
    alert_id: Type.String({ format: 'uuid' }),
    state: literalUnion(ALERT_MESSAGE_STATES),
    severity: literalUnion(SEVERITIES),
    source: Name,
    metric: Name,
    value: Type.Number(),
    threshold: Type.Union([Type.Number(), Type.Null()]),
    started_at: OutboundTimestamp,
    resolved_at: Type.Union([OutboundTimestamp, Type.Null()]),
    message: Type.String(),
    ...AlertExtras,
  },
  { $id: 'performance.alert', additionalProperties: true },
);
export type AlertMessage = Static<typeof AlertMessage>;

/** `performance.alert_update` (project extension): an escalation, de-escalation or re-notification of a firing alert. */
export const AlertUpdateMessage = Type.Object(
  {
    ...AlertMessage.properties,
    state: Type.Literal('firing'),
    update: literalUnion(ALERT_UPDATES, 'what changed within the episode'),
    previous_severity: Type.Optional(literalUnion(SEVERITIES, 'severity before an escalation or de-escalation')),
  },
  { $id: 'performance.alert_update', additionalProperties: true },
);

/** `performance.invalid_message`: a rejected inbound message (never more than 256 payload bytes). */
export const InvalidMessageNotice = Type.Object(
  {
    subject: Type.String(),
    reason: Type.String(),
    received_at: OutboundTimestamp,
    size_bytes: Type.Integer({ minimum: 0 }),
    code: Type.String(),
    payload_head: Type.String({ description: 'first bytes of the payload, at most 256' }),
    suppressed: Type.Integer({ minimum: 0, description: 'announcements skipped by the rate limit since the previous one' }),
  },
  { $id: 'performance.invalid_message', additionalProperties: true },
);
