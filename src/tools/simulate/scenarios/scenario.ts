import type { Logger } from 'pino';
import type { Agent } from '../../../agent/agent.js';
import type { Db } from '../../../store/db.js';
import type { OrderWorkload } from '../order-workload.js';

/** What a scenario may act on inside a simulated agent. */
export interface ScenarioContext {
  readonly agent: Agent;
  readonly workload: OrderWorkload;
  /** The agent's (instrumented) database, null in embedded mode. */
  readonly db: Db | null;
  /** A folder of the agent's own for files; the parent removes it. */
  readonly workDir: string;
  /** Requests per second the agent receives. */
  readonly ratePerAgent: number;
  readonly log: Logger;
}

/** A scenario switched on; `stop` switches it off and releases what it holds. */
export interface RunningScenario {
  stop(): void | Promise<void>;
}

/** Switches a scenario on. */
export type ScenarioStarter = (ctx: ScenarioContext) => RunningScenario | Promise<RunningScenario>;
