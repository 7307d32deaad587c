import { hostname } from 'node:os';
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSnapshotDecoder } from '../src/ingest/decode-snapshots.js';
import { querySeries } from '../src/store/metric-queries.js';
import { startTestEngine, type TestEngine } from './helpers/engine.js';
import { waitFor } from './helpers/services.js';

let t: TestEngine;
const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));

async function request(nc: NatsConnection, subject: string, payload: unknown): Promise<Record<string, unknown>> {
  const m = await nc.request(subject, enc(payload), { timeout: 10_000 });
  return m.json<Record<string, unknown>>();
}

function collect(nc: NatsConnection, subject: string): Msg[] {
  const got: Msg[] = [];
  nc.subscribe(subject, {
    callback: (_e, m) => {
      got.push(m);
    },
  });
  return got;
}

beforeAll(async () => {
  t = await startTestEngine({ PERF_ENGINE_MONITORING_INTERVAL_SECONDS: '1' });
});
afterAll(async () => t?.stop());

describe('ingestion from other agents over NATS', () => {
  it('replies ok with the sample count only once the samples are committed', async () => {
    const ts = Date.now() - 1000;
    const reply = await request(t.nc, `${t.prefix}monitoring.realtime_metrics`, {
      source: 'order-agent-1',
      host: 'node-7',
      timestamp: new Date(ts).toISOString(),
      metrics: { cpu_usage: 93.5, memory_usage: 71.2, event_loop_delay_p99_ms: 12.3 },
      labels: { region: 'eu-west' },
      health: 'healthy',
    });
    expect(reply).toEqual({ ok: true, samples: 3 });
    const stored = await querySeries(t.engine.agent.db, 'order-agent-1', 'cpu_usage', ts, ts);
    expect(stored).toEqual([{ timestamp: ts, value: 93.5 }]);
  });

  it('accepts batches as one message', async () => {
    const ts = Date.now() - 5000;
    const batch = Array.from({ length: 20 }, (_, i) => ({ source: `batch-${i}`, timestamp: ts, metrics: { a: i, b: i * 2 } }));
    expect(await request(t.nc, `${t.prefix}monitoring.realtime_metrics`, batch)).toEqual({ ok: true, samples: 40 });
    expect(await querySeries(t.engine.agent.db, 'batch-19', 'b', ts, ts)).toEqual([{ timestamp: ts, value: 38 }]);
  });

  it('rejects invalid messages whole, replies with the reason, and announces them', async () => {
    const notices = collect(t.nc, `${t.prefix}performance.invalid_message`);
    const huge = { source: 'x', timestamp: Date.now(), metrics: { 'bad name!': 1 }, pad: 'z'.repeat(5000) };
    const cases: [unknown, string][] = [
      ['{not json', 'bad_json'],
      [{ source: 'x', timestamp: Date.now(), metrics: { a: 'high' } }, 'bad_shape'],
      [{ source: 'x', timestamp: Date.now(), metrics: { a: 1 }, health: 'sick' }, 'bad_shape'],
      [{ source: 'x', timestamp: Date.now() + 3_600_000, metrics: { a: 1 } }, 'future_timestamp'],
      [huge, 'bad_shape'],
    ];
    for (const [payload, code] of cases) {
      const reply = await request(t.nc, `${t.prefix}monitoring.realtime_metrics`, payload);
      expect(reply.ok).toBe(false);
      expect((reply.error as { code: string }).code).toBe(code);
    }
    await waitFor(() => notices.length >= cases.length);
    const last = notices[notices.length - 1]!.json<Record<string, unknown>>();
    expect(last.subject).toBe('monitoring.realtime_metrics');
    expect(typeof last.reason).toBe('string');
    expect(last.size_bytes).toBeGreaterThan(5000);
    expect(Buffer.byteLength(String(last.payload_head))).toBeLessThanOrEqual(256);
    expect(Number.isNaN(Date.parse(String(last.received_at)))).toBe(false);
  });

  it('rejects a snapshot older than the retention window (live) or with an impossible date: reason with the window, counted, announced, nothing stored', async () => {
    const subject = `${t.prefix}monitoring.realtime_metrics`;
    const notices = collect(t.nc, `${t.prefix}performance.invalid_message`);
    const y2k = await request(t.nc, subject, [
      { source: 'too-old', timestamp: Date.now() - 1000, metrics: { a: 1 } },
      { source: 'too-old', timestamp: '2000-01-01T00:00:00Z', metrics: { a: 2 } },
    ]);
    expect(y2k).toMatchObject({ ok: false, error: { code: 'old_timestamp' } });
    const message = (y2k.error as { message: string }).message;
    expect(message).toMatch(/^snapshot\[1\]\.timestamp: 2000-01-01T00:00:00\.000Z is older than the retention window of 90 days \(data_retention_days\); accepted from \S+ to \S+$/);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const hour24 = await request(t.nc, subject, { source: 'too-old', timestamp: `${yesterday}T24:00:00Z`, metrics: { a: 3 } });
    expect(hour24).toMatchObject({ ok: false, error: { code: 'bad_timestamp' } });
    // data_retention_days is live: the window follows it (a live update may widen it, never narrow it below the local value).
    const hundredDaysAgo = { source: 'kept-late', timestamp: Date.now() - 100 * 86_400_000, metrics: { a: 4 } };
    expect(await request(t.nc, subject, hundredDaysAgo)).toMatchObject({ ok: false, error: { code: 'old_timestamp' } });
    expect(await request(t.nc, `${t.prefix}config.performance_engine_agent.updated`, { data_retention_days: 120 })).toMatchObject({ ok: true });
    try {
      expect(await request(t.nc, subject, hundredDaysAgo)).toEqual({ ok: true, samples: 1 });
    } finally {
      await request(t.nc, `${t.prefix}config.performance_engine_agent.updated`, { data_retention_days: 90 });
    }
    expect(await querySeries(t.engine.agent.db, 'too-old', 'a', 0, Date.now())).toEqual([]);
    expect(await querySeries(t.engine.agent.db, 'kept-late', 'a', 0, Date.now())).toEqual([{ timestamp: hundredDaysAgo.timestamp, value: 4 }]);
    await waitFor(() => notices.length >= 3);
    expect(notices.map((n) => n.json<{ code: string }>().code)).toEqual(['old_timestamp', 'bad_timestamp', 'old_timestamp']);
    // The announcement states the same window, computed at its own instant (a millisecond may pass).
    const withoutWindow = (text: string) => text.replace(/accepted from \S+ to \S+$/, '');
    expect(withoutWindow(notices[0]!.json<{ reason: string }>().reason)).toBe(withoutWindow(message));
    const status = (await t.engine.status()) as { invalid_messages: { by_reason: Record<string, number> } };
    expect(status.invalid_messages.by_reason['monitoring.realtime_metrics old_timestamp']).toBe(2);
  });

  it('stores every valid message around invalid ones published without replies', async () => {
    const ts = Date.now() - 2000;
    const subject = `${t.prefix}monitoring.realtime_metrics`;
    for (let i = 0; i < 50; i++) {
      t.nc.publish(subject, enc({ source: 'mixed', timestamp: ts + i, metrics: { v: i } }));
      t.nc.publish(subject, enc(i % 2 ? '[' : { source: 'mixed', timestamp: ts + i, metrics: { v: 'bad' } }));
    }
    await t.nc.flush();
    await waitFor(async () => (await querySeries(t.engine.agent.db, 'mixed', 'v', ts, ts + 100)).length === 50);
    const values = (await querySeries(t.engine.agent.db, 'mixed', 'v', ts, ts + 100)).map((s) => s.value);
    expect(values).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const status = (await t.engine.status()) as { invalid_messages: { total: number } };
    expect(status.invalid_messages.total).toBeGreaterThanOrEqual(55);
  });
});

