import Fastify, { type FastifyInstance, type InjectOptions } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { installErrorHandling } from './api-errors.js';
import { accessCheck, type HttpAccess } from './http-auth.js';

const READ = 'read-token-0123456789';
const WRITE = 'write-token-0123456789';

let app: FastifyInstance | undefined;
afterEach(async () => app?.close());

/** A bare app with one route per scope behind the check, and one POST that declares itself a read. */
async function build(access: HttpAccess | null): Promise<FastifyInstance> {
  app = Fastify({ logger: false });
  installErrorHandling(app, { error: () => {} });
  await app.register(async (guarded) => {
    guarded.addHook('onRequest', accessCheck(() => access));
    guarded.get('/thing', async () => ({ ok: 'read' }));
    guarded.post('/thing', async () => ({ ok: 'write' }));
    guarded.delete('/thing', async () => ({ ok: 'write' }));
    guarded.post('/query', { config: { scope: 'read' } }, async () => ({ ok: 'read' }));
  });
  return app;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function call(opts: InjectOptions): Promise<{ status: number; code?: string; auth?: string }> {
  const res = await app!.inject(opts);
  const body = res.json<{ error?: { code: string } }>();
  return { status: res.statusCode, ...(body.error ? { code: body.error.code } : {}), ...(res.headers['www-authenticate'] ? { auth: String(res.headers['www-authenticate']) } : {}) };
}

describe('accessCheck', () => {
  it('leaves everything open without tokens, from loopback', async () => {
    await build({ readToken: null, writeToken: null });
    expect((await call({ method: 'GET', url: '/thing' })).status).toBe(200);
    expect((await call({ method: 'POST', url: '/thing' })).status).toBe(200);
  });

  it('refuses state changes from another address when there is no write token, but lets it read', async () => {
    await build({ readToken: null, writeToken: null });
    const far = { remoteAddress: '192.168.1.20' };
    expect((await call({ method: 'GET', url: '/thing', ...far })).status).toBe(200);
    expect(await call({ method: 'POST', url: '/thing', ...far })).toMatchObject({ status: 403, code: 'forbidden' });
    expect((await call({ method: 'DELETE', url: '/thing', remoteAddress: '::ffff:127.0.0.1' })).status).toBe(200);
  });

  it('asks for the read token to read and accepts the write token too', async () => {
    await build({ readToken: READ, writeToken: WRITE });
    expect(await call({ method: 'GET', url: '/thing' })).toEqual({ status: 401, code: 'unauthorized', auth: 'Bearer realm="perf-engine"' });
    expect((await call({ method: 'GET', url: '/thing', headers: bearer(READ) })).status).toBe(200);
    expect((await call({ method: 'GET', url: '/thing', headers: bearer(WRITE) })).status).toBe(200);
    expect((await call({ method: 'GET', url: '/thing', headers: { authorization: `bearer  ${READ}` } })).status).toBe(200);
    expect((await call({ method: 'POST', url: '/query', headers: bearer(READ) })).status).toBe(200);
  });

  it('answers 401 invalid_token for a wrong token, whatever its length, and for another scheme', async () => {
    await build({ readToken: READ, writeToken: WRITE });
    for (const token of [READ.slice(0, -1), `${READ}x`, 'x', WRITE.toUpperCase()]) {
      expect(await call({ method: 'GET', url: '/thing', headers: bearer(token) })).toEqual({ status: 401, code: 'unauthorized', auth: 'Bearer realm="perf-engine", error="invalid_token"' });
    }
    expect((await call({ method: 'GET', url: '/thing', headers: { authorization: `Basic ${READ}` } })).status).toBe(401);
  });

  it('asks for the write token to change state: 401 without one, 403 insufficient_scope with the read token', async () => {
    await build({ readToken: READ, writeToken: WRITE });
    expect(await call({ method: 'POST', url: '/thing' })).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(await call({ method: 'DELETE', url: '/thing', headers: bearer(READ) })).toEqual({
      status: 403,
      code: 'forbidden',
      auth: 'Bearer realm="perf-engine", error="insufficient_scope"',
    });
    expect((await call({ method: 'POST', url: '/thing', headers: bearer(WRITE) })).status).toBe(200);
  });

  it('leaves reading open with only a write token (http_public_read), and still guards writes', async () => {
    await build({ readToken: null, writeToken: WRITE });
    expect((await call({ method: 'GET', url: '/thing', remoteAddress: '10.0.0.7' })).status).toBe(200);
    expect((await call({ method: 'POST', url: '/thing', remoteAddress: '10.0.0.7' })).status).toBe(401);
    expect((await call({ method: 'POST', url: '/thing', remoteAddress: '10.0.0.7', headers: bearer(WRITE) })).status).toBe(200);
  });

  it('answers 503 starting while the tokens are not known yet', async () => {
    await build(null);
    expect(await call({ method: 'GET', url: '/thing' })).toMatchObject({ status: 503, code: 'starting' });
  });
});
