import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBus } from '../src/bus/memory-bus.js';
import type { MetricSnapshot } from '../src/model/snapshot.js';
import type { JudgeSettings } from '../src/optimize/impact-judge.js';
import type { ActionApplier, ActionStep, OptimizationProposal } from '../src/optimize/proposal.js';
import { ApplierRegistry } from '../src/optimize/stage/appliers.js';
import { getOptimization, transitionsOf } from '../src/optimize/stage/optimization-repo.js';
import type { OptimizationSettings } from '../src/optimize/stage/optimization-service.js';
import { OptimizationStage } from '../src/optimize/stage/optimization-stage.js';
import type { SeriesReader } from '../src/optimize/stage/judging.js';
import type { Sample } from '../src/model/snapshot.js';
import { Random } from '../src/tools/simulate/synthetic/random.js';
import type { Db } from '../src/store/db.js';
import { MetricWriter } from '../src/store/metric-writer.js';
import { agentStream } from './helpers/change-stream.js';
import { quietLogger, testDatabase } from './helpers/services.js';

const T = Date.UTC(2026, 10, 23, 10);
const MIN = 60_000;
const JUDGE: JudgeSettings = { settleMs: MIN, beforeMs: 15 * MIN, afterMs: 15 * MIN, looks: 3, minSamples: 20, minEffect: 0.1, confidence: 0.98 };
const SOURCE = 'order-agent-1';

let db: Db;
let drop: () => Promise<void>;
let writer: MetricWriter;
beforeAll(async () => {
  ({ db, drop } = await testDatabase());
  writer = new MetricWriter(db, quietLogger(), { flushIntervalMs: 2, batchMaxSamples: 100_000, maxPendingSamples: 10_000_000 });
});
afterAll(async () => {
  await writer.stop();
  await drop();
});

/** An applier that records what it was asked to do. */
function recordingApplier(): ActionApplier & { calls: ActionStep[] } {
  const calls: ActionStep[] = [];
  return { actions: ['set_agent_config'], calls, apply: async (s) => void calls.push(s) };
}

function stage(clock: { now: number }, appliers: ActionApplier[], autoApply: OptimizationSettings['autoApply'], read?: SeriesReader) {
  const bus = new MemoryBus();
  const seen: Record<string, unknown>[] = [];
  bus.subscribe('performance.optimization_status', (m) => seen.push(JSON.parse(new TextDecoder().decode(m.data)) as Record<string, unknown>));
  const settings: OptimizationSettings = { judge: JUDGE, autoApply, maxWaitMs: 3_600_000, insightsIntervalMs: 0, baselineMs: 3_600_000 };
  const s = new OptimizationStage({
    db,
    bus: { publish: (subject, data) => bus.publish(subject, data), connected: () => true },
    log: quietLogger(),
    settings: () => settings,
    appliers: new ApplierRegistry(appliers),
    flushWrites: () => writer.flush(),
    retentionDays: () => 90,
    now: () => clock.now,
    ...(read ? { read } : {}),
  });
  bus.subscribe('performance.insights', (m) => seen.push({ insights: JSON.parse(new TextDecoder().decode(m.data)) as unknown }));
  return { s, seen };
}

async function feed(s: OptimizationStage, snapshots: MetricSnapshot[]): Promise<void> {
  await writer.write(snapshots);
  s.observe(snapshots);
}

const pool = (source: string): OptimizationProposal => ({
  action: 'set_agent_config',
  params: { agent_id: source, key: 'db_pool_size', value: 1, previous: 8 },
  source,
  bottleneckId: null,
  undo: { action: 'set_agent_config', params: { agent_id: source, key: 'db_pool_size', value: 8, previous: 1 } },
  rationale: 'a smaller pool (test)',
  predicted: {},
  expect: [{ metric: 'handler_latency_p95_ms', direction: 'decrease' }],
  key: `set_agent_config:${source}:db_pool_size`,
});

