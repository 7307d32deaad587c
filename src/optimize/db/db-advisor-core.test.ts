import { describe, expect, it } from 'vitest';
import { blockDelta, cacheHit, reportableLockWaits } from './db-health.js';
import { advisorCost, nextPlanLimit } from './db-findings.js';
import { databaseOfUrl, resolveDbTargets } from './db-targets.js';
import { statementPoints, statementSource } from './statement-series.js';

describe('statement series', () => {
  it('gives the mean time of the calls between two readings and their rate, no mean for an idle interval', () => {
    const prev = new Map([['1', { calls: 100, totalMs: 2000 }], ['2', { calls: 5, totalMs: 50 }], ['3', { calls: 9, totalMs: 90 }]]);
    const cur = new Map([['1', { calls: 150, totalMs: 2100 }], ['2', { calls: 5, totalMs: 50 }], ['3', { calls: 1, totalMs: 5 }], ['4', { calls: 1, totalMs: 1 }]]);
    expect(statementPoints('shop', prev, cur, 0, 10_000)).toEqual([
      { source: 'shop:1', timestamp: 10_000, metrics: { db_statement_calls_per_sec: 5, db_statement_mean_ms: 2 } },
      { source: 'shop:2', timestamp: 10_000, metrics: { db_statement_calls_per_sec: 0 } },
    ]);
    expect(statementSource('my db', '-42')).toBe('my_db:-42');
  });
});

describe('targets', () => {
  it("watches the engine's own PostgreSQL by default and says PGlite has no pg_stat_statements", () => {
    expect(resolveDbTargets([], 'postgres://u:p@h/engine')).toEqual({ targets: [{ url: 'postgres://u:p@h/engine' }], missing: [] });
    expect(resolveDbTargets([], null).missing[0]).toMatchObject({ what: 'postgresql' });
  });

  it('takes URLs as they are and names as databases on the engine server', () => {
    const r = resolveDbTargets(['postgresql://x@other/shop', 'inventory'], 'postgres://u:p@h:5432/engine?sslmode=require');
    expect(r.targets.map((t) => t.url)).toEqual(['postgresql://x@other/shop', 'postgres://u:p@h:5432/inventory?sslmode=require']);
    expect(resolveDbTargets(['inventory'], null).missing[0]!.fix).toContain('postgres://user@host:5432/inventory');
    expect(databaseOfUrl('postgres://u@h:5432/my%20db')).toBe('my db');
    expect(databaseOfUrl('postgres://u@h')).toBeNull();
  });
});

describe('health', () => {
  it('computes the cache hit ratio over the window and calls it poor below 99 %', () => {
    const d = blockDelta({ hit: 1000, read: 10 }, { hit: 10_000, read: 210 });
    expect(d).toEqual({ hit: 9000, read: 200 });
    const c = cacheHit(d, new Map([['adv.a', { hit: 10, read: 90 }], ['adv.b', { hit: 50, read: 0 }]]));
    expect(c.ratio).toBeCloseTo(9000 / 9200);
    expect(c.poor).toBe(true);
    expect(c.worstTables).toEqual([{ table: 'adv.a', ratio: 0.1, read: 90 }]);
    expect(cacheHit({ hit: 10, read: 1 }, new Map()).ratio).toBeNull();
    expect(blockDelta({ hit: 5, read: 5 }, { hit: 1, read: 1 })).toEqual({ hit: 1, read: 1 });
  });

  it('reports lock waits of a second or more, longest first', () => {
    const w = (pid: number, waitingMs: number) => ({ pid, waitingMs, lockType: 'relation', mode: 'AccessExclusiveLock', relation: 't', blockedBy: [1], query: 'x' });
    expect(reportableLockWaits([w(2, 500), w(3, 1500), w(4, 9000)]).map((x) => x.pid)).toEqual([4, 3]);
  });
});

describe('advisor cost', () => {
  it('plans half as many statements after a pass over 1 % of the interval, and more again well under it', () => {
    expect(nextPlanLimit(10, 10, 4000, 300_000)).toBe(5);
    expect(nextPlanLimit(5, 10, 1000, 300_000)).toBe(10);
    expect(nextPlanLimit(4, 10, 2000, 300_000)).toBe(4);
    expect(nextPlanLimit(1, 10, 9000, 300_000)).toBe(1);
  });

  it('states the share of the interval and of the database time', () => {
    expect(advisorCost(80, 150, 300_000, 60_000)).toEqual({ statements: 80, ms: 150, windowMs: 300_000, dbTimeMs: 60_000, shareOfWindowPct: 0.05, shareOfDbTimePct: 0.25 });
    expect(advisorCost(1, 1, null, null).shareOfWindowPct).toBeNull();
  });
});
