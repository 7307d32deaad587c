import type { TunableDescriptor, TunableRole } from '../../model/agent-tunable.js';
import type { ExpectedMove, OptimizationProposal } from '../proposal.js';

/** What the agent configuration advisor is told of one SDK agent. */
export interface AgentConfigEvidence {
  /** The agent id, which is also its source. */
  readonly agentId: string;
  /** The bottleneck whose evidence this is, if any. */
  readonly bottleneckId: string | null;
  /** The agent's snapshots over the bottleneck (or recent ones): their metrics are averaged. */
  readonly samples: readonly { readonly metrics: Readonly<Record<string, number>> }[];
  /** What the agent publishes on `agent.<agent_id>.tunables`. */
  readonly tunables: readonly TunableDescriptor[];
}

/** Thresholds of the rules; {@link AGENT_CONFIG_ADVISOR_DEFAULTS} documents each. */
export interface AgentConfigAdvisorSettings {
  /** Fewer snapshots than this: no advice. */
  readonly minSamples: number;
  /** The pool is short when at least this many queries wait for a connection on average... */
  readonly poolWaiting: number;
  /** ...while at least this share of its connections is in use. */
  readonly poolBusyShare: number;
  /** Room left above the queries in flight when sizing the pool, and above the calls in progress when sizing concurrency. */
  readonly margin: number;
  /** Concurrency binds when calls in progress reach this multiple of the limit... */
  readonly queueOverLimit: number;
  /** ...while the event loop is busy less than this share of the time (it has room for more). */
  readonly loopRoom: number;
  /** The loop is saturated from this utilization... */
  readonly saturatedLoop: number;
  /** ...with at least this event-loop delay (p99, ms). */
  readonly saturatedDelayMs: number;
}

/** Defaults: a quarter of margin; a pool short with half a query waiting on average and 80 % busy; a loop with room below 70 % busy, saturated above 90 % with 50 ms of delay. */
export const AGENT_CONFIG_ADVISOR_DEFAULTS: AgentConfigAdvisorSettings = Object.freeze({
  minSamples: 3,
  poolWaiting: 0.5,
  poolBusyShare: 0.8,
  margin: 0.25,
  queueOverLimit: 1.2,
  loopRoom: 0.7,
  saturatedLoop: 0.9,
  saturatedDelayMs: 50,
});

type Means = Readonly<Record<string, number | undefined>>;

function means(samples: AgentConfigEvidence['samples']): Means {
  const sum: Record<string, { s: number; n: number }> = {};
  for (const { metrics } of samples) {
    for (const [k, v] of Object.entries(metrics)) {
      if (!Number.isFinite(v)) continue;
      const acc = (sum[k] ??= { s: 0, n: 0 });
      acc.s += v;
      acc.n++;
    }
  }
  return Object.fromEntries(Object.entries(sum).map(([k, { s, n }]) => [k, s / n]));
}

const r2 = (v: number): number => Math.round(v * 100) / 100;

/** A live numeric tunable of `role`, when the agent has one. */
function tunableOf(e: AgentConfigEvidence, role: TunableRole): (TunableDescriptor & { value: number }) | undefined {
  const t = e.tunables.find((x) => x.role === role && x.live && (x.type === 'integer' || x.type === 'number') && typeof x.value === 'number');
  return t as (TunableDescriptor & { value: number }) | undefined;
}

function proposal(e: AgentConfigEvidence, t: TunableDescriptor & { value: number }, value: number, rationale: string, predicted: Record<string, unknown>, expect: ExpectedMove[]): OptimizationProposal {
  return {
    action: 'set_agent_config',
    params: { agent_id: e.agentId, key: t.name, value, previous: t.value },
    undo: { action: 'set_agent_config', params: { agent_id: e.agentId, key: t.name, value: t.value, previous: value } },
    source: e.agentId,
    bottleneckId: e.bottleneckId,
    rationale,
    predicted: { [`${t.name}_before`]: t.value, [`${t.name}_after`]: value, ...predicted },
    expect,
    key: `set_agent_config:${e.agentId}.${t.name}`,
  };
}

/** Clamps a proposed size into the tunable's bounds (and its integer steps); undefined when that changes nothing. */
function within(t: TunableDescriptor & { value: number }, want: number): number | undefined {
  const v = Math.min(t.maximum ?? want, Math.max(t.minimum ?? want, t.type === 'integer' ? Math.round(want) : want));
  return v === t.value ? undefined : v;
}

/**
 * The pool rule: queries wait for a connection (`db_pool_waiting`) while the pool is nearly all
 * in use (`db_pool_busy`). Without the limit, the queries in flight (busy + waiting) would all
 * run, so the pool is sized to that plus the margin, at least one more than now.
 */
