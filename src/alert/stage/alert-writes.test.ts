import { describe, expect, it } from 'vitest';
import type { Notification } from '../notification-queue.js';
import { AlertWrites } from './alert-writes.js';

const note = (s: string): Notification => ({ subject: s, payload: new Uint8Array() });
const noBatch = () => Promise.reject(new Error('no batch expected'));

describe('the alert stage writes', () => {
  it('keeps one waiting write per alert, the latest, with the notifications of every write it replaced, published after it', async () => {
    const done: string[] = [];
    const published: string[] = [];
    const w = new AlertWrites(
      () => {},
      (n) => published.push(`${n.subject} after ${done.join(',')}`),
      noBatch,
    );
    w.add('a', async () => void done.push('a1'), [note('a-fired')]);
    w.add('b', async () => void done.push('b1'), []);
    w.add('b', async () => void done.push('b2'), [note('b-resolved')]);
    await w.flushed();
    expect(done).toEqual(['a1', 'b2']);
    expect(published).toEqual(['a-fired after a1', 'b-resolved after a1,b2']);
    expect(w.stats()).toEqual({ waiting: 0, replaced: 1, batches: 0 });
  });

  it('counts a failed write, still publishes, goes on, and lets timers run while thousands of writes fail at once', async () => {
    let failures = 0;
    const published: string[] = [];
    const w = new AlertWrites(
      () => failures++,
      (n) => published.push(n.subject),
      noBatch,
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
      noBatch,
    );
    w.add('a', async () => void done.push('a'), []);
    // Queued behind the run's end: runs after the loop found nothing left, before its clean-up.
    const late = w.flushed();
    void Promise.resolve().then(() => w.add('b', async () => void done.push('b'), []));
    await late;
    await w.flushed();
    expect(done).toEqual(['a', 'b']);
  });

  it('saves latest states together, one batch waiting at a time, and keeps the writes of each alert in order', async () => {
    const done: string[] = [];
    let release = () => {};
    const w = new AlertWrites<string>(
      () => {},
      () => {},
      async (items) => void done.push(`batch ${items.join(',')}`),
    );
    // A first write holds the queue, so what follows waits behind it.
    w.add('x', () => new Promise<void>((resolve) => (release = () => resolve(void done.push('x-fired')))), []);
    w.saveLatest('a', 'a1', async () => void done.push('a alone'));
    w.saveLatest('b', 'b1', async () => void done.push('b alone'));
    w.add('a', async () => void done.push('a-resolved'), []);
    // Alert c has a write of its own waiting: its latest state replaces that write, not the batch.
    w.add('c', async () => void done.push('c-fired'), []);
    w.saveLatest('c', 'c1', async () => void done.push('c latest alone'));
    // A later save of b replaces its state in the waiting batch; d joins it.
    w.saveLatest('b', 'b2', async () => void done.push('b alone'));
    w.saveLatest('d', 'd1', async () => void done.push('d alone'));
    expect(w.stats()).toEqual({ waiting: 5, replaced: 2, batches: 1 });
    release();
    await w.flushed();
    expect(done).toEqual(['x-fired', 'batch a1,b2,d1', 'a-resolved', 'c latest alone']);
    // Once the batch has started, the next save starts a new one.
    w.saveLatest('a', 'a2', async () => {});
    await w.flushed();
    expect(done.at(-1)).toBe('batch a2');
    expect(w.stats()).toEqual({ waiting: 0, replaced: 2, batches: 2 });
  });

  it('counts a failed batch as one failure and goes on', async () => {
    const failures: unknown[] = [];
    const w = new AlertWrites<string>(
      (err) => failures.push(err),
      () => {},
      () => Promise.reject(new Error('refused')),
    );
    w.saveLatest('a', 'a1', async () => {});
    w.saveLatest('b', 'b1', async () => {});
    await w.flushed();
    expect(failures).toHaveLength(1);
    expect(w.stats().waiting).toBe(0);
  });
});
