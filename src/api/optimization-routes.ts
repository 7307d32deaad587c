import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type, type Static, type TLiteral, type TUnion } from '@sinclair/typebox';
import { NAME_PATTERN } from '../model/metric-names.js';
import { OPTIMIZATION_STATUSES } from '../model/optimization.js';
import { parseTimeArg, TIME_ARG_HELP } from '../model/time.js';
import type { CommandResult, OptimizationService } from '../optimize/stage/optimization-service.js';
import { optimizationDetail, optimizationViews } from '../optimize/stage/optimization-views.js';
import { statusMessage } from '../optimize/optimization-record.js';
import type { Queryable } from '../store/db.js';

/** What the optimization routes need from the running engine. */
export interface OptimizationRouteDeps {
  db(): Queryable | null;
  /** The optimization loop's commands; null while the engine is starting. */
  optimizations(): OptimizationService | null;
}

const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

function literals<T extends string>(values: readonly T[]): TUnion<TLiteral<T>[]> {
  return Type.Union(values.map((v) => Type.Literal(v)));
}

const ListQuery = Type.Object(
  {
    status: Type.Optional(literals(OPTIMIZATION_STATUSES)),
    source: Type.Optional(Type.String({ pattern: NAME_PATTERN })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.String({ pattern: UUID }) });
const AtBody = Type.Object({ at: Type.Optional(Type.String({ minLength: 1, description: `when it took effect: ${TIME_ARG_HELP} (default now)` })) }, { additionalProperties: false });
const RollbackBody = Type.Object(
  {
    mark: Type.Optional(Type.Boolean({ description: 'record an undo someone else applied, instead of applying it with the engine' })),
    at: Type.Optional(Type.String({ minLength: 1, description: `with mark, when the undo took effect: ${TIME_ARG_HELP} (default now)` })),
  },
  { additionalProperties: false },
);

/** HTTP status of each refusal code of the commands. */
const STATUS: Readonly<Record<string, number>> = { not_found: 404, invalid: 400, apply_failed: 502 };

function fail(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.code(status).send({ error: { code, message } });
}

function answer(reply: FastifyReply, r: CommandResult) {
  if (!r.ok) return fail(reply, STATUS[r.code] ?? 409, r.code, r.message);
  return { optimization: statusMessage(r.record) };
}

/** A time argument of a body, or NaN; `now` when absent. */
const timeOf = (text: string | undefined) => (text === undefined ? Date.now() : parseTimeArg(text, Date.now()));

/**
 * Optimizations under `/api/v1` (docs/optimization.md#cli-and-api): the list (the contract's
 * objects, newest first), one with its history, and the operator's commands: apply (the engine
 * carries it out with its applier), mark-applied (someone else applied it), rollback (the engine
 * applies the undo, or with `mark` records that someone else did).
 */
export function registerOptimizationRoutes(app: FastifyInstance, deps: OptimizationRouteDeps): void {
  app.get<{ Querystring: Static<typeof ListQuery> }>('/api/v1/optimizations', { schema: { querystring: ListQuery } }, async (req, reply) => {
    const db = deps.db();
    if (!db) return fail(reply, 503, 'starting', 'the engine is still starting');
    return { optimizations: await optimizationViews(db, req.query) };
  });

  app.get<{ Params: Static<typeof IdParams> }>('/api/v1/optimizations/:id', { schema: { params: IdParams } }, async (req, reply) => {
    const db = deps.db();
    if (!db) return fail(reply, 503, 'starting', 'the engine is still starting');
    const d = await optimizationDetail(db, req.params.id);
    return d ?? fail(reply, 404, 'not_found', `no optimization ${req.params.id}`);
  });

  app.post<{ Params: Static<typeof IdParams> }>('/api/v1/optimizations/:id/apply', { schema: { params: IdParams } }, async (req, reply) => {
    const s = deps.optimizations();
    if (!s) return fail(reply, 503, 'starting', 'the engine is still starting');
    return answer(reply, await s.apply(req.params.id, 'operator'));
  });

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof AtBody> }>('/api/v1/optimizations/:id/mark-applied', { schema: { params: IdParams, body: AtBody } }, async (req, reply) => {
    const s = deps.optimizations();
    if (!s) return fail(reply, 503, 'starting', 'the engine is still starting');
    const at = timeOf(req.body?.at);
    if (Number.isNaN(at)) return fail(reply, 400, 'bad_request', `at: expected ${TIME_ARG_HELP}`);
    return answer(reply, await s.markApplied(req.params.id, at, 'operator'));
  });

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof RollbackBody> }>('/api/v1/optimizations/:id/rollback', { schema: { params: IdParams, body: RollbackBody } }, async (req, reply) => {
    const s = deps.optimizations();
    if (!s) return fail(reply, 503, 'starting', 'the engine is still starting');
    if (req.body?.mark !== true) {
      if (req.body?.at !== undefined) return fail(reply, 400, 'bad_request', 'at: only with mark (the engine applies the undo now)');
      return answer(reply, await s.rollback(req.params.id, 'operator'));
    }
    const at = timeOf(req.body.at);
    if (Number.isNaN(at)) return fail(reply, 400, 'bad_request', `at: expected ${TIME_ARG_HELP}`);
    return answer(reply, await s.markRolledBack(req.params.id, at, 'operator'));
  });
}
