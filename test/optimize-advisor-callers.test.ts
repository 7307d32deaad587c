// The advisors' callers: a limits round over snapshots stored in real PostgreSQL (the processes the
// engine watches, their cgroup figures, their limits) hands its proposals to the sink; the
// configuration advice asks an agent for its tunables and advises on its stored snapshots.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentTunables } from '../src/agent/tunables.js';
import { MemoryBus } from '../src/bus/memory-bus.js';
import type { MetricSnapshot } from '../src/model/snapshot.js';
import type { OptimizationProposal } from '../src/optimize/proposal.js';
import { listWatchedProcesses, loadSnapshots } from '../src/optimize/stage/advisor-inputs.js';
import { AGENT_CONFIG_METRICS, adviseAgentOnBottleneck } from '../src/optimize/stage/agent-config-advice.js';
import { LIMIT_METRICS, runLimitsRound } from '../src/optimize/stage/limits-advisor-stage.js';
import type { Db } from '../src/store/db.js';
import { MetricWriter } from '../src/store/metric-writer.js';
import { quietLogger, testDatabase } from './helpers/services.js';

const T0 = Date.parse('2026-11-26T10:00:00.000Z');
let db: Db;
let drop: () => Promise<void>;

const sink = (into: OptimizationProposal[]) => async (p: OptimizationProposal) => {
  into.push(p);
  return { optimizationId: `opt-${into.length}`, created: true };
};

beforeAll(async () => {
  ({ db, drop } = await testDatabase());
  const snaps: MetricSnapshot[] = [];
  for (let i = 0; i < 30; i++) {
    const timestamp = T0 + i * 15_000;
    const labels = { pid: '4242', role: 'watched', comm: 'node' };
    snaps.push({ source: 'node:agent-main.abc123', timestamp, labels, metrics: { cpu_usage: 5, cgroup_cpu_used_cores: 0.2, cgroup_cpu_throttled_cores: 0.5, cgroup_cpu_throttled_periods_pct: 90 } });
    snaps.push({ source: 'node:other', timestamp, labels: { pid: '77', role: 'self' }, metrics: { cpu_usage: 1 } });
    snaps.push({ source: 'order-agent-1', timestamp, metrics: { db_pool_busy: 0.95, db_pool_waiting: 2, db_pool_wait_ms: 30, queue_depth: 3, event_loop_utilization: 0.2 } });
  }
  const writer = new MetricWriter(db, quietLogger(), { flushIntervalMs: 5, batchMaxSamples: 10_000, maxPendingSamples: 1_000_000 });
  await writer.write(snaps);
  await writer.stop();
});

afterAll(async () => {
  await drop?.();
});

describe('advisor callers', () => {
  it('loads a source snapshots pivoted by time, and lists the watched processes', async () => {
    const rows = await loadSnapshots(db, 'node:agent-main.abc123', LIMIT_METRICS, T0, T0 + 60_000);
    expect(rows).toHaveLength(5);
    expect(rows[0]).toEqual({ atMs: T0, metrics: { cgroup_cpu_used_cores: 0.2, cgroup_cpu_throttled_cores: 0.5, cgroup_cpu_throttled_periods_pct: 90 } });
    expect(await listWatchedProcesses(db, 0)).toEqual([{ source: 'node:agent-main.abc123', pid: 4242 }]);
  });

  it('runs a limits round: a throttled process gets a CPU raise through the sink, one without limits nothing', async () => {
    const got: OptimizationProposal[] = [];
    const result = await runLimitsRound({
      listProcesses: () => listWatchedProcesses(db, 0),
      loadSamples: (source, from, until) => loadSnapshots(db, source, LIMIT_METRICS, from, until),
      readLimits: (pid) => (pid === 4242 ? { version: 1, cpu: { cgroup: '/sys/fs/cgroup/cpu/app', limit: 0.2 } } : undefined),
      agentOf: () => 'order-agent-1',
      sink: sink(got),
      now: () => T0 + 30 * 15_000,
    });
    expect(result).toEqual({ examined: 1, proposed: 1, created: 1 });
    expect(got[0]).toMatchObject({ action: 'set_cpu_limit', params: { cgroup: '/sys/fs/cgroup/cpu/app', previous: 0.2 } });
    expect(got[0]!.expect.map((e) => e.source)).toEqual(['node:agent-main.abc123', 'order-agent-1']);
  });

  it('advises an SDK agent on its tunables for a bottleneck, and nothing for a source that does not answer', async () => {
    const bus = new MemoryBus();
    const tunables = new AgentTunables('order-agent-1', () => bus, pino({ level: 'silent' }));
    tunables.declare('db_pool_size', { type: 'integer', value: 1, minimum: 1, maximum: 16, role: 'db_pool_size', description: '', apply: () => undefined });
    tunables.start();
    const got: OptimizationProposal[] = [];
    const deps = { bus, sink: sink(got), loadSamples: (s: string, f: number, u: number) => loadSnapshots(db, s, AGENT_CONFIG_METRICS, f, u) };
    const proposals = await adviseAgentOnBottleneck(deps, { bottleneckId: 'b-1', source: 'order-agent-1', fromMs: T0, untilMs: T0 + 600_000 });
    expect(proposals.map((p) => p.params)).toEqual([{ agent_id: 'order-agent-1', key: 'db_pool_size', value: 4, previous: 1 }]);
    expect(got).toHaveLength(1);
    expect(await adviseAgentOnBottleneck(deps, { bottleneckId: 'b-2', source: 'node:other', fromMs: T0, untilMs: T0 + 600_000 })).toEqual([]);
  });
});
