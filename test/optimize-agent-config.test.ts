// Agent configuration on a real simulated agent: with a pool of one connection under load, queries
// wait for it; the advisor reads that from the agent's snapshots and proposes a larger pool; the
// set_agent_config applier sets db_pool_size to 8 over config.<agent_id>.updated, the agent applies
// it, and its latency drops. Then the concurrency tunable shows its own effect: one call at a time
// makes latency rise again. Real NATS, PostgreSQL and a simulator agent process.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '../src/bus/bus.js';
import { requestAgentTunables } from '../src/bus/agent-config-client.js';
import { openBus } from '../src/bus/open-bus.js';
import { PrefixedBus } from '../src/bus/prefixed-bus.js';
import { adviseAgentConfig } from '../src/optimize/agent-config/config-advisor.js';
import { createAgentConfigApplier } from '../src/optimize/stage/agent-config-applier.js';
import { AgentProcess } from '../src/tools/simulate/agent-process.js';
import { orderSubject } from '../src/tools/simulate/sim-protocol.js';
import { createSimDatabase, type SimDatabase } from '../src/tools/simulate/sim-database.js';
import { NATS_URL, PG_URL, quietLogger } from './helpers/services.js';

const tag = randomBytes(4).toString('hex');
const prefix = `cfg_${tag}.`;
const agentId = 'cfg-sim-agent';
/** Requests per second, each holding its connection 20 ms: a pool of one is about 75 % busy. */
const RATE = 42;
const HOLD_MS = 20;
const PHASE_MS = 12_000;

let bus: Bus;
let db: SimDatabase;
let agent: AgentProcess;
let workDir: string;
const snapshots: { atMs: number; metrics: Record<string, number> }[] = [];

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const decoder = new TextDecoder();

/**
 * Sends orders for `ms` with exponential gaps (Poisson arrivals at RATE, as independent clients
 * send them: the simulator's load generator spaces them evenly, and evenly spaced arrivals hardly
 * ever wait for a 75 %-busy connection) and returns the agent's snapshots of that time (the first
 * two, warming up, left out) and the p95 of the round trips. (Sleeping each gap after the last
 * arrival lowered the rate on a loaded machine, until the pool of one was no longer short: CI,
 * 2026-12-07.)
 */
async function phase(ms: number): Promise<{ metrics: Record<string, number>[]; p95Ms: number }> {
  const from = snapshots.length;
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  // Arrivals keep to their own schedule: a timer that fires late (a busy machine) is followed by
  // the arrivals due meanwhile, so the rate, and the pool's load, stay RATE.
  const start = performance.now();
  let due = 0;
  for (let n = 0; ; n++) {
    due += (-Math.log(1 - Math.random()) / RATE) * 1000;
    if (due >= ms) break;
    const wait = start + due - performance.now();
    if (wait > 0) await sleep(wait);
    const body = { order_id: n + 1, customer_id: n % 50_000, items: [{ sku: `sku-${n % 97}`, qty: 1 + (n % 12), unit_price: 9.5 }] };
    const t0 = performance.now();
    pending.push(
      bus.request(orderSubject(agentId), JSON.stringify(body), 10_000).then((m) => {
        expect(JSON.parse(decoder.decode(m.data))).toMatchObject({ ok: true });
        latencies.push(performance.now() - t0);
      }),
    );
  }
  await Promise.all(pending);
  latencies.sort((a, b) => a - b);
  return { metrics: snapshots.slice(from + 2).map((s) => s.metrics), p95Ms: Math.round(latencies[Math.floor(latencies.length * 0.95)]!) };
}

const avg = (ms: Record<string, number>[], name: string): number => mean(ms.map((m) => m[name]).filter((v): v is number => v !== undefined));

beforeAll(async () => {
  bus = new PrefixedBus(await openBus({ url: NATS_URL, name: 'cfg-test', log: quietLogger() }), prefix);
  bus.subscribe('monitoring.realtime_metrics', (m) => {
    const s = JSON.parse(decoder.decode(m.data)) as { source: string; metrics: Record<string, number> };
    if (s.source === agentId) snapshots.push({ atMs: Date.now(), metrics: s.metrics });
  });
  db = await createSimDatabase(PG_URL, 20_000);
  workDir = mkdtempSync(join(tmpdir(), 'cfg-sim-'));
  agent = new AgentProcess(
    {
      agentId,
      index: 0,
      bus: { url: NATS_URL, name: agentId },
      subjectPrefix: prefix,
      database: { url: db.url, schema: db.schema, orders: db.orders },
      workDir,
      metricsIntervalMs: 1000,
      ratePerAgent: RATE,
      logLevel: 'warn',
      dbPoolSize: 1,
      dbHoldMs: HOLD_MS,
    },
    (id, line) => console.warn(`[${id}] ${line}`),
    false,
  );
  await agent.ready(30_000);
});

