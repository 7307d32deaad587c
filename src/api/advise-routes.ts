import type { FastifyInstance } from 'fastify';
import type { DbFindings, MissingPiece } from '../optimize/db/db-findings.js';

/** What the advisor routes need from the running engine. */
export interface AdviseRouteDeps {
  /** The database advisor, or null while the engine is starting. */
  dbAdvisor(): { latest(): readonly DbFindings[]; missing(): readonly MissingPiece[] } | null;
}

/**
 * The database advisor's findings under `/api/v1/advise/db`: those of its last pass over each
 * watched database (the shape of `perf-engine advise db --json`), and what keeps it from watching
 * any. Empty until the first pass (`optimize_db_interval_seconds` after start).
 */
export function registerAdviseRoutes(app: FastifyInstance, deps: AdviseRouteDeps): void {
  app.get('/api/v1/advise/db', async (_req, reply) => {
    const advisor = deps.dbAdvisor();
    if (!advisor) return reply.code(503).send({ error: { code: 'starting', message: 'the engine is still starting' } });
    return { missing: advisor.missing(), databases: advisor.latest() };
  });
}
