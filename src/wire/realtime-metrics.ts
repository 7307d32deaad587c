import { Type, type Static } from '@sinclair/typebox';
import { HEALTH_STATES, type MetricSnapshot } from '../model/snapshot.js';
import { InboundTimestamp, Name } from './common.js';
import { MAX_LABELS, MAX_LABEL_VALUE_LENGTH, MAX_METRICS_PER_SNAPSHOT } from '../model/limits.js';
import { NAME_PATTERN } from '../model/metric-names.js';

/**
 * A label value: any text without NUL and without half of a surrogate pair, neither of which
 * PostgreSQL's jsonb can store (the pattern is matched per code point, so whole pairs pass).
 */
export const LABEL_VALUE_PATTERN = '^[^\\u0000\\uD800-\\uDFFF]*$';

/** `monitoring.realtime_metrics` (and `performance.metrics`): one snapshot of one source. */
export const SnapshotWire = Type.Object(
  {
    source: Name,
    timestamp: InboundTimestamp,
    metrics: Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,128}$' }), Type.Number(), {
      minProperties: 1,
      maxProperties: MAX_METRICS_PER_SNAPSHOT,
      additionalProperties: false,
      description: 'metric name -> finite number',
    }),
    host: Type.Optional(Name),
    labels: Type.Optional(
      Type.Record(Type.String({ pattern: NAME_PATTERN }), Type.String({ maxLength: MAX_LABEL_VALUE_LENGTH, pattern: LABEL_VALUE_PATTERN }), {
        maxProperties: MAX_LABELS,
        additionalProperties: false,
        description: 'label name (the name rule) -> text of at most 1024 characters, without NUL or unpaired surrogates',
      }),
    ),
    health: Type.Optional(Type.Union(HEALTH_STATES.map((h) => Type.Literal(h)))),
  },
  { additionalProperties: true },
);
export type SnapshotWire = Static<typeof SnapshotWire>;

/** The message: one snapshot, or a JSON array of snapshots (a batch). */
export const RealtimeMetricsMessage = Type.Union([SnapshotWire, Type.Array(SnapshotWire, { minItems: 1 })], {
  $id: 'monitoring.realtime_metrics',
});

/** The wire form of a snapshot, as the engine publishes it (RFC 3339 UTC with milliseconds). */
export function snapshotToWire(s: MetricSnapshot): Record<string, unknown> {
  const w: Record<string, unknown> = { source: s.source };
  if (s.host !== undefined) w.host = s.host;
  w.timestamp = new Date(s.timestamp).toISOString();
  w.metrics = s.metrics;
  if (s.labels !== undefined) w.labels = s.labels;
  if (s.health !== undefined) w.health = s.health;
  return w;
}