describe('the optimization stage (real PostgreSQL, in-process bus)', () => {
  it('applies what optimization_auto_apply allows, judges it regressed, rolls it back itself and verifies the rollback; every step stored and published once, in order', async () => {
    const clock = { now: T };
    const applier = recordingApplier();
    const { s, seen } = stage(clock, [applier], ['agent_config']);
    await s.start();
    await feed(s, agentStream(SOURCE, T - 16 * MIN, T, []));
    const { optimizationId, created } = await s.propose(pool(SOURCE));
    expect(created).toBe(true);
    expect((await s.propose(pool(SOURCE))).created).toBe(false);
    await s.flushed();
    expect(applier.calls).toEqual([{ action: 'set_agent_config', params: pool(SOURCE).params }]);
    await feed(s, agentStream(SOURCE, T, T + 17 * MIN, [{ at: T, factor: 1.6 }], { seed: 2 }));
    clock.now = T + 17 * MIN;
    await s.tick();
    await s.flushed();
    expect(applier.calls.at(-1)).toEqual(pool(SOURCE).undo);
    await feed(s, agentStream(SOURCE, T + 17 * MIN, T + 36 * MIN, [{ at: T + 17 * MIN, factor: 1 }], { seed: 3 }));
    await s.tick();
    await s.flushed();
    await s.stop();

    const r = (await getOptimization(db, optimizationId))!;
    expect(r).toMatchObject({ status: 'rolled_back', appliedBy: 'engine', rolledBackBy: 'engine', rolledBackAt: T + 17 * MIN, intent: null });
    expect(r.change!.verdict).toMatchObject({ outcome: 'regressed' });
    expect(r.change!.verdict!.impact!.change_pct).toBeGreaterThan(30);
    expect(r.rollback!.verdict).toMatchObject({ outcome: 'verified' });
    expect(r.rollback!.verdict!.impact!.change_pct).toBeLessThan(-20);
    const history = await transitionsOf(db, optimizationId);
    expect(history.map((t) => `${t.event}:${t.status}:${t.by}`)).toEqual(['proposed:proposed:engine', 'applied:applied:engine', 'verdict:regressed:engine', 'rolled_back:rolled_back:engine', 'rollback_verdict:rolled_back:engine']);
    expect(history.every((t) => t.published_at !== null)).toBe(true);
    const mine = seen.filter((m) => m.optimization_id === optimizationId);
    expect(mine.map((m) => m.status)).toEqual(['proposed', 'applied', 'regressed', 'rolled_back', 'rolled_back']);
    expect(mine[2]).toMatchObject({ undo: pool(SOURCE).undo, impact: { metric: 'handler_latency_p95_ms', significant: true } });
    expect(mine[4]).toMatchObject({ rollback: { status: 'verified' } });
  });

  it('continues a judgement across a restart: the first stage judges one look, a new one on the same table gives the verdict', async () => {
    const source = 'order-agent-2';
    const clock = { now: T };
    const first = stage(clock, [], []);
    await first.s.start();
    await feed(first.s, agentStream(source, T - 16 * MIN, T + 7 * MIN, [{ at: T, factor: 0.85 }], { seed: 4 }));
    const { optimizationId } = await first.s.propose({ ...pool(source), params: { ...pool(source).params, value: 16 }, key: `k:${source}` });
    expect((await first.s.service.markApplied(optimizationId, T, 'operator')).ok).toBe(true);
    await first.s.tick();
    await first.s.stop();
    const mid = (await getOptimization(db, optimizationId))!;
    expect(mid).toMatchObject({ status: 'applied', change: { looksDone: 1, verdict: null } });

    const second = stage(clock, [], []);
    await second.s.start();
    await feed(second.s, agentStream(source, T + 7 * MIN, T + 17 * MIN, [{ at: T, factor: 0.85 }], { seed: 5 }));
    await second.s.tick();
    await second.s.stop();
    const r = (await getOptimization(db, optimizationId))!;
    expect(r).toMatchObject({ status: 'verified', appliedBy: 'operator' });
    expect(r.change!.verdict!.impact!.change_pct).toBeLessThan(-10);
    const statuses = [...first.seen, ...second.seen].filter((m) => m.optimization_id === optimizationId).map((m) => m.status);
    expect(statuses).toEqual(['proposed', 'applied', 'verified']);
  });
});

