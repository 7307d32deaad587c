import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { getBottleneck, listBottlenecks } from '../diagnose/stage/bottleneck-repo.js';
import { NAME_PATTERN } from '../model/metric-names.js';
import { parseTimeArg, TIME_ARG_HELP } from '../model/time.js';
import type { Queryable } from '../store/db.js';

/** What the bottleneck routes need from the running engine. */
export interface BottleneckRouteDeps {
  db(): Queryable | null;
}

const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

const ListQuery = Type.Object(
  {
    active: Type.Optional(Type.Boolean({ description: 'only active bottlenecks' })),
    source: Type.Optional(Type.String({ pattern: NAME_PATTERN })),
    since: Type.Optional(Type.String({ minLength: 1, description: `detected at or after: ${TIME_ARG_HELP}` })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.String({ pattern: UUID }) });

function fail(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.code(status).send({ error: { code, message } });
}

/** Bottlenecks under `/api/v1`: the list (newest first, filtered) and one by id. */
export function registerBottleneckRoutes(app: FastifyInstance, deps: BottleneckRouteDeps): void {
  app.get<{ Querystring: Static<typeof ListQuery> }>('/api/v1/bottlenecks', { schema: { querystring: ListQuery } }, async (req, reply) => {
    const db = deps.db();
    if (!db) return fail(reply, 503, 'starting', 'the engine is still starting');
    const since = req.query.since === undefined ? undefined : parseTimeArg(req.query.since, Date.now());
    if (since !== undefined && Number.isNaN(since)) return fail(reply, 400, 'bad_request', `since: expected ${TIME_ARG_HELP}`);
    return { bottlenecks: await listBottlenecks(db, { active: req.query.active, source: req.query.source, since, limit: req.query.limit }) };
  });

  app.get<{ Params: Static<typeof IdParams> }>('/api/v1/bottlenecks/:id', { schema: { params: IdParams } }, async (req, reply) => {
    const db = deps.db();
    if (!db) return fail(reply, 503, 'starting', 'the engine is still starting');
    const b = await getBottleneck(db, req.params.id);
    if (!b) return fail(reply, 404, 'not_found', `no bottleneck ${req.params.id}`);
    return { bottleneck: b };
  });
}
