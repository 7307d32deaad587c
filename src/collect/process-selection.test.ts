import { describe, expect, it } from 'vitest';
import { CapNotice, isOldEnough, selectWatched, SourceNames } from './process-selection.js';

describe('isOldEnough', () => {
  it('compares the uptime with the start time in ticks of 1/100 s', () => {
    expect(isOldEnough(1000, 57297, 427)).toBe(true);
    expect(isOldEnough(1000, 57297, 428)).toBe(false);
    expect(isOldEnough(1000, 57297, 0)).toBe(true);
  });

  it('lets a process through when the uptime is unknown', () => {
    expect(isOldEnough(undefined, 57297, 45)).toBe(true);
  });
});

describe('selectWatched', () => {
  const c = (pid: number, starttime: number, watched = false) => ({ pid, starttime, watched });

  it('takes every candidate under the cap, in start order (then pid)', () => {
    expect(selectWatched([c(30, 500), c(20, 100), c(10, 500)], 5)).toEqual({ chosen: [c(20, 100), c(10, 500), c(30, 500)], skipped: 0 });
  });

  it('fills the cap with the longest running', () => {
    const { chosen, skipped } = selectWatched([c(4, 400), c(1, 100), c(3, 300), c(2, 200)], 2);
    expect(chosen.map((x) => x.pid)).toEqual([1, 2]);
    expect(skipped).toBe(2);
  });

  it('keeps the already watched in their place before giving free places to the oldest', () => {
    const { chosen, skipped } = selectWatched([c(1, 100), c(2, 200), c(3, 300, true), c(4, 400)], 2);
    expect(chosen.map((x) => x.pid)).toEqual([1, 3]);
    expect(skipped).toBe(2);
  });
});

describe('SourceNames', () => {
  it('names the first process of an identity by the identity, the next by the lowest free ordinal', () => {
    const names = new SourceNames();
    expect(names.acquire('node:forks')).toEqual({ name: 'node:forks', ordinal: 1 });
    expect(names.acquire('node:forks')).toEqual({ name: 'node:forks:2', ordinal: 2 });
    expect(names.acquire('node:forks')).toEqual({ name: 'node:forks:3', ordinal: 3 });
    expect(names.acquire('node:order-agent').name).toBe('node:order-agent');
    names.release('node:forks', 2);
    expect(names.acquire('node:forks').name).toBe('node:forks:2');
    names.release('node:forks', 1);
    expect(names.acquire('node:forks').name).toBe('node:forks');
    expect(names.acquire('node:forks').name).toBe('node:forks:4');
  });
});

describe('CapNotice', () => {
  it('says it at the first tick over the cap, then at most once per period', () => {
    const notice = new CapNotice(60_000);
    expect(notice.due(0, 0)).toBe(false);
    expect(notice.due(3, 1_000)).toBe(true);
    expect(notice.due(3, 2_000)).toBe(false);
    expect(notice.due(5, 60_999)).toBe(false);
    expect(notice.due(0, 70_000)).toBe(false);
    expect(notice.due(1, 80_000)).toBe(true);
  });
});
