import type { PoolStats } from '../../store/db.js';

const round = (v: number): number => Math.round(v * 1000) / 1000;

/**
 * Metrics of the database connection pool over one interval (docs/sdk.md): its size, the mean
 * number of connections in use and of queries waiting for one (by Little's law, summed hold and
 * wait times over the interval), and the mean wait per connection handed out. The first interval
 * (no previous reading) gives the size alone.
 */
export function poolMetrics(prev: PoolStats | undefined, cur: PoolStats, elapsedMs: number): Record<string, number> {
  const m: Record<string, number> = { db_pool_size: cur.max };
  if (prev === undefined || !(elapsedMs > 0)) return m;
  m.db_pool_busy = round(Math.max(0, cur.holdMs - prev.holdMs) / elapsedMs);
  m.db_pool_waiting = round(Math.max(0, cur.waitMs - prev.waitMs) / elapsedMs);
  const acquired = cur.acquired - prev.acquired;
  if (acquired > 0) m.db_pool_wait_ms = round(Math.max(0, cur.waitMs - prev.waitMs) / acquired);
  return m;
}
