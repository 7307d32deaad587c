import Fastify, { type FastifyInstance, type onRequestHookHandler } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { DEFAULTS } from '../config/schema.js';
import { storeLayout } from '../store/history-query.js';
import { ProfileExportPool, type ProfileExporter } from '../profile/service/export-pool.js';
import { alertRoutes, type AlertRouteDeps } from './alert-routes.js';
import { ApiError, installErrorHandling, type ErrorLog } from './api-errors.js';
import { finiteNumbers } from './api-schemas.js';
import { bottleneckRoutes, type BottleneckRouteDeps } from './bottleneck-routes.js';
import { metricRoutes, type MetricRouteDeps } from './metric-routes.js';
import { profileRoutes, type ProfileRouteDeps } from './profile-routes.js';
import { prometheusRoutes } from './prometheus/prometheus-routes.js';
import { queryRoutes, type HistoryRouteDeps } from './query-routes.js';
import { statusRoutes, type StatusRouteDeps } from './status-routes.js';

/** Where the engine is in its life. */
export const ENGINE_PHASES = ['starting', 'running', 'stopping'] as const;
/** An engine phase: the data routes answer only while it is `running`. */
export type EnginePhase = (typeof ENGINE_PHASES)[number];

/** What the API needs from the engine: the union of what each resource's routes need, and its phase. */
export interface ApiDeps extends StatusRouteDeps, MetricRouteDeps, HistoryRouteDeps, AlertRouteDeps, BottleneckRouteDeps, Omit<ProfileRouteDeps, 'exporter'> {
  phase(): EnginePhase;
  /** Where unexpected errors are logged, with their stacks. */
  readonly log: ErrorLog;
  /** Computes profile exports; by default a worker-thread pool that closes with the app. */
  readonly exporter?: ProfileExporter;
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
 * Builds the engine's HTTP app (not listening): one plugin per resource under `/api/v1`, schemas
 * for every input and response, one error handler; and the Prometheus-compatible query API under
 * `/prometheus/api/v1`, with Prometheus's error shape. Status and configuration answer in every
 * phase; the other routes answer 503 until the engine runs. Unknown query parameters and body
 * fields are refused rather than silently dropped.
 */
export function buildApi(deps: ApiDeps): FastifyInstance {
  const app = Fastify({ logger: false, ajv: { customOptions: { removeAdditional: false }, plugins: [finiteNumbers] } }).withTypeProvider<TypeBoxTypeProvider>();
  const exporter = deps.exporter ?? new ProfileExportPool();
  if (!deps.exporter) app.addHook('onClose', () => exporter.close());
  installErrorHandling(app, deps.log);
  void app.register(
    async (v1) => {
      await v1.register(statusRoutes(deps));
      await v1.register(async (data) => {
        data.addHook('onRequest', phaseGate(() => deps.phase()));
        await data.register(metricRoutes(deps));
        await data.register(queryRoutes(deps));
        await data.register(alertRoutes(deps));
        await data.register(profileRoutes({ db: () => deps.db(), profiles: () => deps.profiles(), exporter }));
        await data.register(bottleneckRoutes(deps));
      });
    },
    { prefix: '/api/v1' },
  );
  // Grafana's Prometheus data source, pointed at http://<engine>/prometheus, calls /prometheus/api/v1/...
  void app.register(prometheusRoutes({ db: () => deps.db(), layout: () => (deps.layout ? deps.layout() : storeLayout(DEFAULTS)), phase: () => deps.phase(), log: deps.log }), {
    prefix: '/prometheus/api/v1',
  });
  return app;
}
