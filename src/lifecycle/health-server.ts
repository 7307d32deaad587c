import Fastify, { type FastifyInstance } from 'fastify';

/** What `/readyz` reports; `ready: false` answers 503. */
export interface ReadinessReport {
  readonly ready: boolean;
}

/**
 * The HTTP server of a process: `/healthz` (liveness: the process answers) and `/readyz`
 * (readiness, from `readiness`), added to `app` (the engine's API) or to a bare server. It listens
 * first, so liveness answers during a slow start.
 */
export function createHealthServer(agentId: string, readiness: () => Promise<ReadinessReport>, app: FastifyInstance = Fastify({ logger: false })): FastifyInstance {
  app.get('/healthz', async () => ({ status: 'ok', agent_id: agentId, uptime_s: Math.round(process.uptime()) }));
  app.get('/readyz', async (_req, reply) => {
    const r = await readiness();
    return reply.code(r.ready ? 200 : 503).send(r);
  });
  return app;
}

/** The URL a listening server answers on, or null before it listens. */
export function listeningAddress(app: FastifyInstance | null): string | null {
  const addr = app?.server.address();
  if (!addr || typeof addr === 'string') return addr ?? null;
  return `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
}
