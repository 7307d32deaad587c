import { describe, expect, it } from 'vitest';
import { ADVISOR_MARK, isPlannable, parameterCount, rankStatements, statementDeltas, type StatementCounters } from './statements.js';

const c = (queryid: string, calls: number, totalMs: number): StatementCounters => ({ queryid, calls, totalMs, rows: calls, sharedBlksHit: 10 * calls, sharedBlksRead: calls });

describe('statementDeltas', () => {
  it('counts what each statement consumed since the previous reading', () => {
    const prev = new Map([['1', c('1', 10, 100)], ['2', c('2', 5, 50)]]);
    const d = statementDeltas(prev, [c('1', 30, 400), c('2', 5, 50), c('3', 2, 8)]);
    expect(d).toEqual([{ ...c('1', 20, 300), rows: 20, sharedBlksHit: 200, sharedBlksRead: 20 }, c('3', 2, 8)]);
  });

  it('counts a reset statement from its reset, and everything from zero without a previous reading', () => {
    expect(statementDeltas(new Map([['1', c('1', 50, 900)]]), [c('1', 4, 40)])).toEqual([c('1', 4, 40)]);
    expect(statementDeltas(null, [c('1', 4, 40), c('2', 0, 0)])).toEqual([c('1', 4, 40)]);
  });
});

describe('rankStatements', () => {
  it('ranks by time consumed with each share, leaving out the advisor and statements without text', () => {
    const texts = new Map([
      ['a', 'SELECT * FROM t WHERE x = $1'],
      ['b', 'VACUUM t'],
      ['c', `${ADVISOR_MARK} SELECT 1`],
    ]);
    const r = rankStatements([c('a', 10, 300), c('b', 1, 100), c('c', 1, 50), c('d', 1, 50)], texts, 5);
    expect(r.map((s) => [s.queryid, s.sharePct, s.meanMs, s.plannable])).toEqual([
      ['a', 60, 30, true],
      ['b', 20, 100, false],
    ]);
  });
});

describe('isPlannable and parameterCount', () => {
  it('plans reads and writes that scan, not utility statements, INSERT ... VALUES or SELECT INTO', () => {
    expect(isPlannable('select a from t where b = $1')).toBe(true);
    expect(isPlannable('/* app */ WITH x AS (SELECT 1) SELECT * FROM x')).toBe(true);
    expect(isPlannable('UPDATE t SET a = $1 WHERE b = $2')).toBe(true);
    expect(isPlannable('DELETE FROM t WHERE b < $1')).toBe(true);
    expect(isPlannable('INSERT INTO t SELECT * FROM u WHERE b = $1')).toBe(true);
    expect(isPlannable('INSERT INTO t (a) VALUES ($1)')).toBe(false);
    expect(isPlannable('SELECT * INTO t2 FROM t')).toBe(false);
    expect(isPlannable('CREATE INDEX ON t (a)')).toBe(false);
    expect(isPlannable('<insufficient privilege>')).toBe(false);
  });

  it('counts parameters in code, not in literals or comments', () => {
    expect(parameterCount("SELECT $1, '$9' FROM t /* $7 */ WHERE a = $2 AND b = $$x$3$$ AND c = $10")).toBe(10);
    expect(parameterCount('SELECT 1')).toBe(0);
  });
});
