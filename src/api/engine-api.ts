import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Queryable } from '../store/db.js';
import { listMetrics, listSources, querySeries } from '../store/metric-queries.js';
import { parseTimeArg, TIME_ARG_HELP } from '../model/time.js';
import { NAME_PATTERN } from '../model/metric-names.js';
import { registerProfileRoutes, type ProfileRouteDeps } from './profile-routes.js';
import { registerAlertRoutes, type AlertRouteDeps } from './alert-routes.js';
import { registerBottleneckRoutes } from './bottleneck-routes.js';
import { registerOptimizationRoutes, type OptimizationRouteDeps } from './optimization-routes.js';

/** What the API reads from the running engine. */
export interface ApiDeps {
  /** The database, or null while the engine is starting. */
  db(): Queryable | null;
  /** The engine's status object. */
  status(): Promise<unknown>;
  /** The effective configuration with origins, secrets masked. */
  config(): unknown;
  /** The profile service, or null while the engine is starting. */
  profiles: ProfileRouteDeps['profiles'];
  /** The alerting stage, or null while the engine is starting. */
  alerting: AlertRouteDeps['alerting'];
  /** The optimization loop's commands, or null while the engine is starting. */
  optimizations: OptimizationRouteDeps['optimizations'];
}

const SeriesQuery = Type.Object(
  {
    source: Type.String({ pattern: NAME_PATTERN }),
    metric: Type.String({ pattern: NAME_PATTERN }),
    since: Type.Optional(Type.String({ minLength: 1, description: TIME_ARG_HELP })),
    until: Type.Optional(Type.String({ minLength: 1, description: TIME_ARG_HELP })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  },
  { additionalProperties: false },
);

const MetricsQuery = Type.Object({ source: Type.String({ pattern: NAME_PATTERN }) }, { additionalProperties: false });

/** An API error body: a stable code and a sentence. */
function fail(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.code(status).send({ error: { code, message } });
}

/**
 * Registers the read API of the engine under `/api/v1`: status, configuration, sources and
 * series. Query strings are validated by their schemas; a bad one gets 400 with the reason.
 */
export function registerEngineApi(app: FastifyInstance, deps: ApiDeps): void {
  app.setErrorHandler((err: { statusCode?: number; validation?: unknown; message: string }, _req, reply) => {
    if (err.validation) return fail(reply, 400, 'bad_request', err.message);
    return fail(reply, err.statusCode ?? 500, 'internal', err.message);
  });
  app.setNotFoundHandler((req, reply) => fail(reply, 404, 'not_found', `no route ${req.method} ${req.url}`));

  app.get('/api/v1/status', async () => deps.status());
  registerProfileRoutes(app, deps);
  registerAlertRoutes(app, deps);
  registerBottleneckRoutes(app, deps);
  registerOptimizationRoutes(app, deps);
  app.get('/api/v1/config', async () => deps.config());

  app.get('/api/v1/sources', async (_req, reply) => {
    const db = deps.db();
    if (!db) return fail(reply, 503, 'starting', 'the engine is still starting');
    return { sources: await listSources(db) };
  });

  app.get<{ Querystring: Static<typeof MetricsQuery> }>(
    '/api/v1/metrics',
    { schema: { querystring: MetricsQuery } },
    async (req, reply) => {
      const db = deps.db();
      if (!db) return fail(reply, 503, 'starting', 'the engine is still starting');
      return { source: req.query.source, metrics: await listMetrics(db, req.query.source) };
    },
  );

  app.get<{ Querystring: Static<typeof SeriesQuery> }>(
    '/api/v1/series',
    { schema: { querystring: SeriesQuery } },
    async (req, reply) => {
      const db = deps.db();
      if (!db) return fail(reply, 503, 'starting', 'the engine is still starting');
      const now = Date.now();
      const from = parseTimeArg(req.query.since ?? '1h', now);
      const until = parseTimeArg(req.query.until ?? 'now', now);
      if (Number.isNaN(from)) return fail(reply, 400, 'bad_request', `since: expected ${TIME_ARG_HELP}`);
      if (Number.isNaN(until)) return fail(reply, 400, 'bad_request', `until: expected ${TIME_ARG_HELP}`);
      if (until < from) return fail(reply, 400, 'bad_request', 'until is before since');
      const samples = await querySeries(db, req.query.source, req.query.metric, from, until, req.query.limit);
      return {
        source: req.query.source,
        metric: req.query.metric,
        samples: samples.map((s) => ({ timestamp: new Date(s.timestamp).toISOString(), value: s.value })),
      };
    },
  );
}