afterAll(async () => {
  await agent?.stop(4000);
  await bus?.close();
  await db?.drop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('agent configuration on a simulated agent', () => {
  it('finds the pool short, sets db_pool_size 1 -> 8 through the applier, and latency drops', async () => {
    const tunables = await requestAgentTunables(bus, agentId);
    expect(tunables.map((t) => [t.name, t.value, t.role])).toEqual([
      ['concurrency', 256, 'concurrency'],
      ['db_pool_size', 1, 'db_pool_size'],
    ]);

    const before = await phase(PHASE_MS);
    const proposals = adviseAgentConfig({ agentId, bottleneckId: null, samples: before.metrics.map((metrics) => ({ metrics })), tunables });
    const pool = proposals.find((p) => p.params.key === 'db_pool_size');
    expect(pool?.params).toMatchObject({ agent_id: agentId, key: 'db_pool_size', previous: 1 });
    expect(pool!.params.value as number).toBeGreaterThan(1);

    const applier = createAgentConfigApplier({ bus });
    const step = {
      action: 'set_agent_config' as const,
      params: { agent_id: agentId, key: 'db_pool_size', value: 8, previous: 1 },
      undo: { action: 'set_agent_config' as const, params: { agent_id: agentId, key: 'db_pool_size', value: 1, previous: 8 } },
    };
    await applier.apply(step);
    await applier.apply(step); // idempotent: the agent already has 8
    expect((await requestAgentTunables(bus, agentId)).find((t) => t.name === 'db_pool_size')?.value).toBe(8);
    await expect(applier.apply({ action: 'set_agent_config', params: { agent_id: agentId, key: 'db_pool_size', value: 5, previous: 3 } })).rejects.toMatchObject({ code: 'conflict' });
    await expect(applier.apply({ action: 'set_agent_config', params: { agent_id: agentId, key: 'db_pool_size', value: 100, previous: 8 } })).rejects.toMatchObject({
      code: 'out_of_bounds',
      remote: true,
    });

    const after = await phase(PHASE_MS);
    await applier.apply({ action: 'set_agent_config', params: { agent_id: agentId, key: 'concurrency', value: 1, previous: 256 } });
    const serial = await phase(PHASE_MS / 2);
    await applier.apply({ action: 'set_agent_config', params: { agent_id: agentId, key: 'concurrency', value: 256, previous: 1 } });

    const fig = (p: { metrics: Record<string, number>[]; p95Ms: number }) =>
      `handler p95 ${avg(p.metrics, 'handler_latency_p95_ms').toFixed(1)} ms, pool wait ${avg(p.metrics, 'db_pool_wait_ms').toFixed(1)} ms, ` +
      `pool busy ${avg(p.metrics, 'db_pool_busy').toFixed(2)}, waiting ${avg(p.metrics, 'db_pool_waiting').toFixed(2)}, queue ${avg(p.metrics, 'queue_depth').toFixed(2)}, load p95 ${p.p95Ms} ms`;
    console.log(`agent config: proposed db_pool_size ${String(pool!.params.value)} (${pool!.rationale})`);
    console.log(`agent config: pool 1: ${fig(before)}\n  pool 8: ${fig(after)}\n  pool 8, concurrency 1: ${fig(serial)}`);
    expect(avg(after.metrics, 'db_pool_wait_ms')).toBeLessThan(avg(before.metrics, 'db_pool_wait_ms') / 5);
    expect(avg(after.metrics, 'handler_latency_p95_ms')).toBeLessThan(avg(before.metrics, 'handler_latency_p95_ms') / 1.5);
    expect(after.p95Ms).toBeLessThan(before.p95Ms);
    expect(avg(serial.metrics, 'handler_latency_p95_ms')).toBeGreaterThan(avg(after.metrics, 'handler_latency_p95_ms') * 1.5);

    // The undo shrinks the pool back: connections close as they are released until one is left.
    await applier.apply(step.undo);
    const shrunk = await phase(3000);
    expect(shrunk.metrics.at(-1)?.db_pool_size).toBe(1);
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1', [agentId]);
      expect(Number(rows[0]!.n)).toBe(1);
    } finally {
      await client.end();
    }
  });
});
