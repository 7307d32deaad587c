import { describe, expect, it } from 'vitest';
import type { Notification } from '../notification-queue.js';
import { AlertWrites } from './alert-writes.js';

const note = (s: string): Notification => ({ subject: s, payload: new Uint8Array() });

describe('the alert stage writes', () => {
  it('keeps one waiting write per alert, the latest, with the notifications of every write it replaced, published after it', async () => {
    const done: string[] = [];
    const published: string[] = [];
    const w = new AlertWrites(
      () => {},
      (n) => published.push(`${n.subject} after ${done.join(',')}`),
    );
    w.add('a', async () => void done.push('a1'), [note('a-fired')]);
    w.add('b', async () => void done.push('b1'), []);
    w.add('b', async () => void done.push('b2'), [note('b-resolved')]);
    await w.flushed();
    expect(done).toEqual(['a1', 'b2']);
    expect(published).toEqual(['a-fired after a1', 'b-resolved after a1,b2']);
    expect(w.stats()).toEqual({ waiting: 0, replaced: 1 });
  });

  it('counts a failed write, still publishes, goes on, and lets timers run while thousands of writes fail at once', async () => {
    let failures = 0;
    const published: string[] = [];
    const w = new AlertWrites(
      () => failures++,
      (n) => published.push(n.subject),
    );
    let timerRan = false;
    setTimeout(() => (timerRan = true), 0);
    for (let i = 0; i < 2000; i++) w.add(`alert-${i}`, () => Promise.reject(new Error('Cannot use a pool after calling end')), [note(`n${i}`)]);
    const timerBeforeEnd = new Promise<boolean>((resolve) => setTimeout(() => resolve(w.stats().waiting > 0), 0));
    expect(await timerBeforeEnd).toBe(true);
    await w.flushed();
    expect(timerRan).toBe(true);
    expect(failures).toBe(2000);
    expect(published).toHaveLength(2000);
  });

  it('writes what is added in the moment between the end of a run and its clean-up', async () => {
    const done: string[] = [];
    const w = new AlertWrites(
      () => {},
      () => {},
    );
    w.add('a', async () => void done.push('a'), []);
    // Queued behind the run's end: runs after the loop found nothing left, before its clean-up.
    const late = w.flushed();
    void Promise.resolve().then(() => w.add('b', async () => void done.push('b'), []));
    await late;
    await w.flushed();
    expect(done).toEqual(['a', 'b']);
  });
});
