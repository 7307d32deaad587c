import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, HandlerError, Type, type AgentSnapshotWire } from '../src/agent/index.js';
import { SnapshotWire } from '../src/wire/realtime-metrics.js';
import { openPgDb } from '../src/store/pg-db.js';
import { NATS_URL, PG_URL, dropSchema, quietLogger, uniqueSchema, waitFor } from './helpers/services.js';

const schema = uniqueSchema('sdki');
const prefix = `${schema}.`;
const agentId = 'sdk-instr-agent';
let nc: NatsConnection;
let agent: Agent;
const snapshots: AgentSnapshotWire[] = [];
const msgIds: string[] = [];
const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function call(subject: string, body: unknown): Promise<{ ok: boolean; error?: { code: string } } & Record<string, unknown>> {
  const m = await nc.request(`${prefix}${subject}`, typeof body === 'string' ? encoder.encode(body) : encoder.encode(JSON.stringify(body)), { timeout: 5000 });
  return JSON.parse(decoder.decode(m.data)) as { ok: boolean };
}

beforeAll(async () => {
  nc = await connect({ servers: NATS_URL });
  nc.subscribe(`${prefix}monitoring.realtime_metrics`, {
    callback: (_err, m) => {
      snapshots.push(JSON.parse(decoder.decode(m.data)) as AgentSnapshotWire);
      msgIds.push(m.headers?.get('Nats-Msg-Id') ?? '');
    },
  });
  await nc.flush();
  agent = new Agent({
    agentId,
    log: quietLogger(),
    bus: { url: NATS_URL, name: agentId },
    subjectPrefix: prefix,
    openDb: () => openPgDb({ url: PG_URL, schema, poolSize: 2 }),
    metricsIntervalMs: 1000,
  });
  agent.handle('orders.get', Type.Object({ id: Type.Integer({ minimum: 1 }), wait_ms: Type.Optional(Type.Number()) }), async (body) => {
    const { rows } = await agent.db.query<{ v: number }>('SELECT $1::int * 2 AS v', [body.id]);
    if (body.wait_ms) await sleep(body.wait_ms);
    if (body.id === 13) throw new HandlerError('not_found', 'no order 13');
    if (body.id === 666) throw new Error('boom');
    return { doubled: rows[0]!.v };
  });
  agent.handle('loop.block', Type.Object({ ms: Type.Number({ maximum: 1000 }) }), (body) => {
    const end = performance.now() + body.ms;
    while (performance.now() < end);
    return { blocked_ms: body.ms };
  });
  agent.handle('slow.one', Type.Object({}), () => sleep(300).then(() => ({})), { concurrency: 1, maxQueued: 1 });
  await agent.start();
});

afterAll(async () => {
  await agent?.stop();
  await nc?.close();
  await dropSchema(schema);
});

describe('SDK handlers', () => {
  it('reply ok with the result, or a coded error for bad JSON, bad bodies, refusals and failures', async () => {
    expect(await call('orders.get', { id: 21 })).toEqual({ ok: true, doubled: 42 });
    expect((await call('orders.get', '{nope')).error?.code).toBe('invalid_json');
    expect((await call('orders.get', { id: 'x' })).error?.code).toBe('invalid_request');
    expect((await call('orders.get', { id: 13 })).error).toEqual({ code: 'not_found', message: 'no order 13' });
    expect((await call('orders.get', { id: 666 })).error).toEqual({ code: 'internal', message: 'boom' });
  });

  it('queue beyond the concurrency limit and refuse beyond the queue bound', async () => {
    const replies = await Promise.all([call('slow.one', {}), call('slow.one', {}), call('slow.one', {})]);
    expect(replies.filter((r) => r.ok)).toHaveLength(2);
    expect(replies.filter((r) => r.error?.code === 'overloaded')).toHaveLength(1);
  });
});

