import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../src/agent/agent.js';
import { startTestEngine, type TestEngine } from './helpers/engine.js';
import { COMPANION, FuzzDriver, SUBJECT_CODES, readiness, storedSamples, type FuzzSubject } from './helpers/fuzz-runner.js';
import { agentProfileCases, configCases, profileRequestCases, realtimeCases } from './helpers/fuzz-subjects.js';
import { NATS_URL, quietLogger, waitFor } from './helpers/services.js';

/** Cases per subject; raise it (`PROPERTY_RUNS=10000`) for a longer hunt, or run `npm run bench -- property-fuzz`. */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 200);
const AGENT_ID = 'fz-sdk-agent';

let t: TestEngine;
let agent: Agent;
let driver: FuzzDriver;

beforeAll(async () => {
  t = await startTestEngine({}, { collectors: [] });
  agent = new Agent({ agentId: AGENT_ID, bus: { url: NATS_URL, name: AGENT_ID }, subjectPrefix: t.prefix, instrumentation: false, log: quietLogger() });
  await agent.start();
  driver = new FuzzDriver({ nc: t.nc, prefix: t.prefix, db: t.engine.agent.db, http: t.http, configJson: () => JSON.stringify(t.engine.config.current) });
});
afterAll(async () => {
  await agent?.stop();
  await t?.stop();
});

/**
 * Each property ends at its first failing case (endOnFailure): shrinking it would re-send requests
 * that may each wait seconds for a reply, which ran past the test's timeout in one CI run and hid
 * the failing case.
 */
const RUN_OPTIONS = { numRuns: RUNS, endOnFailure: true };

const subjects: Record<string, FuzzSubject> = {
  realtime: { name: 'monitoring.realtime_metrics', codes: SUBJECT_CODES.realtime, timeoutMs: 10_000 },
  config: { name: 'config.performance_engine_agent.updated', codes: SUBJECT_CODES.config, timeoutMs: 10_000 },
  profile: { name: 'orchestrator.profile_request', codes: SUBJECT_CODES.profileRequest, timeoutMs: 10_000 },
  agent: { name: `agent.${AGENT_ID}.profile`, codes: SUBJECT_CODES.agentProfile, timeoutMs: 15_000 },
};

describe(`adversarial messages on every inbound subject (${RUNS} cases each, real NATS and PostgreSQL)`, () => {
  it('monitoring.realtime_metrics: each is answered, a rejected one stores nothing, an accepted one exactly its samples', async () => {
    await fc.assert(fc.asyncProperty(realtimeCases, (c) => driver.one(subjects.realtime!, c).then(() => undefined)), RUN_OPTIONS);
    const counts = driver.counts.get(subjects.realtime!.name)!;
    expect(counts.accepted).toBeGreaterThan(0);
    expect(counts.rejected).toBeGreaterThan(0);
    expect(await storedSamples(t.engine.agent.db, COMPANION.source, true)).toBe(counts.acceptedSamples);
  });

  it('config.performance_engine_agent.updated: each is answered, and a rejected update leaves the configuration as it was', async () => {
    await fc.assert(fc.asyncProperty(configCases, (c) => driver.one(subjects.config!, c, { checkConfig: true }).then(() => undefined)), RUN_OPTIONS);
    const counts = driver.counts.get(subjects.config!.name)!;
    expect(counts.accepted).toBeGreaterThan(0);
    expect(counts.byCode.too_deep).toBeGreaterThan(0);
  });

  it('orchestrator.profile_request: each is answered, and only an accepted request leaves a profile', async () => {
    const before = await profiles();
    await fc.assert(fc.asyncProperty(profileRequestCases, (c) => driver.one(subjects.profile!, c).then(() => undefined)), RUN_OPTIONS);
    const counts = driver.counts.get(subjects.profile!.name)!;
    expect(counts.accepted).toBeGreaterThan(0);
    await waitFor(async () => (await profiles()) - before >= counts.accepted, 60_000, 200).catch(async (err: Error) => {
      throw new Error(`${err.message}: ${(await profiles()) - before} profiles stored for ${counts.accepted} accepted requests`);
    });
    expect((await profiles()) - before).toBe(counts.accepted);
  }, 120_000);

  it('agent.<id>.profile at an SDK agent: each is answered, and the agent still profiles afterwards', async () => {
    await fc.assert(fc.asyncProperty(agentProfileCases, (c) => driver.one(subjects.agent!, c).then(() => undefined)), RUN_OPTIONS);
    expect(driver.counts.get(subjects.agent!.name)!.rejected).toBeGreaterThan(0);
    const reply = await driver.one(subjects.agent!, { kind: 'valid', text: '{"kind":"heap","duration_seconds":1}' });
    expect(reply.ok).toBe(true);
    const sdk = agent.bus.status().subscriptions;
    expect(sdk.length).toBeGreaterThan(0);
    expect(sdk.every((s) => s.alive && s.failed === 0)).toBe(true);
  });

  it('afterwards: every companion sent between them is stored, nothing threw, and /readyz says ready', async () => {
    await waitFor(async () => (await storedSamples(t.engine.agent.db, COMPANION.source)) >= driver.companions, 30_000, 100);
    expect(await storedSamples(t.engine.agent.db, COMPANION.source)).toBe(driver.companions);
    expect(await readiness(t.http)).toEqual({ status: 200, readerAlive: true, subscriptionsAlive: true, failed: 0 });
  });
});

async function profiles(): Promise<number> {
  const r = await t.engine.agent.db.query<{ n: number }>('SELECT count(*)::int AS n FROM performance_profiles');
  return r.rows[0]!.n;
}
