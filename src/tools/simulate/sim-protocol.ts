import type { NatsAuth } from '../../bus/nats-bus.js';
import type { ScenarioName } from './scenario-catalog.js';

/** Environment variable carrying a simulated agent's configuration (JSON) to its process. */
export const SIM_AGENT_CONFIG_ENV = 'PERF_ENGINE_SIM_AGENT';

/** How a simulated agent reaches NATS (the engine's own settings, passed on). */
export interface SimBusConfig extends NatsAuth {
  readonly url: string;
  readonly name: string;
}

/** Everything a simulated agent process is started with. */
export interface SimAgentConfig {
  readonly agentId: string;
  readonly index: number;
  readonly bus: SimBusConfig;
  readonly subjectPrefix: string;
  /** The simulation's PostgreSQL schema holding `sim_orders`; null in embedded mode. */
  readonly database: { readonly url: string; readonly schema: string; readonly orders: number } | null;
  /** A folder of its own for what scenarios write; removed by the parent. */
  readonly workDir: string;
  readonly metricsIntervalMs: number;
  /** Requests per second this agent receives from the load generator. */
  readonly ratePerAgent: number;
  readonly logLevel: string;
  /** Starting values of the agent's tunables (docs/simulator.md#tunables); defaults 4 and 256. */
  readonly dbPoolSize?: number;
  readonly concurrency?: number;
  /**
   * How long each order's row lookup holds its connection, ms (`pg_sleep` in the query), as a
   * database across a network or behind a lock would; default 0.
   */
  readonly dbHoldMs?: number;
}

/** Parent to agent. */
export type ParentMessage =
  | { readonly type: 'start_scenario'; readonly episode: number; readonly scenario: ScenarioName }
  | { readonly type: 'stop_scenario'; readonly episode: number }
  | { readonly type: 'stop' };

/** Agent to parent; times are epoch milliseconds. */
export type AgentMessage =
  | { readonly type: 'ready'; readonly agentId: string; readonly pid: number }
  | { readonly type: 'scenario_started'; readonly episode: number; readonly at: number }
  | { readonly type: 'scenario_stopped'; readonly episode: number; readonly at: number }
  | { readonly type: 'scenario_failed'; readonly episode: number; readonly message: string };

/** The subject on which a simulated agent serves orders. */
export function orderSubject(agentId: string): string {
  return `sim.${agentId}.order`;
}
