import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { failedFindings, type MissingPiece } from '../optimize/db/db-findings.js';
import { registerAdviseRoutes } from './advise-routes.js';

describe('GET /api/v1/advise/db', () => {
  it("answers the advisor's last findings and what is missing, 503 while starting", async () => {
    const missing: MissingPiece[] = [{ what: 'postgresql', detail: 'PGlite', fix: 'set optimize_databases' }];
    const findings = failedFindings('shop', 'postgres://u:***@h/shop', 'refused', 0, true);
    let advisor: { latest(): typeof findings[]; missing(): MissingPiece[] } | null = null;
    const app = Fastify();
    registerAdviseRoutes(app, { dbAdvisor: () => advisor });
    expect((await app.inject({ url: '/api/v1/advise/db' })).statusCode).toBe(503);
    advisor = { latest: () => [findings], missing: () => missing };
    const res = await app.inject({ url: '/api/v1/advise/db' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(JSON.parse(JSON.stringify({ missing, databases: [findings] })));
    await app.close();
  });
});
