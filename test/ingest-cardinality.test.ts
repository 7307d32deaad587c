import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { querySeries } from '../src/store/metric-queries.js';
import { startTestEngine, type TestEngine } from './helpers/engine.js';
import { waitFor } from './helpers/services.js';

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

async function ask(nc: NatsConnection, subject: string, payload: unknown): Promise<Record<string, unknown>> {
  return (await nc.request(subject, enc(payload), { timeout: 5000 })).json<Record<string, unknown>>();
}

/** The value of one sample line of the exposition (0 when absent). */
function sample(text: string, line: string): number {
  const hit = text.split('\n').find((l) => l.startsWith(`${line} `));
  return hit ? Number(hit.slice(line.length + 1)) : 0;
}

describe('cardinality limits (issue 11)', () => {
  let t: TestEngine;
  beforeAll(async () => {
    t = await startTestEngine(
      { PERF_ENGINE_INGEST_MAX_SOURCES: '3', PERF_ENGINE_INGEST_MAX_STREAMS_PER_SOURCE: '2', PERF_ENGINE_INGEST_MAX_STREAMS: '5', PERF_ENGINE_INGEST_MAX_LABELS: '2' },
      { collectors: [] },
    );
  });
  afterAll(async () => t?.stop());

  it('rejects what would pass a limit with a clear reason, counted and announced, while known sources keep being stored', async () => {
    const subject = `${t.prefix}monitoring.realtime_metrics`;
    const notices: Msg[] = [];
    t.nc.subscribe(`${t.prefix}performance.invalid_message`, { callback: (_e, m) => void notices.push(m) });
    const ts = Date.now() - 10_000;
    const snap = (source: string, i: number, labels?: Record<string, string>) => ({ source, timestamp: ts + i, metrics: { v: i }, ...(labels ? { labels } : {}) });
    for (const s of ['a', 'b', 'c']) expect(await ask(t.nc, subject, snap(s, 0))).toEqual({ ok: true, samples: 1 });
    expect(await ask(t.nc, subject, snap('a', 1, { k: '1' }))).toEqual({ ok: true, samples: 1 });
    const refused: [unknown, string, RegExp][] = [
      [snap('d', 0), 'too_many_sources', /more than 3 sources \(ingest_max_sources\)/],
      [[snap('b', 1), snap('e', 0)], 'too_many_sources', /ingest_max_sources/],
      [snap('a', 2, { k: '2' }), 'too_many_streams', /more than 2 streams .*ingest_max_streams_per_source/],
      [snap('b', 2, { x: '1', y: '2', z: '3' }), 'too_many_labels', /3 labels, more than 2 \(ingest_max_labels\)/],
    ];
    for (const [payload, code, message] of refused) {
      const reply = await ask(t.nc, subject, payload);
      expect(reply).toMatchObject({ ok: false, error: { code, message: expect.stringMatching(message) } });
    }
    // Valid traffic of known streams goes on, fire-and-forget and request alike.
    for (let i = 10; i < 20; i++) t.nc.publish(subject, enc(snap('a', i)));
    expect(await ask(t.nc, subject, snap('c', 1))).toEqual({ ok: true, samples: 1 });
    await waitFor(async () => (await querySeries(t.engine.agent.db, 'a', 'v', ts - 1, ts + 100)).length === 12);
    // Nothing of a refused message was stored (the known source 'b' of the mixed batch included).
    expect(await querySeries(t.engine.agent.db, 'b', 'v', ts - 1, ts + 100)).toHaveLength(1);
    expect(await querySeries(t.engine.agent.db, 'd', 'v', ts - 1, ts + 100)).toHaveLength(0);
    const metrics = await (await fetch(`${t.http}/metrics`)).text();
    expect(sample(metrics, 'perf_engine_invalid_messages_total{subject="monitoring.realtime_metrics",reason="too_many_sources"}')).toBe(2);
    expect(sample(metrics, 'perf_engine_invalid_messages_total{subject="monitoring.realtime_metrics",reason="too_many_streams"}')).toBe(1);
    expect(sample(metrics, 'perf_engine_invalid_messages_total{subject="monitoring.realtime_metrics",reason="too_many_labels"}')).toBe(1);
    expect(sample(metrics, 'perf_engine_ingest_sources')).toBe(3);
    expect(sample(metrics, 'perf_engine_ingest_streams')).toBe(4);
    await waitFor(() => notices.length >= 4);
    expect(notices.map((m) => m.json<{ code: string }>().code)).toEqual(['too_many_sources', 'too_many_sources', 'too_many_streams', 'too_many_labels']);
  });

  it('a live update may lower a limit but never raise it above the local configuration', async () => {
    const subject = `${t.prefix}config.performance_engine_agent.updated`;
    const raised = await ask(t.nc, subject, { ingest_max_sources: 1000 });
    expect(raised).toMatchObject({ ok: false, error: { message: expect.stringMatching(/ingest_max_sources/) } });
    expect(t.engine.config.current.ingest_max_sources).toBe(3);
    expect(await ask(t.nc, subject, { ingest_max_streams: 4 })).toMatchObject({ ok: true });
    expect(t.engine.config.current.ingest_max_streams).toBe(4);
    // At the lowered limit (4 known streams) a new stream of a known source is refused; known ones pass.
    const ts = Date.now() - 5000;
    expect(await ask(t.nc, `${t.prefix}monitoring.realtime_metrics`, { source: 'c', host: 'h2', timestamp: ts, metrics: { v: 1 } })).toMatchObject({ ok: false, error: { code: 'too_many_streams' } });
    expect(await ask(t.nc, `${t.prefix}monitoring.realtime_metrics`, { source: 'c', timestamp: ts, metrics: { v: 1 } })).toEqual({ ok: true, samples: 1 });
  });
});
