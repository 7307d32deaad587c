import Fastify, { type FastifyInstance, type onRequestHookHandler } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { DEFAULTS } from '../config/schema.js';
import { storeLayout } from '../store/history-query.js';
import { ProfileExportPool, type ProfileExporter } from '../profile/service/export-pool.js';
import { adviseRoutes, type AdviseRouteDeps } from './advise-routes.js';
import { anomalyRoutes } from './anomaly-routes.js';
import { alertRoutes, type AlertRouteDeps } from './alert-routes.js';
import { optimizationRoutes, type OptimizationRouteDeps } from './optimization-routes.js';
import { ApiError, clientErrors, installErrorHandling, refuseUnstorableText, routerErrors, type ErrorLog } from './api-errors.js';
import { finiteNumbers, requireFiniteNumbers } from './api-schemas.js';
import { bottleneckRoutes, type BottleneckRouteDeps } from './bottleneck-routes.js';
import { accessCheck, OPEN_ACCESS, type HttpAccess } from './http-auth.js';
import { metricRoutes, type MetricRouteDeps } from './metric-routes.js';
import { installOpenApi, openApiRoute } from './openapi.js';
import { profileRoutes, type ProfileRouteDeps } from './profile-routes.js';
import { NO_METRICS, prometheusRoute, type PrometheusSource } from './prometheus-route.js';
import { reportRoutes } from './report-routes.js';
import { prometheusRoutes } from './prometheus/prometheus-routes.js';
import { queryRoutes, type HistoryRouteDeps } from './query-routes.js';
import { statusRoutes, type StatusRouteDeps } from './status-routes.js';
import { liveRoutes, webRoutes, type WebRouteDeps } from './web-routes.js';

/** Where the engine is in its life. */
export const ENGINE_PHASES = ['starting', 'running', 'stopping'] as const;
/** An engine phase: the data routes answer only while it is `running`. */
export type EnginePhase = (typeof ENGINE_PHASES)[number];

/** What the API needs from the engine: the union of what each resource's routes need, and its phase. */
export interface ApiDeps extends StatusRouteDeps, MetricRouteDeps, HistoryRouteDeps, AlertRouteDeps, BottleneckRouteDeps, AdviseRouteDeps, OptimizationRouteDeps, WebRouteDeps, Omit<ProfileRouteDeps, 'exporter'> {
  phase(): EnginePhase;
  /** Where unexpected errors are logged, with their stacks. */
  readonly log: ErrorLog;
  /** Computes profile exports; by default a worker-thread pool that closes with the app. */
  readonly exporter?: ProfileExporter;
  /** The bearer tokens in force, null while unknown (every route but health then answers 503); none by default (everything open, as on loopback). */
  access?(): HttpAccess | null;
  /** What `GET /metrics` exposes; an empty exposition by default. */
  readonly metrics?: PrometheusSource;
}

/**
 * Answers 503 before the body is read or validated while the engine is not running: the store and
 * the stages the data routes read are not there yet (or any more), and a client should retry.
 */
function phaseGate(phase: () => EnginePhase): onRequestHookHandler {
  return async (_req, reply) => {
    const p = phase();
    if (p === 'running') return;
    reply.header('retry-after', '1');
    throw p === 'starting' ? new ApiError(503, 'starting', 'the engine is still starting; retry in a moment') : new ApiError(503, 'stopping', 'the engine is stopping');
  };
}

/**
 * Builds the engine's HTTP app (not listening): one plugin per resource under `/api/v1`, plus
 * `/metrics` and `/openapi.json`, schemas for every input and response, one error handler. Every
 * route of the app is behind the bearer-token check (the health routes, added later outside this
 * scope, are not). Status, configuration, metrics and the document answer in every phase; the
 * other routes answer 503 until the engine runs. Unknown query parameters and body fields are
 * refused rather than silently dropped. The Prometheus-compatible query API for Grafana is under
 * `/prometheus/api/v1`, with Prometheus's error shape.
 */
export function buildApi(deps: ApiDeps): FastifyInstance {
  const app = Fastify({ logger: false, frameworkErrors: routerErrors, clientErrorHandler: clientErrors, ajv: { customOptions: { removeAdditional: false }, plugins: [finiteNumbers] } }).withTypeProvider<TypeBoxTypeProvider>();
  const exporter = deps.exporter ?? new ProfileExportPool();
  if (!deps.exporter) app.addHook('onClose', () => exporter.close());
  installErrorHandling(app, deps.log);
  app.addHook('onRoute', (route) => requireFiniteNumbers(route.schema?.querystring));
  app.addHook('preValidation', async (req) => refuseUnstorableText(req.params, req.query, req.body));
  installOpenApi(app);
  void app.register(async (guarded) => {
    guarded.addHook('onRequest', accessCheck(deps.access ? () => deps.access!() : () => OPEN_ACCESS));
    await guarded.register(prometheusRoute(deps.metrics ?? NO_METRICS));
    await guarded.register(openApiRoute());
    await guarded.register(
      async (v1) => {
        await v1.register(statusRoutes(deps));
        await v1.register(async (data) => {
          data.addHook('onRequest', phaseGate(() => deps.phase()));
          await data.register(metricRoutes(deps));
          await data.register(queryRoutes(deps));
          await data.register(alertRoutes(deps));
          await data.register(anomalyRoutes(deps));
          await data.register(profileRoutes({ db: () => deps.db(), profiles: () => deps.profiles(), exporter }));
          await data.register(bottleneckRoutes(deps));
          await data.register(adviseRoutes(deps));
          await data.register(optimizationRoutes(deps));
          await data.register(liveRoutes(deps));
          await data.register(reportRoutes(deps));
        });
      },
      { prefix: '/api/v1' },
    );
    // Grafana's Prometheus data source, pointed at http://<engine>/prometheus, calls /prometheus/api/v1/...
    await guarded.register(prometheusRoutes({ db: () => deps.db(), layout: () => (deps.layout ? deps.layout() : storeLayout(DEFAULTS)), phase: () => deps.phase(), log: deps.log }), {
      prefix: '/prometheus/api/v1',
    });
  });
  // The dashboard (docs/dashboard.md): its page and bundle hold no data and answer in every phase;
  // the data it shows comes from the routes above, under their access check.
  void app.register(webRoutes());
  return app;
}
