import Fastify, { type FastifyInstance } from 'fastify';

/** What `/readyz` reports; `ready: false` answers 503. */
export interface ReadinessReport {
  readonly ready: boolean;
}

/** Health routes are open: probes and load balancers call them without a token. */
const OPEN = { security: [] as never[] };

/**
 * The HTTP server of a process: `/healthz` (liveness: the process answers) and `/readyz`
 * (readiness, from `readiness`), added to `app` (the engine's API) or to a bare server. It listens
 * first, so liveness answers during a slow start. The routes are added as a plugin, so that
 * plugins registered on `app` before (the OpenAPI generator) see them.
 */
export function createHealthServer(agentId: string, readiness: () => Promise<ReadinessReport>, app: FastifyInstance = Fastify({ logger: false })): FastifyInstance {
  void app.register(async (health) => {
    health.get('/healthz', { schema: { description: 'Liveness: the process answers.', ...OPEN } }, async () => ({
      status: 'ok',
      agent_id: agentId,
      uptime_s: Math.round(process.uptime()),
    }));
    health.get('/readyz', { schema: { description: 'Readiness: bus, database and components; 503 when not ready.', ...OPEN } }, async (_req, reply) => {
      const r = await readiness();
      return reply.code(r.ready ? 200 : 503).send(r);
    });
  });
  return app;
}

/** The URL a listening server answers on, or null before it listens. */
export function listeningAddress(app: FastifyInstance | null): string | null {
  const addr = app?.server.address();
  if (!addr || typeof addr === 'string') return addr ?? null;
  return `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
}
