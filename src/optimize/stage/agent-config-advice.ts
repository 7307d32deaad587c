import type { Logger } from 'pino';
import { AgentConfigError, requestAgentTunables } from '../../bus/agent-config-client.js';
import type { Bus } from '../../bus/bus.js';
import { adviseAgentConfig, type AgentConfigAdvisorSettings } from '../agent-config/config-advisor.js';
import type { OptimizationProposal, ProposalSink } from '../proposal.js';

/** The metrics the configuration advisor reads from an agent's snapshots. */
export const AGENT_CONFIG_METRICS = [
  'db_pool_busy',
  'db_pool_waiting',
  'db_pool_wait_ms',
  'handler_latency_p95_ms',
  'queue_depth',
  'event_loop_utilization',
  'event_loop_delay_p99_ms',
] as const;

/** What the agent configuration advice needs. */
export interface AgentConfigAdviceDeps {
  /** The engine's bus, to ask the agent for its tunables. */
  readonly bus: Bus;
  /** The agent's snapshots of the window with `AGENT_CONFIG_METRICS` (e.g. `loadSnapshots` over the store). */
  loadSamples(source: string, fromMs: number, untilMs: number): Promise<readonly { readonly metrics: Readonly<Record<string, number>> }[]>;
  readonly sink: ProposalSink;
  readonly settings?: Partial<AgentConfigAdvisorSettings>;
  /** Wait for the tunables; default 2,000 ms. */
  readonly timeoutMs?: number;
  readonly log?: Pick<Logger, 'info' | 'warn'>;
}

/** A bottleneck of a source, over the time its evidence covers. */
export interface BottleneckWindow {
  readonly bottleneckId: string | null;
  readonly source: string;
  readonly fromMs: number;
  readonly untilMs: number;
}

/**
 * Advice on an agent's tunables for a bottleneck (call it when one opens on a source): asks the
 * source for its tunables, and if it is an SDK agent that has some, runs the configuration advisor
 * on its snapshots of the bottleneck's window and hands each proposal to the sink. A source that
 * does not answer (not an SDK agent, a process, a host) gets no advice; returns what was proposed.
 */
export async function adviseAgentOnBottleneck(d: AgentConfigAdviceDeps, b: BottleneckWindow): Promise<OptimizationProposal[]> {
  let tunables;
  try {
    tunables = await requestAgentTunables(d.bus, b.source, { timeoutMs: d.timeoutMs ?? 2000 });
  } catch (err) {
    if (err instanceof AgentConfigError && (err.code === 'no_responders' || err.code === 'timeout' || err.code === 'invalid_request')) return [];
    throw err;
  }
  if (tunables.length === 0) return [];
  const samples = await d.loadSamples(b.source, b.fromMs, b.untilMs);
  const proposals = adviseAgentConfig({ agentId: b.source, bottleneckId: b.bottleneckId, samples, tunables }, d.settings);
  for (const p of proposals) {
    if ((await d.sink(p)).created) d.log?.info({ source: b.source, params: p.params }, p.rationale);
  }
  return proposals;
}
