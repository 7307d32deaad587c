import { Type, type Static } from '@sinclair/typebox';
import { Name, OutboundTimestamp, literalUnion } from './common.js';
import { BOTTLENECK_KINDS } from '../model/bottleneck.js';
import { OPTIMIZATION_ACTIONS, OPTIMIZATION_STATUSES } from '../model/optimization.js';
import { SEVERITIES } from '../model/severity.js';

/** The usual level of one metric of the source. */
const Baseline = Type.Object({ p50: Type.Number(), p95: Type.Number() }, { additionalProperties: true });

/** A bottleneck of the source that has not resolved yet. */
const OpenBottleneck = Type.Object(
  { bottleneck_id: Type.String({ format: 'uuid' }), kind: literalUnion(BOTTLENECK_KINDS), severity: literalUnion(SEVERITIES) },
  { additionalProperties: true },
);

/** The latest status of an optimization of the source that has been judged, with its measured effect. */
const RecentVerdict = Type.Object(
  {
    optimization_id: Type.String({ format: 'uuid' }),
    action: literalUnion(OPTIMIZATION_ACTIONS),
    status: literalUnion(OPTIMIZATION_STATUSES),
    impact: Type.Object(
      { metric: Name, change_pct: Type.Number({ description: 'relative change from before to after, in percent (negative: lower)' }) },
      { additionalProperties: true },
    ),
  },
  { additionalProperties: true },
);

/** `performance.insights`: a digest of one source for the intelligence engine. */
export const InsightsMessage = Type.Object(
  {
    source: Name,
    at: OutboundTimestamp,
    baselines: Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,128}$' }), Baseline, {
      additionalProperties: false,
      description: 'metric name -> its usual p50 and p95',
    }),
    open_bottlenecks: Type.Array(OpenBottleneck),
    recent_verdicts: Type.Array(RecentVerdict),
    databases: Type.Optional(
      Type.Array(
        Type.Object(
          { database: Type.String(), time_saved_ms_per_day: Type.Number(), verified_indexes: Type.Integer({ minimum: 1 }) },
          { additionalProperties: true },
        ),
        { description: 'project extension: per database, statement time saved per day by the verified indexes of this source' },
      ),
    ),
  },
  { $id: 'performance.insights', additionalProperties: true },
);
/** A `performance.insights` message. */
export type InsightsMessage = Static<typeof InsightsMessage>;
