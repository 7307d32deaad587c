import type { Agent, HandlerControl } from '../../agent/agent.js';
import type { Db } from '../../store/db.js';

/** Starting values of a simulated agent's tunables unless its configuration says otherwise. */
export const SIM_TUNABLE_DEFAULTS = Object.freeze({ dbPoolSize: 4, concurrency: 256 });

/** Bounds the simulated agents declare: the most that a configuration update may ask of them. */
const MAX_POOL = 32;
const MAX_CONCURRENCY = 1024;

/**
 * Declares a simulated agent's real tunables (docs/simulator.md#tunables): `concurrency`, the
 * order handler's calls running at once, and, with PostgreSQL, `db_pool_size`, the connections of
 * its pool. Both take effect at once and show in `handler_latency_p95_ms` under load.
 */
export function declareSimTunables(agent: Agent, orders: HandlerControl, db: Db | null): void {
  agent.tunable('concurrency', {
    type: 'integer',
    value: orders.concurrency,
    minimum: 1,
    maximum: MAX_CONCURRENCY,
    role: 'concurrency',
    affects: ['handler_latency_p95_ms', 'queue_depth', 'event_loop_delay_p99_ms'],
    description: 'order requests handled at once; more wait in the queue',
    apply: (n) => orders.setConcurrency(n),
  });
  const pool = db?.pool;
  if (pool === undefined) return;
  agent.tunable('db_pool_size', {
    type: 'integer',
    value: pool.stats().max,
    minimum: 1,
    maximum: MAX_POOL,
    role: 'db_pool_size',
    affects: ['db_pool_wait_ms', 'db_query_p95_ms', 'handler_latency_p95_ms'],
    description: 'PostgreSQL connections the agent uses at once',
    apply: (n) => pool.resize(n),
  });
}
