import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { Agent } from '../../agent/agent.js';
import { createLogger } from '../../lifecycle/logger.js';
import { openPgDb } from '../../store/pg-db.js';
import { OrderRequest, OrderWorkload } from './order-workload.js';
import { SCENARIO_STARTERS } from './scenarios/index.js';
import { BASELINE_VERSION } from './scenarios/latency-regression.js';
import type { RunningScenario } from './scenarios/scenario.js';
import { orderSubject, type AgentMessage, type ParentMessage, type SimAgentConfig } from './sim-protocol.js';
import { declareSimTunables, SIM_TUNABLE_DEFAULTS } from './sim-tunables.js';

/** The channel to the parent (Node's IPC in the agent process). */
export interface ParentChannel {
  send(message: AgentMessage): void;
  onMessage(handler: (message: ParentMessage) => void): void;
}

/** Longest a stop may take before the process exits anyway. */
const STOP_DEADLINE_MS = 8000;

/**
 * A simulated agent: an SDK agent serving `sim.<agent_id>.order` with the order workload, whose
 * scenarios the parent switches on and off. Resolves once the agent has stopped (on the parent's
 * `stop`, or when `stopSignal` aborts).
 */
export async function runSimAgent(config: SimAgentConfig, parent: ParentChannel, stopSignal: AbortSignal, log?: Logger): Promise<void> {
  const logger = log ?? createLogger({ level: config.logLevel, name: config.agentId });
  const database = config.database;
  const agent = new Agent({
    agentId: config.agentId,
    log: logger,
    bus: config.bus,
    subjectPrefix: config.subjectPrefix,
    metricsIntervalMs: config.metricsIntervalMs,
    host: hostname(),
    ...(database
      ? {
          openDb: () =>
            openPgDb({ url: database.url, schema: database.schema, poolSize: config.dbPoolSize ?? SIM_TUNABLE_DEFAULTS.dbPoolSize, applicationName: config.agentId }),
        }
      : {}),
  });
  agent.setLabels({ version: BASELINE_VERSION, simulated: 'true' });
  const running = new Map<number, RunningScenario>();
  let workload: OrderWorkload | null = null;
  let stopping: Promise<void> | null = null;
  let markStopped = (): void => undefined;
  const stopped = new Promise<void>((resolve) => (markStopped = resolve));
  const stopAll = (): Promise<void> => {
    stopping ??= (async () => {
      const deadline = setTimeout(() => process.exit(1), STOP_DEADLINE_MS);
      deadline.unref();
      for (const [episode, s] of running) {
        await Promise.resolve(s.stop()).catch((err: unknown) => logger.error({ err, episode }, 'scenario failed to stop'));
      }
      running.clear();
      workload?.close();
      await agent.stop();
      markStopped();
    })();
    return stopping;
  };
  stopSignal.addEventListener('abort', () => void stopAll(), { once: true });

  await agent.open();
  const db = database ? agent.db : null;
  workload = new OrderWorkload(db, database?.orders ?? 1, agent.logger('orders'), config.dbHoldMs ?? 0);
  const orders = workload;
  const served = agent.handle(orderSubject(config.agentId), OrderRequest, (order) => orders.handle(order), {
    concurrency: config.concurrency ?? SIM_TUNABLE_DEFAULTS.concurrency,
    maxQueued: 5000,
  });
  declareSimTunables(agent, served, db);
  await agent.startComponents();
  const ctx = { agent, workload: orders, db, workDir: config.workDir, ratePerAgent: config.ratePerAgent, log: agent.logger('scenario') };

  parent.onMessage((m) => {
    if (m.type === 'stop') void stopAll();
    else if (m.type === 'start_scenario') {
      Promise.resolve()
        .then(() => SCENARIO_STARTERS[m.scenario](ctx))
        .then(
          (s) => {
            running.set(m.episode, s);
            parent.send({ type: 'scenario_started', episode: m.episode, at: Date.now() });
          },
          (err: unknown) => parent.send({ type: 'scenario_failed', episode: m.episode, message: (err as Error).message }),
        );
    } else if (m.type === 'stop_scenario') {
      const s = running.get(m.episode);
      running.delete(m.episode);
      Promise.resolve(s?.stop()).then(
        () => parent.send({ type: 'scenario_stopped', episode: m.episode, at: Date.now() }),
        (err: unknown) => parent.send({ type: 'scenario_failed', episode: m.episode, message: (err as Error).message }),
      );
    }
  });
  if (stopSignal.aborted) void stopAll();
  parent.send({ type: 'ready', agentId: config.agentId, pid: process.pid });
  logger.info({ subject: orderSubject(config.agentId), database: database?.schema ?? null }, 'simulated agent ready');
  await stopped;
}
