import { jetstreamManager } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamNameFor } from '../src/bus/ingest-stream.js';
import type { IngestStats } from '../src/ingest/realtime-ingest.js';
import { startTestEngine, type TestEngine } from './helpers/engine.js';
import { waitFor } from './helpers/services.js';

let t: TestEngine;
const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const subject = () => `${t.prefix}monitoring.realtime_metrics`;

async function storedSnapshots(source: string): Promise<number> {
  const r = await t.engine.agent.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM metric_snapshots s JOIN metric_streams st ON st.id = s.stream_id WHERE st.source = $1`,
    [source],
  );
  return r.rows[0]!.n;
}

async function ingestStats(): Promise<IngestStats> {
  return (await t.engine.status()).ingest as IngestStats;
}

/** Waits until the engine has acknowledged every message of the stream. */
async function allAcknowledged(): Promise<void> {
  const jsm = await jetstreamManager(t.nc);
  await waitFor(async () => {
    const c = await jsm.consumers.info(streamNameFor(t.prefix, 'PERF_ENGINE_INGEST'), 'performance_engine');
    return c.num_pending === 0 && c.num_ack_pending === 0;
  }, 20_000);
}

beforeAll(async () => {
  t = await startTestEngine({ PERF_ENGINE_MONITORING_INTERVAL_SECONDS: '3600' });
});
afterAll(async () => t?.stop());

describe('ingest through JetStream', () => {
  it('creates a no-ack stream on the prefixed subject and a durable consumer with explicit acks', async () => {
    const jsm = await jetstreamManager(t.nc);
    const info = await jsm.streams.info(streamNameFor(t.prefix, 'PERF_ENGINE_INGEST'));
    expect(info.config.subjects).toEqual([subject()]);
    expect(info.config.no_ack).toBe(true);
    const consumer = await jsm.consumers.info(info.config.name, 'performance_engine');
    expect(consumer.config.ack_policy).toBe('explicit');
    expect((await ingestStats()).mode).toBe('jetstream');
  });

  it("answers a request with the engine's reply after commit, and stores it once though the stream has a copy", async () => {
    const ts = Date.now() - 1000;
    const reply = await t.nc.request(subject(), enc({ source: 'js-request', timestamp: ts, metrics: { a: 1, b: 2 } }), { timeout: 10_000 });
    expect(reply.json()).toEqual({ ok: true, samples: 2 });
    expect(await storedSnapshots('js-request')).toBe(1);
    await allAcknowledged();
    expect(await storedSnapshots('js-request')).toBe(1);
    expect((await ingestStats()).stream!.duplicates).toBeGreaterThanOrEqual(1);
  });

  it('stores fire-and-forget messages from the stream and acknowledges them', async () => {
    const ts = Date.now() - 60_000;
    for (let i = 0; i < 200; i++) t.nc.publish(subject(), enc({ source: 'js-fire', timestamp: ts + i, metrics: { v: i } }));
    await t.nc.flush();
    await waitFor(async () => (await storedSnapshots('js-fire')) === 200, 20_000);
    await allAcknowledged();
  });

  it('stores one snapshot for the same bytes sent three times, a retried request and a repeated message id', async () => {
    const ts = Date.now() - 120_000;
    const same = enc({ source: 'js-same', timestamp: ts, metrics: { v: 1 } });
    for (let i = 0; i < 3; i++) t.nc.publish(subject(), same);
    const req = enc({ source: 'js-retried', timestamp: ts, metrics: { v: 2 } });
    const replies = [];
    for (let i = 0; i < 3; i++) replies.push((await t.nc.request(subject(), req, { timeout: 10_000 })).json());
    expect(replies).toEqual([{ ok: true, samples: 1 }, { ok: true, samples: 1 }, { ok: true, samples: 1 }]);
    const h = headers();
    h.set('Nats-Msg-Id', 'js-id-1');
    t.nc.publish(subject(), enc({ source: 'js-id', timestamp: ts, metrics: { v: 3 } }), { headers: h });
    t.nc.publish(subject(), enc({ source: 'js-id', timestamp: ts, metrics: { v: 3 } }), { headers: h });
    const idReply = await t.nc.request(subject(), enc({ source: 'js-id', timestamp: ts, metrics: { v: 3 } }), { timeout: 10_000, headers: h });
    expect(idReply.json()).toEqual({ ok: true, samples: 1 });
    await t.nc.flush();
    await allAcknowledged();
    expect([await storedSnapshots('js-same'), await storedSnapshots('js-retried'), await storedSnapshots('js-id')]).toEqual([1, 1, 1]);
  });

  it('answers an invalid request with the reason and announces it once, though the stream has a copy', async () => {
    const notices: string[] = [];
    const sub = t.nc.subscribe(`${t.prefix}performance.invalid_message`, {
      callback: (_e, m) => {
        notices.push(m.string());
      },
    });
    const reply = await t.nc.request(subject(), enc({ source: 'js-bad-request', timestamp: Date.now(), metrics: { v: null } }), { timeout: 10_000 });
    expect(reply.json()).toMatchObject({ ok: false, error: { code: 'bad_shape' } });
    await allAcknowledged();
    await t.nc.flush();
    await waitFor(() => notices.length >= 1);
    await new Promise((r) => setTimeout(r, 300));
    sub.unsubscribe();
    expect(notices.filter((n) => n.includes('js-bad-request'))).toHaveLength(1);
  });

  it('rejects an invalid message from the stream once, without storing it or leaving it in the stream', async () => {
    t.nc.publish(subject(), enc({ source: 'js-bad', timestamp: Date.now(), metrics: { v: 'high' } }));
    await t.nc.flush();
    await allAcknowledged();
    expect((await ingestStats()).stream!.rejected).toBeGreaterThanOrEqual(1);
    expect(await storedSnapshots('js-bad')).toBe(0);
  });
});
