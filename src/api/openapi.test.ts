import { Validator } from '@seriousme/openapi-schema-validator';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createHealthServer } from '../lifecycle/health-server.js';
import { buildApi } from './build-api.js';

let app: FastifyInstance | undefined;
afterEach(async () => app?.close());

/** The engine's app as the engine builds it: the API, then the health routes added to it. */
function engineApp(): { app: FastifyInstance; routes: string[] } {
  const routes: string[] = [];
  app = buildApi({
    phase: () => 'starting',
    db: () => {
      throw new Error('no database');
    },
    status: async () => ({}),
    config: () => ({}),
    profiles: () => null,
    alerting: () => null,
    dbAdvisor: () => ({ latest: () => [], missing: () => [] }),
    optimizations: () => {
      throw new Error('not used');
    },
    log: { error: () => {} },
    exporter: { export: () => Promise.reject(new Error('no')), close: async () => {} },
  });
  app.addHook('onRoute', (r) => {
    for (const m of [r.method].flat()) if (m !== 'HEAD') routes.push(`${m.toLowerCase()} ${r.url.replace(/:(\w+)/g, '{$1}')}`);
  });
  createHealthServer('engine', async () => ({ ready: true }), app);
  return { app, routes };
}

interface Operation {
  responses: Record<string, unknown>;
  security?: unknown[];
}
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

describe('GET /openapi.json', () => {
  it('documents every route of the app, and nothing else, in any phase', async () => {
    const built = engineApp();
    await built.app.ready();
    const res = await built.app.inject('/openapi.json');
    expect(res.statusCode).toBe(200);
    const doc = res.json<Document>();
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(documented.sort()).toEqual([...new Set(built.routes)].sort());
    expect(documented).toEqual(expect.arrayContaining(['get /metrics', 'get /openapi.json', 'get /healthz', 'post /api/v1/silences', 'get /api/v1/profiles/{id}/download']));
  });

  it('is a valid OpenAPI 3.1 document with the error shape and the bearer scheme, the health routes open', async () => {
    const built = engineApp();
    await built.app.ready();
    const doc = (await built.app.inject('/openapi.json')).json<Document & { components: { securitySchemes: unknown } }>();
    const result = await new Validator().validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes).toEqual({ bearer: { type: 'http', scheme: 'bearer' } });
    expect(doc.paths['/healthz']!.get!.security).toEqual([]);
    expect(doc.paths['/api/v1/alerts']!.get!.responses['4XX']).toMatchObject({ content: { 'application/json': { schema: { required: ['error'] } } } });
    expect(doc.paths['/metrics']!.get!.responses['200']).toMatchObject({ content: { 'text/plain': { schema: { type: 'string' } } } });
  });
});
