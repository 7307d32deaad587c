import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { DbFindings, MissingPiece } from '../optimize/db/db-findings.js';
import { ERROR_RESPONSES } from './api-errors.js';

/** What the advisor routes need from the running engine. */
export interface AdviseRouteDeps {
  /** The database advisor's latest findings and what keeps it from watching a database. */
  dbAdvisor(): { latest(): readonly DbFindings[]; missing(): readonly MissingPiece[] };
}

/**
 * The database advisor's findings under `/api/v1/advise/db`: those of its last pass over each
 * watched database (the shape of `perf-engine advise db --json`), and what keeps it from watching
 * any. Empty until the first pass (`optimize_db_interval_seconds` after start).
 */
export function adviseRoutes(deps: AdviseRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    const Findings = Type.Object({ missing: Type.Array(Type.Unknown()), databases: Type.Array(Type.Unknown()) });
    const NoQuery = Type.Object({}, { additionalProperties: false });
    app.get('/advise/db', { schema: { querystring: NoQuery, response: { 200: Findings, ...ERROR_RESPONSES } } }, async () => {
      const advisor = deps.dbAdvisor();
      return { missing: [...advisor.missing()], databases: [...advisor.latest()] };
    });
  };
}
