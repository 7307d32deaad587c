import { describe, expect, it } from 'vitest';
import { dropCandidates, dropProposals, rebuildDdl, writesTo, type IndexFacts } from './index-hygiene.js';

const ix = (index: string, keys: string[], more: Partial<IndexFacts> = {}): IndexFacts => ({
  schema: 'adv',
  table: 'orders',
  index,
  method: 'btree',
  keys,
  keySignature: keys.map((k) => `${k}|3124|0|0`),
  includeCount: 0,
  predicate: null,
  unique: false,
  primary: false,
  constraint: false,
  valid: true,
  scans: 10,
  sizeBytes: 1 << 20,
  definition: `CREATE INDEX ${index} ON adv.orders USING btree (${keys.join(', ')})`,
  ...more,
});
const days = (n: number) => () => n;
const found = (list: IndexFacts[], observed = 30, min = 7) => dropCandidates(list, days(observed), min).map((d) => [d.reason, d.index.index, d.coveredBy]);

describe('dropCandidates', () => {
  it('reports an index whose keys lead another of the same table, method and predicate', () => {
    const pk = ix('orders_pkey', ['id'], { unique: true, primary: true, constraint: true });
    expect(found([pk, ix('by_customer', ['customer_id']), ix('by_customer_date', ['customer_id', 'created_at'])])).toEqual([['duplicate', 'by_customer', 'by_customer_date']]);
    expect(found([ix('a', ['x']), ix('b', ['x'], { predicate: '(x > 0)' })])).toEqual([]);
    expect(found([ix('a', ['x']), ix('b', ['x', 'y'], { method: 'hash' })])).toEqual([]);
  });

  it('keeps one of two identical indexes: the one enforcing a constraint, else the more scanned, else the first by name', () => {
    expect(found([ix('u', ['x'], { unique: true, constraint: true, scans: 0 }), ix('plain', ['x'], { scans: 99 })])).toEqual([['duplicate', 'plain', 'u']]);
    expect(found([ix('a', ['x'], { scans: 1 }), ix('b', ['x'], { scans: 5 })])).toEqual([['duplicate', 'a', 'b']]);
    expect(found([ix('b', ['x']), ix('a', ['x'])])).toEqual([['duplicate', 'b', 'a']]);
  });

  it('reports an unscanned index once the scans cover the minimum days, never one enforcing a constraint or invalid', () => {
    const list = [ix('idle', ['status'], { scans: 0 }), ix('pk', ['id'], { scans: 0, primary: true, unique: true, constraint: true }), ix('broken', ['y'], { scans: 0, valid: false })];
    expect(found(list, 30)).toEqual([['unused', 'idle', null]]);
    expect(found(list, 3)).toEqual([]);
  });
});

describe('dropProposals', () => {
  it('drops concurrently, undoes by rebuilding the definition, and is judged on the statements writing the table', () => {
    const d = dropCandidates([ix('idle', ['status'], { scans: 0 })], days(12.34), 7);
    const [p] = dropProposals('shop', d, [
      { queryid: '5', query: 'INSERT INTO adv.orders (status) VALUES ($1)' },
      { queryid: '6', query: 'SELECT * FROM adv.orders' },
    ]);
    expect(p).toMatchObject({
      action: 'drop_index',
      params: { database: 'shop', schema: 'adv', table: 'orders', index: 'idle', ddl: 'DROP INDEX CONCURRENTLY IF EXISTS "adv"."idle"', reason: 'unused' },
      undo: {
        action: 'create_index',
        params: { columns: ['status'], method: 'btree', index: 'idle', ddl: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS idle ON adv.orders USING btree (status)', queryids: [] },
      },
      predicted: { size_bytes: 1 << 20, scans: 0, covered_by: null, observed_days: 12.3 },
      expect: [{ metric: 'db_statement_mean_ms', direction: 'decrease', source: 'shop:5' }],
      key: 'drop_index:shop.adv.idle',
    });
    expect(p!.rationale).toContain('has not been scanned in the 12.3 days');
  });

  it('rebuilds unique indexes as unique and recognizes the statements that write a table', () => {
    expect(rebuildDdl('CREATE UNIQUE INDEX u ON s.t USING btree (a)')).toBe('CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS u ON s.t USING btree (a)');
    expect(writesTo('update orders set a = $1', 'adv', 'orders')).toBe(true);
    expect(writesTo('DELETE FROM "adv"."orders" WHERE id = $1', 'adv', 'orders')).toBe(true);
    expect(writesTo('WITH x AS (SELECT 1) INSERT INTO adv.orders SELECT * FROM x', 'adv', 'orders')).toBe(true);
    expect(writesTo('UPDATE adv.orders_archive SET a = $1', 'adv', 'orders')).toBe(false);
    expect(writesTo('SELECT * FROM adv.orders', 'adv', 'orders')).toBe(false);
  });
});
