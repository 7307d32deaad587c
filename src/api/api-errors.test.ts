import Fastify, { type FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError, clientErrors, installErrorHandling, refuseUnstorableText, routerErrors } from './api-errors.js';
import { finiteNumbers, limitParam, stringEnum } from './api-schemas.js';

interface Logged {
  obj: { err?: unknown };
  msg: string;
}

function appWith(logged: Logged[]): FastifyInstance {
  const app = Fastify({ frameworkErrors: routerErrors, clientErrorHandler: clientErrors, ajv: { customOptions: { removeAdditional: false }, plugins: [finiteNumbers] } });
  installErrorHandling(app, { error: (obj, msg) => logged.push({ obj, msg }) });
  app.addHook('preValidation', async (req) => refuseUnstorableText(req.params, req.query, req.body));
  const query = Type.Object({ format: Type.Optional(stringEnum(['svg', 'html', 'pprof'] as const)), limit: limitParam(100) }, { additionalProperties: false });
  app.get('/q', { schema: { querystring: query } }, async (req) => ({ query: req.query }));
  const body = Type.Object({ kind: Type.Union([Type.Literal('cpu'), Type.Literal('heap')]), name: Type.String() }, { additionalProperties: false });
  app.post('/b', { schema: { body } }, async (req) => ({ body: req.body }));
  app.get('/items/:id', async (req) => req.params);
  app.get('/prometheus/api/v1/label/:name/values', async (req) => req.params);
  app.get('/gone', async () => {
    throw new ApiError(410, 'gone', 'it went away');
  });
  app.get('/boom', async () => {
    throw new Error('relation "secret_table" does not exist');
  });
  return app;
}

let app: FastifyInstance;
let logged: Logged[];
beforeEach(() => {
  logged = [];
  app = appWith(logged);
});
afterEach(async () => app.close());

async function error(method: 'GET' | 'POST', url: string, payload?: unknown): Promise<{ status: number; code: string; message: string; body: string }> {
  const res = await app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }) });
  const { error: e } = res.json<{ error: { code: string; message: string } }>();
  return { status: res.statusCode, code: e.code, message: e.message, body: res.body };
}