describe('SDK instrumentation', () => {
  it('publishes the fixed metric names with sane values, as the engine accepts them', async () => {
    await waitFor(() => snapshots.length >= 1, 5000);
    const from = snapshots.length;
    const load = (async () => {
      for (let i = 0; i < 60; i++) {
        await Promise.all([call('orders.get', { id: 1 + i, wait_ms: 20 }), call('orders.get', { id: 666 })]);
      }
    })();
    await sleep(300);
    await call('loop.block', { ms: 250 });
    await load;
    await waitFor(() => snapshots.length >= from + 2, 5000);
    const window = snapshots.slice(from);
    const check = new Ajv({ strict: false }).compile(SnapshotWire);
    for (const s of window) {
      expect(check(s)).toBe(true);
      expect(s.source).toBe(agentId);
    }
    const max = (name: string) => Math.max(...window.map((s) => s.metrics[name] ?? -1));
    const s = window.find((w) => w.metrics.handler_latency_p95_ms !== undefined)!;
    for (const name of ['cpu_usage', 'memory_rss_bytes', 'heap_used_bytes', 'heap_total_bytes', 'event_loop_delay_p99_ms',
      'event_loop_utilization', 'gc_pause_ms', 'handler_latency_p95_ms', 'queue_depth', 'error_rate', 'db_query_p95_ms']) {
      expect(s.metrics, name).toHaveProperty(name);
    }
    expect(s.metrics.cpu_usage).toBeGreaterThan(0);
    expect(s.metrics.cpu_usage).toBeLessThanOrEqual(100);
    expect(s.metrics.memory_rss_bytes).toBeGreaterThan(20e6);
    expect(s.metrics.heap_used_bytes).toBeLessThanOrEqual(s.metrics.heap_total_bytes!);
    expect(s.metrics.event_loop_utilization).toBeGreaterThan(0);
    expect(s.metrics.event_loop_utilization).toBeLessThanOrEqual(1);
    expect(s.metrics.gc_pause_ms).toBeGreaterThanOrEqual(0);
    // Built with the project, the native clock times every GC pause (no sampling).
    expect(agent.instrumentation!.health().detail.gc_pauses).toBe('clock');
    expect(s.metrics.db_query_p95_ms).toBeGreaterThan(0);
    expect(s.metrics.db_query_p95_ms).toBeLessThan(200);
    // Half the calls wait 20 ms beyond their query; the blocked call adds one 250 ms tail.
    expect(max('handler_latency_p95_ms')).toBeGreaterThan(19);
    expect(max('handler_latency_p95_ms')).toBeLessThan(400);
    expect(max('error_rate')).toBeGreaterThan(5);
    expect(max('queue_depth')).toBeGreaterThan(0.2);
    expect(max('event_loop_delay_p99_ms')).toBeGreaterThan(150);
  });

  it('gives every snapshot its own message id, so that a copy of it is never stored twice', () => {
    expect(msgIds.length).toBeGreaterThanOrEqual(2);
    expect(msgIds.every((id) => id.length > 0)).toBe(true);
    expect(new Set(msgIds).size).toBe(msgIds.length);
  });
});

describe('SDK instrumentation settings', () => {
  it('refuse a timedCallsPerSecond that is not a finite number above 0, naming it', () => {
    for (const bad of [0, -5, Number.NaN, Infinity]) {
      expect(() => new Agent({ agentId: 'settings-agent', log: quietLogger(), bus: { url: null, name: 'settings-agent' }, instrumentation: { timedCallsPerSecond: bad } })).toThrow(
        `instrumentation.timedCallsPerSecond must be a finite number above 0, not ${bad}`,
      );
    }
    const agent = new Agent({ agentId: 'settings-agent', log: quietLogger(), bus: { url: null, name: 'settings-agent' }, instrumentation: { timedCallsPerSecond: 32 } });
    expect(agent.instrumentation).not.toBeNull();
    expect(new Agent({ agentId: 'settings-agent', log: quietLogger(), bus: { url: null, name: 'settings-agent' }, instrumentation: false }).instrumentation).toBeNull();
  });
});
