import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RecentMessages, messageKey } from './recent-messages.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('messageKey', () => {
  it('is the message id when there is one, else a digest of the bytes', () => {
    expect(messageKey(bytes('{"a":1}'), 'm-1')).toBe('id:m-1');
    expect(messageKey(bytes('{"a":1}'), undefined)).toBe(messageKey(bytes('{"a":1}'), undefined));
    expect(messageKey(bytes('{"a":1}'), undefined)).not.toBe(messageKey(bytes('{"a":2}'), undefined));
    // The digest's 20 bytes, one character each (kept compact: up to 100,000 are remembered).
    expect(messageKey(bytes('{"a":1}'), undefined)).toBe(createHash('sha1').update('{"a":1}').digest('binary'));
    expect(messageKey(bytes('{"a":1}'), undefined)).toHaveLength(20);
  });
});

describe('RecentMessages', () => {
  it('lets a message that comes again wait for the first one to commit', () => {
    const r = new RecentMessages();
    const seen: string[] = [];
    expect(r.join('k', () => seen.push('early'))).toBe(false);
    const settle = r.begin('k', 3);
    expect(r.join('k', (n, err) => seen.push(`joined ${n} ${err ? 'failed' : 'ok'}`))).toBe(true);
    expect(seen).toEqual([]);
    settle();
    expect(seen).toEqual(['joined 3 ok']);
    expect(r.join('k', (n) => seen.push(`later ${n}`))).toBe(true);
    expect(seen).toEqual(['joined 3 ok', 'later 3']);
    expect(r.pending).toBe(0);
  });

  it('passes a failure on to the joiners and forgets the message, so that it can be taken again', () => {
    const r = new RecentMessages();
    const settle = r.begin('k', 2);
    const got: (Error | undefined)[] = [];
    r.join('k', (_n, err) => got.push(err));
    settle(new Error('db down'));
    settle();
    expect(got.map((e) => e?.message)).toEqual(['db down']);
    expect(r.join('k', () => undefined)).toBe(false);
  });

  it('remembers only the latest stored messages, never forgetting pending ones', () => {
    const r = new RecentMessages(2);
    const pending = r.begin('p', 1);
    for (const k of ['a', 'b', 'c']) r.begin(k, 1)();
    expect(r.join('a', () => undefined)).toBe(false);
    expect(r.join('b', () => undefined)).toBe(true);
    expect(r.join('c', () => undefined)).toBe(true);
    expect(r.join('p', () => undefined)).toBe(true);
    pending();
  });
});