describe('the API error handler', () => {
  it('answers a bad enum value once, listing the allowed values', async () => {
    expect(await error('GET', '/q?format=gif')).toMatchObject({ status: 400, code: 'bad_request', message: 'query parameter "format" must be one of: svg, html, pprof' });
  });

  it('folds a union of constants into one "must be one of"', async () => {
    const e = await error('POST', '/b', { kind: 'gpu', name: 'x' });
    expect(e.message).toBe('body field "kind" must be one of: cpu, heap');
  });

  it('refuses NUL or an unpaired surrogate in a path parameter, query parameter or body field before the route runs, naming it', async () => {
    const why = 'text must not contain NUL (U+0000) or an unpaired surrogate; PostgreSQL cannot store it';
    expect(await error('POST', '/b', { kind: 'cpu', name: 'a\u0000' })).toMatchObject({ status: 400, code: 'bad_request', message: `body field "name": ${why}` });
    expect(await error('POST', '/b', { kind: 'cpu', name: 'x\ud800' })).toMatchObject({ status: 400, message: `body field "name": ${why}` });
    expect(await error('GET', '/q?format=%00')).toMatchObject({ status: 400, message: `query parameter "format": ${why}` });
    expect(await error('GET', '/items/a%00b')).toMatchObject({ status: 400, message: `path parameter "id": ${why}` });
    expect((await app.inject({ method: 'POST', url: '/b', payload: { kind: 'cpu', name: 'é😀' } })).statusCode).toBe(200);
    const deep = `${'{"a":'.repeat(100_000)}"x"${'}'.repeat(100_000)}`;
    const res = await app.inject({ method: 'POST', url: '/b', headers: { 'content-type': 'application/json' }, payload: deep });
    expect(res.statusCode).toBe(400);
  });

  it('names a missing field, an unknown one, and a body of the wrong type', async () => {
    expect((await error('POST', '/b', { kind: 'cpu' })).message).toBe('body field "name" is required');
    expect((await error('POST', '/b', { kind: 'cpu', name: 'x', extra: 1 })).message).toBe('unknown body field "extra"');
    expect((await error('GET', '/q?limt=5')).message).toBe('unknown query parameter "limt"');
    expect((await error('POST', '/b', [1])).message).toBe('the body must be object');
  });

  it('refuses numbers that coerce to Infinity instead of skipping their bounds', async () => {
    expect(await error('GET', '/q?limit=1e309')).toMatchObject({ status: 400, message: 'query parameter "limit" must be a finite number' });
    expect((await error('GET', '/q?limit=-1e309')).message).toBe('query parameter "limit" must be a finite number');
    expect((await error('GET', '/q?limit=101')).message).toBe('query parameter "limit" must be <= 100');
    expect((await app.inject('/q?limit=100')).json()).toEqual({ query: { limit: 100 } });
  });

  it('answers an ApiError with its own status, code and message', async () => {
    expect(await error('GET', '/gone')).toMatchObject({ status: 410, code: 'gone', message: 'it went away' });
    expect(logged).toEqual([]);
  });

  it('turns an unexpected error into a generic 500, logged once with its stack and never sent', async () => {
    const e = await error('GET', '/boom');
    expect(e).toMatchObject({ status: 500, code: 'internal', message: 'internal error; the engine log has the details' });
    expect(e.body).not.toContain('secret_table');
    expect(e.body).not.toMatch(/at .*\.ts:\d+/);
    expect(logged).toHaveLength(1);
    expect((logged[0]!.obj.err as Error).stack).toContain('secret_table');
  });

  it('keeps the status of fastify\'s own client errors (bad JSON, wrong media type)', async () => {
    const bad = await app.inject({ method: 'POST', url: '/b', headers: { 'content-type': 'application/json' }, payload: '{"kind":' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'bad_request' } });
    const media = await app.inject({ method: 'POST', url: '/b', headers: { 'content-type': 'application/x-nope' }, payload: 'x' });
    expect(media.statusCode).toBe(415);
    expect(media.json()).toMatchObject({ error: { code: 'unsupported_media_type' } });
    expect(logged).toEqual([]);
  });

  it('answers an unknown route with a JSON 404 without its query string', async () => {
    expect(await error('GET', '/nowhere?token=abc')).toMatchObject({ status: 404, code: 'not_found', message: 'no route GET /nowhere' });
  });
});

describe("the router's own refusals", () => {
  it('answers a path parameter over 100 characters and a broken percent-encoding in the error shape', async () => {
    expect(await error('GET', `/items/${'x'.repeat(101)}`)).toMatchObject({ status: 414, code: 'too_long', message: 'a path parameter is longer than 100 characters' });
    expect(await error('GET', '/items/%')).toMatchObject({ status: 400, code: 'bad_request', message: 'the path is not valid percent-encoding' });
  });

  it("answers them in Prometheus's shape under /prometheus", async () => {
    const res = await app.inject(`/prometheus/api/v1/label/${'x'.repeat(101)}/values`);
    expect(res.statusCode).toBe(414);
    expect(res.json()).toEqual({ status: 'error', errorType: 'bad_data', error: 'a path parameter is longer than 100 characters' });
  });
});

describe("Node's HTTP parser's refusals", () => {
  it('answers headers over 16 KiB with 431 in the error shape, and in Prometheus\'s under /prometheus', async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const res = await fetch(`${base}/q?format=${'x'.repeat(20_000)}`);
    expect(res.status).toBe(431);
    expect(await res.json()).toEqual({ error: { code: 'too_large', message: expect.stringContaining('larger than 16 KiB') } });
    const prom = await fetch(`${base}/prometheus/api/v1/query?query=${'x'.repeat(20_000)}`);
    expect(prom.status).toBe(431);
    expect(await prom.json()).toMatchObject({ status: 'error', errorType: 'bad_data' });
    expect((await fetch(`${base}/q?format=svg`)).status).toBe(200);
  });
});
