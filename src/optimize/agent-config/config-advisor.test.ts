import { describe, expect, it } from 'vitest';
import type { TunableDescriptor } from '../../model/agent-tunable.js';
import { adviseAgentConfig, type AgentConfigEvidence } from './config-advisor.js';

const pool = (value: number, maximum = 32): TunableDescriptor => ({
  name: 'db_pool_size',
  type: 'integer',
  value,
  default: value,
  minimum: 1,
  maximum,
  role: 'db_pool_size',
  affects: ['db_pool_wait_ms'],
  description: '',
  live: true,
});
const concurrency = (value: number): TunableDescriptor => ({ ...pool(value, 256), name: 'concurrency', role: 'concurrency', default: value, value });
const evidence = (tunables: TunableDescriptor[], metrics: Record<string, number>): AgentConfigEvidence => ({
  agentId: 'order-agent-1',
  bottleneckId: 'b-7',
  tunables,
  samples: [0.9, 1, 1.1].map((f) => ({ metrics: Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, v * f])) })),
});

describe('adviseAgentConfig: pool', () => {
  it('sizes a saturated pool to the queries in flight plus 25 %, judged on pool wait and latency', () => {
    const [p, ...rest] = adviseAgentConfig(evidence([pool(1), concurrency(64)], { db_pool_busy: 0.97, db_pool_waiting: 2.4, db_pool_wait_ms: 38, handler_latency_p95_ms: 80, queue_depth: 3.5, event_loop_utilization: 0.2 }));
    expect(rest).toEqual([]); // the calls wait for the pool, not for a slot
    expect(p).toMatchObject({
      action: 'set_agent_config',
      params: { agent_id: 'order-agent-1', key: 'db_pool_size', value: 5, previous: 1 },
      undo: { action: 'set_agent_config', params: { agent_id: 'order-agent-1', key: 'db_pool_size', value: 1, previous: 5 } },
      source: 'order-agent-1',
      bottleneckId: 'b-7',
      key: 'set_agent_config:order-agent-1.db_pool_size',
      predicted: { db_pool_size_before: 1, db_pool_size_after: 5, pool_wait_ms: 38, expected_pool_wait_ms: 0 },
    });
    expect(p!.expect).toEqual([
      { metric: 'db_pool_wait_ms', direction: 'decrease' },
      { metric: 'handler_latency_p95_ms', direction: 'decrease' },
    ]);
    expect(p!.rationale).toMatch(/queries waited 38 ms on average for one of 1 connections/);
  });

  it('stays within the declared maximum, and says nothing at it or when the pool is not short', () => {
    expect(adviseAgentConfig(evidence([pool(4, 6)], { db_pool_busy: 3.9, db_pool_waiting: 8 }))[0]!.params.value).toBe(6);
    expect(adviseAgentConfig(evidence([pool(6, 6)], { db_pool_busy: 5.9, db_pool_waiting: 8 }))).toEqual([]);
    expect(adviseAgentConfig(evidence([pool(4)], { db_pool_busy: 1.2, db_pool_waiting: 0.9 }))).toEqual([]);
    expect(adviseAgentConfig(evidence([pool(4)], { db_pool_busy: 3.9, db_pool_waiting: 0.1 }))).toEqual([]);
  });

  it('ignores tunables that are not live or have no known role, and needs enough samples', () => {
    expect(adviseAgentConfig(evidence([{ ...pool(1), live: false }], { db_pool_busy: 1, db_pool_waiting: 3 }))).toEqual([]);
    const { role: _role, ...noRole } = pool(1);
    expect(adviseAgentConfig(evidence([noRole], { db_pool_busy: 1, db_pool_waiting: 3 }))).toEqual([]);
    expect(adviseAgentConfig(evidence([pool(1)], { db_pool_busy: 1, db_pool_waiting: 3 }), { minSamples: 4 })).toEqual([]);
  });
});

describe('adviseAgentConfig: concurrency', () => {
  it('raises a limit the calls wait for while the loop has room', () => {
    const [p] = adviseAgentConfig(evidence([concurrency(4)], { queue_depth: 12, event_loop_utilization: 0.3, handler_latency_p95_ms: 200 }));
    expect(p!.params).toMatchObject({ key: 'concurrency', value: 15, previous: 4 });
    expect(p!.expect).toEqual([{ metric: 'handler_latency_p95_ms', direction: 'decrease' }]);
  });

  it('halves the limit of a saturated loop, judged on the event-loop delay', () => {
    const [p] = adviseAgentConfig(evidence([concurrency(64)], { queue_depth: 60, event_loop_utilization: 0.98, event_loop_delay_p99_ms: 180 }));
    expect(p!.params).toMatchObject({ key: 'concurrency', value: 32, previous: 64 });
    expect(p!.expect).toEqual([{ metric: 'event_loop_delay_p99_ms', direction: 'decrease' }]);
  });

  it('leaves a limit alone that is not reached, or whose calls are CPU-bound without long delays', () => {
    expect(adviseAgentConfig(evidence([concurrency(64)], { queue_depth: 5, event_loop_utilization: 0.3 }))).toEqual([]);
    expect(adviseAgentConfig(evidence([concurrency(8)], { queue_depth: 20, event_loop_utilization: 0.85, event_loop_delay_p99_ms: 20 }))).toEqual([]);
  });
});
