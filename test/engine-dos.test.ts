import { connect, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NatsBus } from '../src/bus/nats-bus.js';
import { querySeries } from '../src/store/metric-queries.js';
import { startTestEngine, type TestEngine } from './helpers/engine.js';
import { NATS_URL, quietLogger, waitFor } from './helpers/services.js';

const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
/** The probe's payload: a live config update nested 10,000 levels deep (20 kB). */
const DEEP_UPDATE = `{"alert_thresholds":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`;

async function ask(nc: NatsConnection, subject: string, payload: unknown): Promise<Record<string, unknown>> {
  return (await nc.request(subject, enc(payload), { timeout: 5000 })).json<Record<string, unknown>>();
}

async function readyz(http: string): Promise<{ status: number; body: { ready: boolean; bus: { readerAlive: boolean; subscriptions: { subject: string; alive: boolean }[] } } }> {
  const res = await fetch(`${http}/readyz`);
  return { status: res.status, body: (await res.json()) as never };
}

describe('one message cannot stop ingest (issue 11)', () => {
  let t: TestEngine;
  beforeAll(async () => {
    t = await startTestEngine({}, { collectors: [] });
  });
  afterAll(async () => t?.stop());

  it('answers a 10,000-deep config update too_deep, again and again, while metrics sent right after are stored and /readyz stays 200', async () => {
    const notices: Msg[] = [];
    t.nc.subscribe(`${t.prefix}performance.invalid_message`, { callback: (_e, m) => void notices.push(m) });
    const config = JSON.stringify(t.engine.config.current);
    const t0 = Date.now() - 60_000;
    for (let round = 0; round < 3; round++) {
      const reply = await ask(t.nc, `${t.prefix}config.performance_engine_agent.updated`, DEEP_UPDATE);
      expect(reply).toEqual({ ok: false, error: { code: 'too_deep', message: 'nested deeper than 16 levels of objects and arrays' } });
      // The attack itself is fire-and-forget; so are the metrics it used to make the engine lose.
      t.nc.publish(`${t.prefix}config.performance_engine_agent.updated`, enc(DEEP_UPDATE));
      for (let i = 0; i < 10; i++) {
        t.nc.publish(`${t.prefix}monitoring.realtime_metrics`, enc({ source: 'after-deep', timestamp: t0 + round * 10 + i, metrics: { n: round * 10 + i } }));
      }
    }
    await waitFor(async () => (await querySeries(t.engine.agent.db, 'after-deep', 'n', t0, t0 + 100)).length === 30);
    expect(JSON.stringify(t.engine.config.current)).toBe(config);
    const r = await readyz(t.http);
    expect(r.status).toBe(200);
    expect(r.body.bus.readerAlive).toBe(true);
    expect(r.body.bus.subscriptions.map((s) => s.alive)).not.toContain(false);
    await waitFor(() => notices.length >= 6);
    expect(notices[0]!.json()).toMatchObject({ subject: 'config.performance_engine_agent.updated', code: 'too_deep' });
  });

  it('stores what validation accepts and names what it refuses: labels, unicode, impossible years', async () => {
    const subject = `${t.prefix}monitoring.realtime_metrics`;
    const ts = Date.now() - 5000;
    const base = { source: 'integrity', timestamp: ts, metrics: { v: 1 } };
    const big = Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`label_${i}`, 'é'.repeat(1024)]));
    expect(await ask(t.nc, subject, { ...base, labels: big })).toEqual({ ok: true, samples: 1 });
    const refused: [unknown, string, RegExp][] = [
      [{ ...base, labels: { 'a=b': 'c' } }, 'bad_shape', /label name "a=b"/],
      [{ ...base, labels: { 'a\nb': 42 } }, 'bad_shape', /label name "a\\nb"/],
      [{ ...base, labels: { a: 'x\u0000y' } }, 'bad_shape', /NUL or an unpaired surrogate/],
      [`{"source":"integrity","timestamp":${ts},"metrics":{"v":1},"labels":{"a":"\\ud800"}}`, 'bad_shape', /NUL or an unpaired surrogate/],
      [{ ...base, timestamp: '0000-01-01T00:00:00Z' }, 'bad_timestamp', /outside the storable range/],
    ];
    for (const [payload, code, why] of refused) {
      const reply = (await ask(t.nc, subject, payload)) as { ok: boolean; error: { code: string; message: string } };
      expect(reply.error.code).toBe(code);
      expect(reply.error.message).toMatch(why);
    }
  });
});

describe('/readyz is truthful about a dead reader', () => {
  it('answers 503 once the connection delivers nothing, though the socket looks connected', async () => {
    const nc = await connect({ servers: NATS_URL });
    const t = await startTestEngine({}, { collectors: [], bus: new NatsBus(nc, quietLogger()) });
    try {
      expect((await readyz(t.http)).status).toBe(200);
      // What any exception escaping a nats.js callback does: here from a subscription outside the edge.
      vi.spyOn(console, 'log').mockImplementation(() => undefined);
      nc.subscribe('dos.kill', { callback: () => void JSON.stringify(JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)) });
      await nc.flush();
      t.nc.publish('dos.kill', '');
      await waitFor(async () => (await readyz(t.http)).status === 503, 15_000, 200);
      const r = await readyz(t.http);
      expect(r.body.bus.readerAlive).toBe(false);
      expect(r.body.bus.subscriptions.every((s) => !s.alive)).toBe(true);
    } finally {
      vi.restoreAllMocks();
      await nc.close();
      await t.stop();
    }
  });
});