function poolRule(e: AgentConfigEvidence, m: Means, s: AgentConfigAdvisorSettings): OptimizationProposal | undefined {
  const t = tunableOf(e, 'db_pool_size');
  const busy = m.db_pool_busy;
  const waiting = m.db_pool_waiting;
  if (t === undefined || busy === undefined || waiting === undefined) return undefined;
  if (waiting < s.poolWaiting || busy < t.value * s.poolBusyShare) return undefined;
  const value = within(t, Math.max(t.value + 1, Math.ceil((busy + waiting) * (1 + s.margin))));
  if (value === undefined) return undefined;
  const waitMs = m.db_pool_wait_ms ?? 0;
  return proposal(
    e,
    t,
    value,
    `queries waited ${r2(waitMs)} ms on average for one of ${t.value} connections (${r2(busy)} in use, ${r2(waiting)} waiting on average): ` +
      `${r2(busy + waiting)} queries in flight, + ${Math.round(s.margin * 100)}% margin, give a pool of ${value}`,
    { margin: s.margin, pool_busy: r2(busy), pool_waiting: r2(waiting), pool_wait_ms: r2(waitMs), expected_pool_wait_ms: 0, expected_latency_saving_ms: r2(waitMs) },
    [
      { metric: 'db_pool_wait_ms', direction: 'decrease' },
      ...(m.handler_latency_p95_ms !== undefined ? [{ metric: 'handler_latency_p95_ms', direction: 'decrease' as const }] : []),
    ],
  );
}

/**
 * The concurrency rule. Calls wait for a slot (more in progress than may run) while the loop has
 * room and the database pool is not what they wait for: raise the limit to the calls in progress
 * plus the margin. The loop is saturated (busy nearly all the time, long delays) with the limit
 * reached: every call in progress interleaves with the others on the one thread, so halve it;
 * calls then wait in the queue instead, and the loop answers timers and I/O sooner.
 */
function concurrencyRule(e: AgentConfigEvidence, m: Means, s: AgentConfigAdvisorSettings, poolShort: boolean): OptimizationProposal | undefined {
  const t = tunableOf(e, 'concurrency');
  const depth = m.queue_depth;
  const elu = m.event_loop_utilization;
  if (t === undefined || depth === undefined || elu === undefined) return undefined;
  const delay = m.event_loop_delay_p99_ms ?? 0;
  if (depth >= t.value * s.queueOverLimit && elu < s.loopRoom && !poolShort) {
    const value = within(t, Math.max(t.value + 1, Math.ceil(depth * (1 + s.margin))));
    if (value === undefined) return undefined;
    return proposal(
      e,
      t,
      value,
      `${r2(depth)} calls were in progress on average for ${t.value} allowed to run, with the event loop busy ${Math.round(elu * 100)}% of the time: ` +
        `calls wait for a slot, not for the CPU; ${r2(depth)} + ${Math.round(s.margin * 100)}% margin gives ${value}`,
      { margin: s.margin, queue_depth: r2(depth), event_loop_utilization: r2(elu) },
      [{ metric: 'handler_latency_p95_ms', direction: 'decrease' }],
    );
  }
  if (elu >= s.saturatedLoop && delay >= s.saturatedDelayMs && depth >= t.value * 0.8) {
    const value = within(t, Math.ceil(t.value / 2));
    if (value === undefined) return undefined;
    return proposal(
      e,
      t,
      value,
      `the event loop was busy ${Math.round(elu * 100)}% of the time with a p99 delay of ${r2(delay)} ms while ${r2(depth)} calls were in progress (limit ${t.value}): ` +
        `they interleave on one thread; halving the limit queues the rest and shortens the delay`,
      { queue_depth: r2(depth), event_loop_utilization: r2(elu), event_loop_delay_p99_ms: r2(delay) },
      [{ metric: 'event_loop_delay_p99_ms', direction: 'decrease' }],
    );
  }
  return undefined;
}

/**
 * The agent configuration advisor (docs/agent-tunables.md): from an agent's recent snapshots and
 * the tunables it publishes, `set_agent_config` proposals for its `db_pool_size` and `concurrency`
 * tunables (found by role), within their declared bounds, each with its undo, rationale,
 * prediction and judging metrics. Pure.
 */
export function adviseAgentConfig(e: AgentConfigEvidence, settings: Partial<AgentConfigAdvisorSettings> = {}): OptimizationProposal[] {
  const s = { ...AGENT_CONFIG_ADVISOR_DEFAULTS, ...settings };
  if (e.samples.length < s.minSamples) return [];
  const m = means(e.samples);
  const pool = poolRule(e, m, s);
  const poolShort = (m.db_pool_waiting ?? 0) >= s.poolWaiting;
  return [pool, concurrencyRule(e, m, s, poolShort)].filter((p): p is OptimizationProposal => p !== undefined);
}
