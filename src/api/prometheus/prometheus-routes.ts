import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type TSchema } from '@sinclair/typebox';
import { DEFAULTS } from '../../config/schema.js';
import type { Queryable } from '../../store/db.js';
import { QueryLimitError, storeLayout } from '../../store/history-query.js';
import type { StoreLayout } from '../../store/range-plan.js';
import type { ErrorLog } from '../api-errors.js';
import { PromQLError } from './promql-parse.js';
import { BadData, LABEL_NAME, parseForm, type Params } from './prometheus-params.js';
import { instantQuery, labelSets, rangeQuery, type PromStore } from './prometheus-queries.js';
import { LabelPath, LabelSets, Matrix, MetaParams, PROM_ERRORS, QueryParams, QueryRangeParams, Scalar, StringList, success, Vector } from './prometheus-schemas.js';

/** What the Prometheus-compatible routes need. */
export interface PrometheusRouteDeps {
  db(): Queryable;
  layout?(): StoreLayout;
  phase(): 'starting' | 'running' | 'stopping';
  readonly log: ErrorLog;
}

class Unavailable extends Error {
  override readonly name = 'Unavailable';
}

function sendError(reply: FastifyReply, status: number, errorType: string, error: string): FastifyReply {
  return reply.code(status).send({ status: 'error', errorType, error });
}

/** Query string and form body merged (the body's values first, as Prometheus reads them). */
function merged(req: FastifyRequest): Params {
  const body = req.body && typeof req.body === 'object' ? (req.body as Params) : {};
  return { ...(req.query as Params), ...body };
}

/**
 * Form bodies, the 503 while the engine is not running, and every error in Prometheus's shape:
 * bad_data (400) for what the client sent, execution (422) for too many series, unavailable (503),
 * not_found (404), internal (500, logged, no details).
 */
function installEdge(app: FastifyInstance, deps: PrometheusRouteDeps): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, parseForm(String(body))));
  app.addHook('onRequest', async (_req, reply) => {
    const p = deps.phase();
    if (p === 'running') return;
    reply.header('retry-after', '1');
    throw new Unavailable(p === 'starting' ? 'the engine is still starting; retry in a moment' : 'the engine is stopping');
  });
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof Unavailable) return sendError(reply, 503, 'unavailable', err.message);
    if (err instanceof PromQLError) return sendError(reply, 400, 'bad_data', `invalid parameter "query": ${err.message}`);
    if (err instanceof BadData) return sendError(reply, 400, 'bad_data', err.message);
    if (err instanceof QueryLimitError) return err.limit === 'points' ? sendError(reply, 400, 'bad_data', err.message) : sendError(reply, 422, 'execution', err.message);
    if (err.validation) return sendError(reply, 400, 'bad_data', `invalid parameter "${err.validation[0]?.instancePath.replace(/^\//, '') || 'input'}": ${err.validation[0]?.message ?? 'invalid'}`);
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) return sendError(reply, status, 'bad_data', err.message);
    deps.log.error({ err, method: req.method, url: req.url }, 'HTTP request failed');
    return sendError(reply, 500, 'internal', 'internal error; the engine log has the details');
  });
  app.setNotFoundHandler((req, reply) => sendError(reply, 404, 'not_found', `no route ${req.method} ${req.url.split('?')[0]}`));
}

/**
 * The part of Prometheus's HTTP API that Grafana's Prometheus data source calls, under
 * `/prometheus/api/v1` (docs/history.md#prometheus-http-api-for-grafana): instant and range
 * queries of the PromQL subset, label names and values, series; GET or POST (form body); answers
 * and errors in Prometheus's JSON shapes.
 */
export function prometheusRoutes(deps: PrometheusRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    installEdge(app, deps);
    const store = (): PromStore => ({ db: deps.db(), layout: deps.layout?.() ?? storeLayout(DEFAULTS) });
    const ok = <T>(data: T) => ({ status: 'success' as const, data });
    // The schemas document the answers; JSON.stringify writes them: on 10^5 samples it is 4-5 times
    // faster than the schema-compiled serializer, and the handlers build exactly those shapes.
    const serializerCompiler = () => (data: unknown) => JSON.stringify(data);
    /** GET with a query string, or POST with a form body (Grafana's default), same answer. */
    const both = <T extends TSchema, R extends TSchema>(url: string, input: T, response: R, handler: (p: Params) => Promise<unknown>) => {
      const handle = (req: FastifyRequest) => handler(merged(req));
      app.get(url, { schema: { querystring: input, response: { 200: response, ...PROM_ERRORS } }, serializerCompiler }, handle as never);
      app.post(url, { schema: { querystring: input, body: input, response: { 200: response, ...PROM_ERRORS } }, serializerCompiler }, handle as never);
    };
    both('/query', QueryParams, success(Type.Union([Vector, Scalar])), async (p) => ok(await instantQuery(store(), p)));
    both('/query_range', QueryRangeParams, success(Matrix), async (p) => ok(await rangeQuery(store(), p)));
    both('/labels', MetaParams, success(StringList), async (p) => ok([...new Set((await labelSets(store(), p, false)).flatMap((l) => Object.keys(l)))].sort()));
    both('/series', MetaParams, success(LabelSets), async (p) => ok(await labelSets(store(), p, true)));
    app.get('/label/:name/values', { schema: { params: LabelPath, querystring: MetaParams, response: { 200: success(StringList), ...PROM_ERRORS } } }, async (req) => {
      const name = req.params.name;
      if (!LABEL_NAME.test(name)) throw new BadData(`invalid label name: "${name}"`);
      const sets = await labelSets(store(), merged(req), false);
      return ok([...new Set(sets.flatMap((l) => (l[name] === undefined ? [] : [l[name]])))].sort());
    });
    const MetadataBody = success(Type.Record(Type.String(), Type.Array(Type.Object({ type: Type.String(), help: Type.String(), unit: Type.String() }))));
    app.get('/metadata', { schema: { response: { 200: MetadataBody, ...PROM_ERRORS } } }, async () => ok({}));
  };
}