describe('judging in event time', () => {
  it('gives a stream replayed at once the verdict it gives the same stream arriving a minute at a time', async () => {
    const clock = { now: T };
    const { s } = stage(clock, [], []);
    await s.start();
    const ids: string[] = [];
    for (const source of ['replayed-1', 'live-1']) {
      await feed(s, agentStream(source, T - 16 * MIN, T, [], { seed: 21 }));
      const { optimizationId } = await s.propose({ ...pool(source), key: `same:${source}` });
      await s.service.markApplied(optimizationId, T, 'operator');
      ids.push(optimizationId);
    }
    const after = (source: string) => agentStream(source, T, T + 17 * MIN, [{ at: T, factor: 0.85 }], { seed: 22 });
    await feed(s, after('replayed-1'));
    const live = after('live-1');
    for (let t = T; t < T + 17 * MIN; t += MIN) {
      await feed(s, live.filter((x) => x.timestamp >= t && x.timestamp < t + MIN));
      await s.tick();
    }
    await s.tick();
    await s.stop();
    const [replayed, stepwise] = await Promise.all(ids.map(async (id) => (await getOptimization(db, id))!.change!.verdict));
    expect(replayed).not.toBeNull();
    expect(stepwise).toEqual(replayed);
  });

  it('judges an index on a statement series read from elsewhere and reports the time it saves per day in the insights', async () => {
    const clock = { now: T };
    const rng = new Random(31);
    const statement: Sample[] = [];
    for (let t = T - 16 * MIN; t < T + 17 * MIN; t += 30_000) statement.push({ timestamp: t, value: (t < T ? 12 : 1.5) * rng.logNormal(0.1) });
    const read: SeriesReader = async (source, metric, from, until) =>
      source === 'pg:shop' && metric === 'statement_mean_ms:42' ? statement.filter((x) => x.timestamp >= from && x.timestamp <= until) : [];
    const { s, seen } = stage(clock, [], [], read);
    await s.start();
    const create = { database: 'shop', schema: 'public', table: 'orders', columns: ['customer_id'], method: 'btree', ddl: 'CREATE INDEX CONCURRENTLY orders_customer_idx ON public.orders (customer_id)', queryids: ['42'] };
    const { optimizationId } = await s.propose({
      action: 'create_index',
      params: create,
      source: 'pg:shop',
      bottleneckId: null,
      undo: { action: 'drop_index', params: { database: 'shop', schema: 'public', table: 'orders', index: 'orders_customer_idx', ddl: 'DROP INDEX CONCURRENTLY public.orders_customer_idx' } },
      rationale: 'a sequential scan of orders by customer',
      predicted: { cost_before: 18250, cost_after: 8.4, calls_per_day: 100_000 },
      expect: [{ metric: 'statement_mean_ms:42', direction: 'decrease', source: 'pg:shop' }],
      key: 'create_index:shop.public.orders(customer_id)',
    });
    await s.service.markApplied(optimizationId, T, 'operator');
    s.noteEventTime('pg:shop', T + 17 * MIN);
    await s.tick();
    await s.flushed();
    await s.stop();
    const r = (await getOptimization(db, optimizationId))!;
    expect(r.status).toBe('verified');
    const impact = r.change!.verdict!.impact!;
    expect(impact.change_pct).toBeLessThan(-80);
    expect(impact.time_saved_ms_per_day).toBeGreaterThan(900_000);
    const digest = seen.map((m) => m.insights as Record<string, unknown> | undefined).find((m) => m?.source === 'pg:shop');
    expect(digest).toMatchObject({ recent_verdicts: [{ optimization_id: optimizationId, action: 'create_index', status: 'verified' }], databases: [{ database: 'shop', time_saved_ms_per_day: impact.time_saved_ms_per_day, verified_indexes: 1 }] });
  });
});

describe('proposals from bottlenecks, and the engine\'s own actions across a restart', () => {
  it('turns an opened bottleneck\'s recommendations of the closed set into proposals with its id, once while they are open', async () => {
    const { s, seen } = stage({ now: T }, [], []);
    await s.start();
    const facts = { id: '0b4c8a52-7a0e-4a43-9d8e-2f6c0f6d2b11', source: 'cart-agent-1', kind: 'cpu_saturation' as const, metric: 'event_loop_utilization', scope: 'agent' as const, recommendations: [{ action: 'scale_out', params: { source: 'cart-agent-1' }, rationale: 'more instances' }, { action: 'investigate', params: {}, rationale: 'x' }] };
    s.onBottleneck(facts);
    s.onBottleneck({ ...facts, id: '1b4c8a52-7a0e-4a43-9d8e-2f6c0f6d2b11' });
    await s.flushed();
    await s.stop();
    const proposed = seen.filter((m) => m.source === 'cart-agent-1');
    expect(proposed).toEqual([expect.objectContaining({ status: 'proposed', action: 'scale_out', bottleneck_id: facts.id, origin: 'bottleneck', expect: [{ metric: 'event_loop_utilization', direction: 'decrease' }, { metric: 'handler_latency_p95_ms', direction: 'decrease' }] })]);
  });

  it('finishes an apply a stop interrupted (the intent is stored first); applies its own change only once the judging metrics have a before window, and fails one whose applier fails', async () => {
    const clock = { now: T };
    const applier = recordingApplier();
    const first = stage(clock, [applier], []);
    await first.s.start();
    const { optimizationId } = await first.s.propose(pool('cart-agent-2'));
    await first.s.service.step(optimizationId, { type: 'intent', intent: 'apply' });
    await first.s.stop();
    expect(applier.calls).toEqual([]);
    const second = stage(clock, [applier], []);
    await second.s.start();
    await second.s.flushed();
    await second.s.stop();
    expect(applier.calls).toEqual([{ action: 'set_agent_config', params: pool('cart-agent-2').params }]);
    expect(await getOptimization(db, optimizationId)).toMatchObject({ status: 'applied', appliedBy: 'engine', intent: null });

    const broken: ActionApplier = { actions: ['set_agent_config'], apply: async () => Promise.reject(new Error('agent cart-agent-3 did not answer')) };
    const third = stage(clock, [broken], ['agent_config']);
    await third.s.start();
    const failing = await third.s.propose(pool('cart-agent-3'));
    await third.s.flushed();
    // No data from the agent yet: the engine waits for a before window to judge the change on.
    expect(await getOptimization(db, failing.optimizationId)).toMatchObject({ status: 'proposed', intent: null });
    expect(third.s.service.waiting()).toBe(1);
    await feed(third.s, agentStream('cart-agent-3', T - 16 * MIN, T, [], { seed: 9 }));
    await third.s.tick();
    await third.s.flushed();
    await third.s.stop();
    expect(await getOptimization(db, failing.optimizationId)).toMatchObject({ status: 'failed', reason: 'applying set_agent_config failed: agent cart-agent-3 did not answer', intent: null });
  });
});
