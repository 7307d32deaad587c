import { describe, expect, it } from 'vitest';
import { NotificationQueue } from './notification-queue.js';

const msg = (n: number) => ({ subject: 's', payload: new Uint8Array([n]) });

describe('notification queue', () => {
  it('publishes at once while connected, in order', () => {
    const out: number[] = [];
    const q = new NotificationQueue({ publish: (_s, d) => out.push(d[0]!), connected: () => true }, 10);
    for (let i = 0; i < 5; i++) q.push(msg(i));
    expect(out).toEqual([0, 1, 2, 3, 4]);
    expect(q.stats()).toEqual({ queued: 0, published: 5, dropped: 0, failed: 0 });
  });

  it('holds messages while disconnected, drops the oldest past its size, and drains on reconnect', () => {
    const out: number[] = [];
    let up = false;
    const q = new NotificationQueue({ publish: (_s, d) => out.push(d[0]!), connected: () => up }, 3);
    for (let i = 0; i < 5; i++) q.push(msg(i));
    expect(out).toEqual([]);
    expect(q.stats()).toMatchObject({ queued: 3, dropped: 2 });
    up = true;
    q.drain();
    expect(out).toEqual([2, 3, 4]);
    expect(q.stats()).toEqual({ queued: 0, published: 3, dropped: 2, failed: 0 });
  });

  it('shows every message to the sink offer as it is queued, even while the bus is down (delivery beyond NATS)', () => {
    const offered: number[] = [];
    const q = new NotificationQueue({ publish: () => {}, connected: () => false, offer: (n) => offered.push(n.payload[0]!) }, 2);
    for (let i = 0; i < 4; i++) q.push(msg(i));
    expect(offered).toEqual([0, 1, 2, 3]);
    expect(q.stats()).toMatchObject({ queued: 2, published: 0, dropped: 2 });
  });

  it('counts and skips a message the bus refuses while connected', () => {
    const out: number[] = [];
    const q = new NotificationQueue(
      {
        publish: (_s, d) => {
          if (d[0] === 1) throw new Error('too big');
          out.push(d[0]!);
        },
        connected: () => true,
      },
      10,
    );
    [0, 1, 2].forEach((i) => q.push(msg(i)));
    expect(out).toEqual([0, 2]);
    expect(q.stats().failed).toBe(1);
  });
});
