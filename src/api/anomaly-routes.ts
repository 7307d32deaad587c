import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listAnomalies } from '../detect/stage/anomaly-log.js';
import { NAME_PATTERN } from '../model/metric-names.js';
import { TIME_ARG_HELP } from '../model/time.js';
import type { Queryable } from '../store/db.js';
import { badRequest, ERROR_RESPONSES } from './api-errors.js';
import { limitParam, nullable, timeArg, timeParam } from './api-schemas.js';

/** What the anomaly routes need: the store. */
export interface AnomalyRouteDeps {
  db(): Queryable;
}

/** Most anomaly events one answer holds. */
export const MAX_ANOMALIES = 10_000;

const AnomalyQuery = Type.Object(
  {
    source: Type.Optional(Type.Array(Type.String({ pattern: NAME_PATTERN }), { description: 'only these sources (repeat the parameter); default every source' })),
    metric: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'only this metric, as stored (`network_rx_bytes_per_sec.eth0`)' })),
    start: timeArg(`start of the period (default 1h before end): ${TIME_ARG_HELP}`),
    end: timeArg(`end of the period (default now): ${TIME_ARG_HELP}`),
    min_score: Type.Optional(Type.Number({ minimum: 0, maximum: 1, finite: true, description: 'only events scored at least this (0-1, default 0: every stored event)' })),
    limit: limitParam(MAX_ANOMALIES, `most events, 1-${MAX_ANOMALIES} (default 1000); when more match, the highest scores`),
  },
  { additionalProperties: false },
);

const AnomalyEvent = Type.Object({
  source: Type.String(),
  metric: Type.String({ description: 'the metric as stored' }),
  timestamp: Type.String({ description: "the flagged sample's own time" }),
  value: Type.Number(),
  score: Type.Number({ description: 'anomaly score, 0-1 (at least detect_anomaly_score when stored)' }),
  direction: nullable(Type.String({ description: '`above` or `below` the baseline' })),
  cause: nullable(Type.String({ description: 'the departure kind that drove the score' })),
  baseline: nullable(Type.Number({ description: 'the value the detector expected' })),
});

/** `GET /anomalies`: the samples the anomaly detector flagged in a period (docs/api.md#anomalies). */
export function anomalyRoutes(deps: AnomalyRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/anomalies', { schema: { querystring: AnomalyQuery, response: { 200: Type.Object({ anomalies: Type.Array(AnomalyEvent) }), ...ERROR_RESPONSES } } }, async (req) => {
      const q = req.query;
      const now = Date.now();
      const endMs = timeParam('end', q.end ?? 'now', now);
      const startMs = q.start === undefined ? endMs - 3_600_000 : timeParam('start', q.start, now);
      if (endMs < startMs) throw badRequest('query parameter "end" is before "start"');
      const anomalies = await listAnomalies(deps.db(), {
        startMs,
        endMs,
        sources: q.source ?? null,
        ...(q.metric !== undefined ? { metric: q.metric } : {}),
        ...(q.min_score !== undefined ? { minScore: q.min_score } : {}),
        limit: q.limit ?? 1000,
      });
      return { anomalies };
    });
  };
}
