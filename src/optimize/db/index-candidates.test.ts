import { describe, expect, it } from 'vitest';
import { createIndexDdl, dropIndexDdl, indexCandidates, indexName, MAX_CANDIDATES_PER_STATEMENT, type TableFacts } from './index-candidates.js';
import type { ScanNeed } from './plan-needs.js';

const orders: ScanNeed = {
  schema: 'adv',
  table: 'orders',
  planRows: 100,
  columns: [
    { column: 'status', use: 'eq' },
    { column: 'created_at', use: 'sort' },
    { column: 'customer_id', use: 'join' },
  ],
};
const facts = (rows: number, indexes: string[][] = []): Map<string, TableFacts> => new Map([['adv.orders', { rows, indexes }]]);
const cols = (need: ScanNeed, f: Map<string, TableFacts>) => indexCandidates([need], f).map((c) => c.columns.join(','));

describe('indexCandidates', () => {
  it('proposes each column alone, then pairs led by an equality or join column', () => {
    expect(cols(orders, facts(200_000))).toEqual([
      'status',
      'created_at',
      'customer_id',
      'status,created_at',
      'status,customer_id',
      'customer_id,status',
      'customer_id,created_at',
    ]);
  });

  it('drops filter columns of a scan that keeps most of the table, tiny tables, and what an index already leads with', () => {
    expect(cols({ ...orders, planRows: 150_000 }, facts(200_000))).toEqual(['created_at', 'customer_id', 'customer_id,created_at']);
    expect(cols(orders, facts(500))).toEqual([]);
    expect(cols(orders, facts(200_000, [['status', 'created_at']]))).toEqual(['created_at', 'customer_id', 'status,customer_id', 'customer_id,status', 'customer_id,created_at']);
  });

  it('costs at most a dozen candidates per statement', () => {
    const wide: ScanNeed = { ...orders, columns: 'abcdefgh'.split('').map((c) => ({ column: c, use: 'eq' as const })) };
    expect(indexCandidates([wide], facts(1e6))).toHaveLength(MAX_CANDIDATES_PER_STATEMENT);
  });
});

describe('index DDL', () => {
  it('names the index after table and columns, within 63 bytes', () => {
    expect(indexName('orders', ['customer_id'])).toBe('orders_customer_id_pe_idx');
    const long = indexName('a_very_long_table_name_for_testing', ['a_very_long_column_name', 'another_long_column']);
    expect(new TextEncoder().encode(long).length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^a_very_long_table_name_for_testing_a_very_long_+[0-9a-f]{8}_pe_idx$/);
    expect(indexName('a_very_long_table_name_for_testing', ['a_very_long_column_name', 'another_long_column'])).toBe(long);
  });

  it('creates and drops concurrently and idempotently, with every identifier quoted', () => {
    const c = { schema: 'adv', table: 'order', columns: ['user', 'Created'], method: 'btree' as const };
    expect(createIndexDdl(c, 'order_user_Created_pe_idx')).toBe(
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS "order_user_Created_pe_idx" ON "adv"."order" USING btree ("user", "Created")',
    );
    expect(dropIndexDdl('adv', 'x"y')).toBe('DROP INDEX CONCURRENTLY IF EXISTS "adv"."x""y"');
  });
});
