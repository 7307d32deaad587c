import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { getBottleneck, listBottlenecks } from '../diagnose/stage/bottleneck-repo.js';
import { NAME_PATTERN } from '../model/metric-names.js';
import { TIME_ARG_HELP } from '../model/time.js';
import type { Queryable } from '../store/db.js';
import { ERROR_RESPONSES, notFound } from './api-errors.js';
import { IdParams, limitParam, nullable, timeArg, timeParam } from './api-schemas.js';

/** What the bottleneck routes need: the store. */
export interface BottleneckRouteDeps {
  db(): Queryable;
}

const Str = Type.String();
const NStr = nullable(Type.String());
const NNum = nullable(Type.Number());
const Bottleneck = Type.Object({
  bottleneck_id: Str,
  source: Str,
  kind: Str,
  severity: Str,
  metric: NStr,
  status: Str,
  started_at: Str,
  detected_at: Str,
  updated_at: Str,
  resolved_at: NStr,
  resolve_reason: NStr,
  summary: Str,
  evidence: Type.Record(Type.String(), Type.Unknown()),
  recommendations: Type.Array(Type.Object({ action: Str, params: Type.Record(Type.String(), Type.Unknown()), rationale: Str })),
  related_sources: Type.Array(Type.Object({ source: Str, relation: Str, kind: Str, metric: Str, value: NNum, baseline: NNum, ratio: NNum })),
  host: NStr,
});

const ListQuery = Type.Object(
  {
    active: Type.Optional(Type.Boolean({ description: 'only active bottlenecks' })),
    source: Type.Optional(Type.String({ pattern: NAME_PATTERN })),
    since: timeArg(`detected at or after: ${TIME_ARG_HELP}`),
    limit: limitParam(10_000, 'most bottlenecks returned, 1-10000 (default 100)'),
  },
  { additionalProperties: false },
);

/** Bottlenecks: the list (newest first, filtered) and one by id. */
export function bottleneckRoutes(deps: BottleneckRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/bottlenecks', { schema: { querystring: ListQuery, response: { 200: Type.Object({ bottlenecks: Type.Array(Bottleneck) }), ...ERROR_RESPONSES } } }, async (req) => {
      const q = req.query;
      const since = q.since === undefined ? undefined : timeParam('since', q.since, Date.now());
      return { bottlenecks: await listBottlenecks(deps.db(), { active: q.active, source: q.source, since, limit: q.limit }) };
    });

    app.get('/bottlenecks/:id', { schema: { params: IdParams, response: { 200: Type.Object({ bottleneck: Bottleneck }), ...ERROR_RESPONSES } } }, async (req) => {
      const b = await getBottleneck(deps.db(), req.params.id);
      if (!b) throw notFound(`no bottleneck ${req.params.id}`);
      return { bottleneck: b };
    });
  };
}
