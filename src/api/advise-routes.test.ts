import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { failedFindings, type MissingPiece } from '../optimize/db/db-findings.js';
import { buildApi } from './build-api.js';

let app: FastifyInstance | undefined;
afterEach(async () => app?.close());

describe('GET /api/v1/advise/db', () => {
  it("answers the advisor's last findings and what is missing, 503 while starting", async () => {
    const missing: MissingPiece[] = [{ what: 'postgresql', detail: 'PGlite', fix: 'set optimize_databases' }];
    const findings = failedFindings('shop', 'postgres://u:***@h/shop', 'refused', 0, true);
    let phase: 'starting' | 'running' = 'starting';
    app = buildApi({
      phase: () => phase,
      db: () => {
        throw new Error('not used');
      },
      profiles: () => null,
      alerting: () => null,
      status: async () => ({}),
      config: () => ({}),
      dbAdvisor: () => ({ latest: () => [findings], missing: () => missing }),
      optimizations: () => {
        throw new Error('not used');
      },
      log: { error: () => undefined },
      exporter: { export: () => Promise.reject(new Error('not here')), close: async () => {} },
    });
    expect((await app.inject({ url: '/api/v1/advise/db' })).statusCode).toBe(503);
    phase = 'running';
    const res = await app.inject({ url: '/api/v1/advise/db' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(JSON.parse(JSON.stringify({ missing, databases: [findings] })));
    expect((await app.inject({ url: '/api/v1/advise/db?x=1' })).statusCode).toBe(400);
  });
});
