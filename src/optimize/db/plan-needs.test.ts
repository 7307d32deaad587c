import { describe, expect, it } from 'vitest';
import { columnRefs, scanNeeds, topPlan, usesIndex, type PlanNode } from './plan-needs.js';

/** A generic plan of PostgreSQL 15 (EXPLAIN (FORMAT JSON, VERBOSE), trimmed to the fields read). */
const JOIN_PLAN = [
  {
    Plan: {
      'Node Type': 'Limit',
      'Total Cost': 5587.89,
      Plans: [
        {
          'Node Type': 'Gather Merge',
          Plans: [
            {
              'Node Type': 'Sort',
              'Sort Key': ['o.created_at DESC'],
              Plans: [
                {
                  'Node Type': 'Hash Join',
                  'Hash Cond': '(o.customer_id = c.id)',
                  Plans: [
                    { 'Node Type': 'Seq Scan', 'Relation Name': 'orders', Schema: 'adv', Alias: 'o', 'Plan Rows': 29412, Filter: '(o.status = $2)' },
                    {
                      'Node Type': 'Hash',
                      Plans: [{ 'Node Type': 'Seq Scan', 'Relation Name': 'customers', Schema: 'adv', Alias: 'c', 'Plan Rows': 6667, Filter: '(c.region = $1)' }],
                    },
                  ],
                },
              ],
            },
          ],
        },
      ],
    },
  },
];

describe('columnRefs', () => {
  it('finds qualified columns and how they are compared, through casts and on either side', () => {
    expect(columnRefs('((o.status)::text = $1)')).toEqual([{ alias: 'o', column: 'status', use: 'eq' }]);
    expect(columnRefs('((t.a >= $1) AND ($2 > t."Created At"))')).toEqual([
      { alias: 't', column: 'a', use: 'range' },
      { alias: 't', column: 'Created At', use: 'range' },
    ]);
    expect(columnRefs('(t.k = ANY (ARRAY[$1, $2]))')).toEqual([{ alias: 't', column: 'k', use: 'eq' }]);
    expect(columnRefs('(t.deleted_at IS NULL)')).toEqual([{ alias: 't', column: 'deleted_at', use: 'eq' }]);
  });

  it('gives no use to a column inside a function call, a <> comparison, or text in a literal', () => {
    expect(columnRefs('(lower(t.email) = $1)')).toEqual([{ alias: 't', column: 'email', use: null }]);
    expect(columnRefs('(t.a <> $1)')).toEqual([{ alias: 't', column: 'a', use: null }]);
    expect(columnRefs("(t.a = 'x.y'::text)")).toEqual([{ alias: 't', column: 'a', use: 'eq' }]);
  });
});

describe('scanNeeds', () => {
  it('collects filter, join and sort columns of each sequential scan', () => {
    const plan = topPlan(JOIN_PLAN)!;
    expect(scanNeeds(plan)).toEqual([
      {
        schema: 'adv',
        table: 'orders',
        planRows: 29412,
        columns: [
          { column: 'status', use: 'eq' },
          { column: 'created_at', use: 'sort' },
          { column: 'customer_id', use: 'join' },
        ],
      },
      { schema: 'adv', table: 'customers', planRows: 6667, columns: [{ column: 'region', use: 'eq' }, { column: 'id', use: 'join' }] },
    ]);
  });

  it('finds nothing to index where the plan already uses an index', () => {
    const plan: PlanNode = { 'Node Type': 'Index Scan', 'Relation Name': 't', Schema: 'public', Alias: 't', 'Index Name': 't_a_idx' };
    expect(scanNeeds(plan)).toEqual([]);
    expect(usesIndex(plan, 't_a_idx')).toBe(true);
    expect(topPlan([{}])).toBeNull();
  });
});
