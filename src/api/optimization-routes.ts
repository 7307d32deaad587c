import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { NAME_PATTERN } from '../model/metric-names.js';
import { OPTIMIZATION_STATUSES } from '../model/optimization.js';
import { parseTimeArg, TIME_ARG_HELP } from '../model/time.js';
import type { CommandResult, OptimizationService } from '../optimize/stage/optimization-service.js';
import { optimizationDetail, optimizationViews } from '../optimize/stage/optimization-views.js';
import { statusMessage } from '../optimize/optimization-record.js';
import type { Queryable } from '../store/db.js';
import { literalUnion } from '../wire/common.js';
import { ApiError, badRequest, ERROR_RESPONSES, notFound } from './api-errors.js';

/** What the optimization routes need from the running engine. */
export interface OptimizationRouteDeps {
  db(): Queryable;
  /** The optimization loop's commands (the data routes answer 503 until the engine runs). */
  optimizations(): OptimizationService;
}

const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

const ListQuery = Type.Object(
  {
    status: Type.Optional(literalUnion(OPTIMIZATION_STATUSES)),
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

function answer(r: CommandResult) {
  if (!r.ok) throw new ApiError(STATUS[r.code] ?? 409, r.code, r.message);
  return { optimization: statusMessage(r.record) };
}

/** A time argument of a body; `now` when absent; a 400 when it is none of the accepted forms. */
function timeOf(text: string | undefined): number {
  const at = text === undefined ? Date.now() : parseTimeArg(text, Date.now());
  if (Number.isNaN(at)) throw badRequest(`at: expected ${TIME_ARG_HELP}`);
  return at;
}

const Any = Type.Record(Type.String(), Type.Unknown());

/**
 * Optimizations under `/api/v1` (docs/optimization.md#cli-and-api): the list (the contract's
 * objects, newest first), one with its history, and the operator's commands: apply (the engine
 * carries it out with its applier), mark-applied (someone else applied it), rollback (the engine
 * applies the undo, or with `mark` records that someone else did).
 */
export function optimizationRoutes(deps: OptimizationRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    const ok = (schema: object) => ({ 200: schema, ...ERROR_RESPONSES });
    app.get('/optimizations', { schema: { querystring: ListQuery, response: ok(Type.Object({ optimizations: Type.Array(Any) })) } }, async (req) => ({
      optimizations: await optimizationViews(deps.db(), req.query),
    }));

    app.get('/optimizations/:id', { schema: { params: IdParams, response: ok(Any) } }, async (req) => {
      const d = await optimizationDetail(deps.db(), req.params.id);
      if (!d) throw notFound(`no optimization ${req.params.id}`);
      return d;
    });

    const Result = Type.Object({ optimization: Any });
    app.post('/optimizations/:id/apply', { schema: { params: IdParams, response: ok(Result) } }, async (req) => answer(await deps.optimizations().apply(req.params.id, 'operator')));

    app.post('/optimizations/:id/mark-applied', { schema: { params: IdParams, body: Type.Optional(AtBody), response: ok(Result) } }, async (req) =>
      answer(await deps.optimizations().markApplied(req.params.id, timeOf(req.body?.at), 'operator')),
    );

    app.post('/optimizations/:id/rollback', { schema: { params: IdParams, body: Type.Optional(RollbackBody), response: ok(Result) } }, async (req) => {
      const s = deps.optimizations();
      if (req.body?.mark !== true) {
        if (req.body?.at !== undefined) throw badRequest('at: only with mark (the engine applies the undo now)');
        return answer(await s.rollback(req.params.id, 'operator'));
      }
      return answer(await s.markRolledBack(req.params.id, timeOf(req.body.at), 'operator'));
    });
  };
}
