import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBus } from '../src/bus/memory-bus.js';
import type { MetricSnapshot } from '../src/model/snapshot.js';
import type { JudgeSettings } from '../src/optimize/impact-judge.js';
import type { ActionApplier, ActionStep, OptimizationProposal } from '../src/optimize/proposal.js';
import { ApplierRegistry } from '../src/optimize/stage/appliers.js';
import { getOptimization, transitionsOf } from '../src/optimize/stage/optimization-repo.js';
import type { OptimizationSettings } from '../src/optimize/stage/optimization-service.js';
import { OptimizationStage } from '../src/optimize/stage/optimization-stage.js';
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

function stage(clock: { now: number }, appliers: ActionApplier[], autoApply: OptimizationSettings['autoApply']) {
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
  });
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
    await feed(first.s, agentStream(source, T - 16 * MIN, T + 7 * MIN, [{ at: T, factor: 0.7 }], { seed: 4 }));
    const { optimizationId } = await first.s.propose({ ...pool(source), params: { ...pool(source).params, value: 16 }, key: `k:${source}` });
    expect((await first.s.service.markApplied(optimizationId, T, 'operator')).ok).toBe(true);
    await first.s.tick();
    await first.s.stop();
    const mid = (await getOptimization(db, optimizationId))!;
    expect(mid).toMatchObject({ status: 'applied', change: { looksDone: 1, verdict: null } });

    const second = stage(clock, [], []);
    await second.s.start();
    await feed(second.s, agentStream(source, T + 7 * MIN, T + 17 * MIN, [{ at: T, factor: 0.7 }], { seed: 5 }));
    await second.s.tick();
    await second.s.stop();
    const r = (await getOptimization(db, optimizationId))!;
    expect(r).toMatchObject({ status: 'verified', appliedBy: 'operator' });
    expect(r.change!.verdict!.impact!.change_pct).toBeLessThan(-20);
    const statuses = [...first.seen, ...second.seen].filter((m) => m.optimization_id === optimizationId).map((m) => m.status);
    expect(statuses).toEqual(['proposed', 'applied', 'verified']);
  });
});
