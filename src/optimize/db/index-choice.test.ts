import { describe, expect, it } from 'vitest';
import { chooseIndex, gainBar, indexProposals, type CostedCandidate, type PlannedStatement } from './index-choice.js';
import type { IndexCandidate } from './index-candidates.js';
import type { RankedStatement } from './statements.js';

const settings = { minGain: 0.5, writeHeavyFactor: 2 };
const cand = (...columns: string[]): IndexCandidate => ({ schema: 'adv', table: 'orders', columns, method: 'btree' });
const costed = (c: IndexCandidate, costAfter: number, used = true): CostedCandidate => ({ candidate: c, costAfter, used, sizeBytes: 4096 });
const stmt = (queryid: string): RankedStatement => ({
  queryid,
  query: 'SELECT * FROM adv.orders WHERE customer_id = $1',
  calls: 500,
  totalMs: 10_000,
  meanMs: 20,
  rows: 500,
  sharedBlksHit: 0,
  sharedBlksRead: 0,
  sharePct: 80,
  plannable: true,
});
const readHeavy = () => gainBar(settings, { written: 200_000, read: 100_000_000 });

describe('gainBar', () => {
  it('asks min gain of a read-mostly table and a cost left factor times smaller of a write-heavy one', () => {
    expect(readHeavy()).toMatchObject({ required: 0.5, writeHeavy: false });
    const heavy = gainBar(settings, { written: 9000, read: 1000 });
    expect(heavy).toEqual({ required: 0.75, writeShare: 0.9, writeHeavy: true });
    expect(gainBar({ minGain: 0.6, writeHeavyFactor: 4 }, { written: 2, read: 1 }).required).toBeCloseTo(0.9);
    expect(gainBar(settings, undefined)).toEqual({ required: 0.5, writeShare: 0, writeHeavy: false });
  });
});

describe('chooseIndex', () => {
  const planned = (list: CostedCandidate[]): PlannedStatement => ({ statement: stmt('1'), costBefore: 1000, costed: list });

  it('picks the cheapest used candidate that clears the bar, preferring fewer columns within 5 %', () => {
    const ch = chooseIndex(planned([costed(cand('a'), 100), costed(cand('a', 'b'), 97), costed(cand('b'), 10, false)]), readHeavy);
    expect(ch?.costed.candidate.columns).toEqual(['a']);
    expect(ch?.gain).toBeCloseTo(0.9);
    expect(chooseIndex(planned([costed(cand('a'), 100), costed(cand('a', 'b'), 50)]), readHeavy)?.costed.candidate.columns).toEqual(['a', 'b']);
  });

  it('proposes nothing below the bar: a 40 % cut anywhere, a 60 % cut on a write-heavy table', () => {
    expect(chooseIndex(planned([costed(cand('a'), 600)]), readHeavy)).toBeNull();
    const heavy = () => gainBar(settings, { written: 10, read: 1 });
    expect(chooseIndex(planned([costed(cand('a'), 400)]), heavy)).toBeNull();
    expect(chooseIndex(planned([costed(cand('a'), 200)]), heavy)?.bar.writeHeavy).toBe(true);
  });
});

describe('indexProposals', () => {
  it('makes one create_index per index with its exact undo, predicted costs and the statements that judge it', () => {
    const p1: PlannedStatement = { statement: stmt('11'), costBefore: 4335, costed: [costed(cand('customer_id'), 42)] };
    const p2: PlannedStatement = { statement: { ...stmt('-22'), sharePct: 5 }, costBefore: 4000, costed: [costed(cand('customer_id'), 40)] };
    const [p, ...rest] = indexProposals('shop', [p1, p2], readHeavy);
    expect(rest).toEqual([]);
    expect(p).toMatchObject({
      action: 'create_index',
      params: {
        database: 'shop',
        schema: 'adv',
        table: 'orders',
        columns: ['customer_id'],
        method: 'btree',
        index: 'orders_customer_id_pe_idx',
        ddl: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS "orders_customer_id_pe_idx" ON "adv"."orders" USING btree ("customer_id")',
        queryids: ['11', '-22'],
      },
      undo: {
        action: 'drop_index',
        params: { database: 'shop', schema: 'adv', table: 'orders', index: 'orders_customer_id_pe_idx', ddl: 'DROP INDEX CONCURRENTLY IF EXISTS "adv"."orders_customer_id_pe_idx"' },
      },
      source: 'shop',
      bottleneckId: null,
      predicted: { cost_before: 4335, cost_after: 42, cost_cut_pct: 99, required_cut_pct: 50 },
      expect: [
        { metric: 'db_statement_mean_ms', direction: 'decrease', source: 'shop:11' },
        { metric: 'db_statement_mean_ms', direction: 'decrease', source: 'shop:-22' },
      ],
      key: 'create_index:shop.adv.orders(customer_id)',
    });
    expect(p!.rationale).toContain('from 4335 to 42 (-99 %');
  });
});
