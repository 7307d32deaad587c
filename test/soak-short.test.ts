import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEngine, type TestEngine } from './helpers/engine.js';
import { NATS_URL } from './helpers/services.js';
import { runSoak } from './helpers/soak.js';

/** The CI version of `npm run bench -- soak`: 100 sources at 1 s, 20 metrics each, for 8 s, from another process. */
const SOURCES = 100;
const SECONDS = 8;
const METRICS = 20;

let t: TestEngine;

beforeAll(async () => {
  t = await startTestEngine({}, { collectors: [] });
});
afterAll(async () => {
  await t?.stop();
});

describe('short soak: many sources publishing every second from a separate process (real NATS, JetStream and PostgreSQL)', () => {
  it('acknowledges every snapshot, stores each exactly once, and the backlog drains', async () => {
    const r = await runSoak(
      { natsUrl: NATS_URL, prefix: t.prefix, http: t.http, pid: process.pid, query: async (text) => (await t.engine.agent.db.query(text)).rows as never },
      { sources: SOURCES, metrics: METRICS, seconds: SECONDS, intervalMs: 1000, sampleMs: 2000, run: 'soakci' },
    );
    const expected = SOURCES * SECONDS;
    expect(r.final).toMatchObject({ sent: expected, acked: expected, refused: 0, failed: 0 });
    expect(r.stored).toBe(expected);
    expect(r.storedDistinct).toBe(expected);
    expect(r.storedSamples).toBe(expected * METRICS);
    expect(r.consumerPendingAfter).toBe(0);
    expect(r.writerPendingAfter).toBe(0);
    expect(r.samples.length).toBeGreaterThan(1);
  }, 19_000);
});
