import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEngine, type TestEngine } from './helpers/engine.js';
import { HttpFuzzDriver } from './helpers/fuzz-http-runner.js';
import { httpCases, routesOf, type HttpRoute, type OpenApiDoc } from './helpers/fuzz-http.js';
import { COMPANION, FuzzDriver, readiness, storedSamples } from './helpers/fuzz-runner.js';
import { waitFor } from './helpers/services.js';

/** Cases per route; raise it (`PROPERTY_RUNS_HTTP=10000`) for a longer hunt, or run `npm run bench -- property-fuzz`. */
const RUNS = Number(process.env.PROPERTY_RUNS_HTTP ?? 20);

let t: TestEngine;
let routes: HttpRoute[];
let http: HttpFuzzDriver;
let bus: FuzzDriver;

beforeAll(async () => {
  // Profiles of at most 1 s, so that an accepted request ends quickly.
  t = await startTestEngine({ PERF_ENGINE_PROFILING_MAX_DURATION_SECONDS: '1' }, { collectors: [] });
  routes = routesOf((await (await fetch(`${t.http}/openapi.json`)).json()) as OpenApiDoc);
  bus = new FuzzDriver({ nc: t.nc, prefix: t.prefix, db: t.engine.agent.db, http: t.http, configJson: () => '' });
  http = new HttpFuzzDriver({ http: t.http, db: t.engine.agent.db, companion: () => bus.companion() });
});
afterAll(async () => {
  await t?.stop();
});

describe(`adversarial requests on every HTTP route (${RUNS} cases each, real HTTP, NATS and PostgreSQL)`, () => {
  it('every route answers each without a 5xx, in its error shape with a message, leaking nothing, storing nothing when refused', async () => {
    expect(routes.length).toBeGreaterThan(35);
    for (const route of routes) {
      await fc.assert(fc.asyncProperty(httpCases(route), (c) => http.one(route, c).then(() => undefined)), { numRuns: RUNS });
    }
    expect([...http.counts.keys()].sort()).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
    const all = [...http.counts.values()];
    expect(all.reduce((n, c) => n + (c.byStatus['4xx'] ?? 0), 0)).toBeGreaterThan(0);
    expect(all.reduce((n, c) => n + (c.byStatus['2xx'] ?? 0), 0)).toBeGreaterThan(0);
  }, 60_000);

  it('afterwards: every snapshot published between the requests is stored and /readyz says ready', async () => {
    await waitFor(async () => (await storedSamples(t.engine.agent.db, COMPANION.source)) >= bus.companions, 10_000, 50);
    expect(await storedSamples(t.engine.agent.db, COMPANION.source)).toBe(bus.companions);
    expect(await readiness(t.http)).toEqual({ status: 200, readerAlive: true, subscriptionsAlive: true, failed: 0 });
  });
});
