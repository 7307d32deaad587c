import { describe, expect, it } from 'vitest';
import { Grouper } from './grouping.js';

describe('Grouper', () => {
  it('holds a new group for the wait, then hands over everything that arrived meanwhile in one batch', () => {
    const g = new Grouper<string>({ waitMs: 10_000, intervalMs: 60_000 }, 100);
    g.add('order', 'a1', 0);
    g.add('order', 'a2', 4000);
    g.add('pay', 'p1', 5000);
    expect(g.nextDueAt()).toBe(10_000);
    expect(g.takeDue(9999)).toEqual([]);
    expect(g.takeDue(10_000)).toEqual([{ key: 'order', items: ['a1', 'a2'] }]);
    expect(g.nextDueAt()).toBe(15_000);
    expect(g.takeDue(15_000)).toEqual([{ key: 'pay', items: ['p1'] }]);
    expect(g.size).toBe(0);
    expect(g.nextDueAt()).toBeNull();
  });

  it('sends a group that was sent before only after its interval', () => {
    const g = new Grouper<string>({ waitMs: 1000, intervalMs: 60_000 }, 100);
    g.add('k', 'firing', 0);
    expect(g.takeDue(1000)).toHaveLength(1);
    g.add('k', 'resolved', 2000);
    expect(g.nextDueAt()).toBe(61_000);
    expect(g.takeDue(60_999)).toEqual([]);
    expect(g.takeDue(61_000)).toEqual([{ key: 'k', items: ['resolved'] }]);
  });

  it('treats a group idle past its interval as new (the wait applies again)', () => {
    const g = new Grouper<string>({ waitMs: 1000, intervalMs: 5000 }, 100);
    g.add('k', 'x', 0);
    g.takeDue(1000);
    g.add('k', 'y', 100_000);
    expect(g.nextDueAt()).toBe(101_000);
  });

  it('with no wait and no interval hands every item over at once', () => {
    const g = new Grouper<number>({ waitMs: 0, intervalMs: 0 }, 100);
    g.add('k', 1, 50);
    expect(g.takeDue(50)).toEqual([{ key: 'k', items: [1] }]);
    g.add('k', 2, 50);
    expect(g.takeDue(50)).toEqual([{ key: 'k', items: [2] }]);
  });

  it('past its bound drops the oldest item of any group and returns it', () => {
    const g = new Grouper<string>({ waitMs: 1000, intervalMs: 1000 }, 3);
    expect(g.add('a', 'a1', 0)).toBeNull();
    expect(g.add('b', 'b1', 1)).toBeNull();
    expect(g.add('a', 'a2', 2)).toBeNull();
    expect(g.add('b', 'b2', 3)).toBe('a1');
    expect(g.add('c', 'c1', 4)).toBe('b1');
    expect(g.size).toBe(3);
    expect(g.takeAll().flatMap((x) => x.items).sort()).toEqual(['a2', 'b2', 'c1']);
    expect(g.size).toBe(0);
  });
});
