import { describe, expect, it } from 'vitest';
import { poolMetrics } from './pool-metrics.js';

const stats = (s: { acquired: number; waitMs: number; holdMs: number }) => ({ max: 4, total: 4, idle: 0, waiting: 2, ...s });

describe('poolMetrics', () => {
  it('gives mean connections in use and queries waiting over the interval, and the mean wait per connection handed out', () => {
    const m = poolMetrics(stats({ acquired: 100, waitMs: 1000, holdMs: 5000 }), stats({ acquired: 300, waitMs: 4000, holdMs: 8800 }), 1000);
    expect(m).toEqual({ db_pool_size: 4, db_pool_busy: 3.8, db_pool_waiting: 3, db_pool_wait_ms: 15 });
  });

  it('gives the size alone without a previous reading, and no wait when nothing was handed out', () => {
    expect(poolMetrics(undefined, stats({ acquired: 1, waitMs: 1, holdMs: 1 }), 1000)).toEqual({ db_pool_size: 4 });
    const idle = stats({ acquired: 5, waitMs: 0, holdMs: 10 });
    expect(poolMetrics(idle, idle, 1000)).toEqual({ db_pool_size: 4, db_pool_busy: 0, db_pool_waiting: 0 });
  });
});