describe("the engine's own monitoring", () => {
  it('publishes each tick on performance.metrics in the realtime_metrics shape and stores it', async () => {
    const seen = collect(t.nc, `${t.prefix}performance.metrics`);
    await waitFor(() => seen.length >= 2, 5000);
    const decode = createSnapshotDecoder({ maxFutureSkewMs: 60_000, maxAgeMs: 86_400_000, maxBatchSnapshots: 1, maxBytes: 1e6 });
    const decoded = seen.map((m) => decode(m.data));
    expect(decoded.every((d) => d.ok)).toBe(true);
    const host = decoded.map((d) => (d.ok ? d.snapshots[0]! : null)).find((s) => s?.source === hostname());
    expect(host?.metrics.cpu_usage).toBeTypeOf('number');
    await waitFor(async () => (await querySeries(t.engine.agent.db, hostname(), 'memory_usage', 0, Date.now())).length > 0);
  });

  it('answers /healthz and /readyz with bus and database state', async () => {
    const health = await fetch(`${t.http}/healthz`);
    expect(health.status).toBe(200);
    const ready = (await (await fetch(`${t.http}/readyz`)).json()) as Record<string, { kind?: string; connected?: boolean; ok?: boolean }>;
    expect(ready.ready).toBe(true);
    expect(ready.bus).toMatchObject({ kind: 'nats', connected: true });
    expect(ready.database).toMatchObject({ ok: true, kind: 'postgres' });
  });
});

describe('live configuration over NATS', () => {
  it('applies a good update without a restart and reschedules collection at once', async () => {
    const applied = collect(t.nc, `${t.prefix}performance.config_applied`);
    const reply = await request(t.nc, `${t.prefix}config.performance_engine_agent.updated`, {
      monitoring_interval_seconds: 7,
      alert_thresholds: { cpu_usage: { warning: 75, critical: 90 } },
    });
    expect(reply).toEqual({ ok: true, changed: ['monitoring_interval_seconds', 'alert_thresholds'] });
    const status = (await t.engine.status()) as { monitor: { intervalSeconds: number } };
    expect(status.monitor.intervalSeconds).toBe(7);
    expect(t.engine.config.current.alert_thresholds).toEqual({ cpu_usage: { warning: 75, critical: 90 } });
    await waitFor(() => applied.length === 1);
  });

  it('rejects a bad update whole, keeps the running configuration, and announces the rejection', async () => {
    const rejected = collect(t.nc, `${t.prefix}performance.config_rejected`);
    const reply = await request(t.nc, `${t.prefix}config.performance_engine_agent.updated`, {
      monitoring_interval_seconds: 3,
      data_retention_days: 0,
    });
    expect(reply.ok).toBe(false);
    expect((reply.error as { message: string }).message).toContain('data_retention_days = 0');
    expect(t.engine.config.current.monitoring_interval_seconds).toBe(7);
    await waitFor(() => rejected.length === 1);
    expect(rejected[0]!.json<{ reason: string }>().reason).toContain('data_retention_days');
    t.nc.publish(`${t.prefix}config.performance_engine_agent.updated`, enc('not json'));
    await waitFor(() => rejected.length === 2);
    expect(t.engine.config.current.monitoring_interval_seconds).toBe(7);
  });
});
