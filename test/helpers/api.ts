import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { buildApi, type ApiDeps } from '../../src/api/build-api.js';
import type { Db } from '../../src/store/db.js';
import { testDatabase } from './services.js';

/** The HTTP API of a running engine over the real PostgreSQL (own schema), for `inject`. */
export interface TestApi {
  readonly app: FastifyInstance;
  readonly db: Db;
  /** What the API logged as unexpected errors. */
  readonly logged: object[];
  close(): Promise<void>;
}

/** Builds the API on a fresh migrated schema; `deps` replaces the defaults (no profiles, no alerting). */
export async function testApi(deps: Partial<ApiDeps> = {}): Promise<TestApi> {
  const t = await testDatabase();
  const logged: object[] = [];
  const app = buildApi({
    phase: () => 'running',
    db: () => t.db,
    status: async () => ({}),
    config: () => ({}),
    profiles: () => null,
    alerting: () => null,
    dbAdvisor: () => ({ latest: () => [], missing: () => [] }),
    optimizations: () => {
      throw new Error('no optimization loop in these tests');
    },
    log: { error: (obj) => logged.push(obj) },
    ...deps,
  });
  await app.ready();
  return {
    app,
    db: t.db,
    logged,
    async close() {
      await app.close();
      await t.drop();
    },
  };
}

/** The error answer of a response: checks the one error shape (code and message, nothing else) and returns it. */
export function apiError(res: LightMyRequestResponse): { status: number; code: string; message: string } {
  const body = res.json<Record<string, unknown>>();
  expect(Object.keys(body)).toEqual(['error']);
  const e = body.error as Record<string, unknown>;
  expect(Object.keys(e).sort()).toEqual(['code', 'message']);
  expect(res.body).not.toMatch(/\bat .*:\d+:\d+|stack/);
  return { status: res.statusCode, code: String(e.code), message: String(e.message) };
}
