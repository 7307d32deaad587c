import type { Db } from '../../../store/db.js';
import type { OrderRequest } from '../order-workload.js';
import type { RunningScenario, ScenarioContext } from './scenario.js';

/** Slow queries per second aimed at, so the database is not swamped at high rates. */
const SLOW_PER_SECOND = 4;

/** Share of requests that take the slow path: at least 12% so the p95 of all queries lands on it, at most 25%. */
export function slowQueryShare(ratePerAgent: number): number {
  return Math.min(0.25, Math.max(0.12, SLOW_PER_SECOND / Math.max(1, ratePerAgent)));
}

/** The customer's order history by e-mail: there is no index on `customer_email`, so every call scans the table. */
export async function slowDbQueryCustomerHistory(db: Db, customerId: number): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    'SELECT count(*) AS n, coalesce(sum(total), 0) AS spent FROM sim_orders WHERE customer_email = $1',
    [`customer${customerId % 50_000}@example.com`],
  );
  return Number(rows[0]?.n ?? 0);
}

/** `slow_db_query`: a share of requests also look the customer's history up on an unindexed column. */
export function startSlowDbQuery(ctx: ScenarioContext): RunningScenario {
  const db = ctx.db;
  if (!db) throw new Error('slow_db_query needs PostgreSQL');
  const share = slowQueryShare(ctx.ratePerAgent);
  const hook = async (order: OrderRequest) => {
    if (Math.random() < share) await slowDbQueryCustomerHistory(db, order.customer_id);
  };
  ctx.workload.hooks.add(hook);
  ctx.log.info({ share }, 'slow_db_query on');
  return { stop: () => void ctx.workload.hooks.delete(hook) };
}
