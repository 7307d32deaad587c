import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { NAME_PATTERN } from '../model/metric-names.js';
import type { Queryable } from '../store/db.js';
import { listMetrics, listSources, querySeries } from '../store/metric-queries.js';
import { badRequest, ERROR_RESPONSES } from './api-errors.js';
import { limitParam, nullable, timeArg, timeParam } from './api-schemas.js';

/** What the metric routes need: the store. */
export interface MetricRouteDeps {
  db(): Queryable;
}

const Name = (description: string) => Type.String({ pattern: NAME_PATTERN, description });

const SourcesBody = Type.Object({
  sources: Type.Array(
    Type.Object({ source: Type.String(), host: nullable(Type.String()), labels: Type.Record(Type.String(), Type.String()), firstSeen: Type.String(), lastSeen: Type.String() }),
  ),
});
const MetricsQuery = Type.Object({ source: Name('a source') }, { additionalProperties: false });
const MetricsBody = Type.Object({ source: Type.String(), metrics: Type.Array(Type.String()) });
const SeriesQuery = Type.Object(
  {
    source: Name('a source'),
    metric: Name('a metric'),
    since: timeArg('start, default 1h'),
    until: timeArg('end, default now'),
    limit: limitParam(1_000_000, 'most samples returned, 1-1000000 (default 1000000)'),
  },
  { additionalProperties: false },
);
const SeriesBody = Type.Object({
  source: Type.String(),
  metric: Type.String(),
  samples: Type.Array(Type.Object({ timestamp: Type.String(), value: nullable(Type.Number()) })),
});

/** Sources, the metrics of one, and one series between two times. */
export function metricRoutes(deps: MetricRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/sources', { schema: { response: { 200: SourcesBody, ...ERROR_RESPONSES } } }, async () => ({ sources: await listSources(deps.db()) }));

    app.get('/metrics', { schema: { querystring: MetricsQuery, response: { 200: MetricsBody, ...ERROR_RESPONSES } } }, async (req) => ({
      source: req.query.source,
      metrics: await listMetrics(deps.db(), req.query.source),
    }));

    app.get('/series', { schema: { querystring: SeriesQuery, response: { 200: SeriesBody, ...ERROR_RESPONSES } } }, async (req) => {
      const q = req.query;
      const now = Date.now();
      const from = timeParam('since', q.since ?? '1h', now);
      const until = timeParam('until', q.until ?? 'now', now);
      if (until < from) throw badRequest('query parameter "until" is before "since"');
      const samples = await querySeries(deps.db(), q.source, q.metric, from, until, q.limit);
      return {
        source: q.source,
        metric: q.metric,
        // JSON has no NaN; the serializer would refuse one where JSON.stringify wrote null.
        samples: samples.map((s) => ({ timestamp: new Date(s.timestamp).toISOString(), value: Number.isFinite(s.value) ? s.value : null })),
      };
    });
  };
}
