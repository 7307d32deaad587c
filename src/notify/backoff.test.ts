import { describe, expect, it } from 'vitest';
import { backoffDelay, classifyResponse, parseRetryAfter } from './backoff.js';

const P = { maxAttempts: 8, initialMs: 1000, maxMs: 30_000 };

describe('retries', () => {
  it('doubles the ceiling after each failure, draws below it (full jitter) and caps it', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((f) => backoffDelay(f, P, null, () => 0.999999))).toEqual([999, 1999, 3999, 7999, 15999, 29999, 29999]);
    expect(backoffDelay(3, P, null, () => 0)).toBe(0);
    expect(backoffDelay(3, P, null, () => 0.5)).toBe(2000);
  });

  it('waits at least the Retry-After, never past the cap', () => {
    expect(backoffDelay(1, P, 5000, () => 0.1)).toBe(5000);
    expect(backoffDelay(1, P, 3_600_000, () => 0.1)).toBe(30_000);
  });

  it('retries 408, 429 and 5xx and network failures; gives up at once on other refusals', () => {
    expect(classifyResponse(200, '', null)).toEqual({ ok: true });
    expect(classifyResponse(202, '', null)).toEqual({ ok: true });
    for (const s of [408, 429, 500, 502, 503]) expect(classifyResponse(s, 'x', null)).toMatchObject({ ok: false, retryable: true });
    for (const s of [301, 400, 401, 404, 413]) expect(classifyResponse(s, 'x', null)).toMatchObject({ ok: false, retryable: false });
    expect(classifyResponse(400, '{"error":\n "bad  labels"}', null)).toMatchObject({ error: 'HTTP 400: {"error": "bad labels"}' });
  });

  it('reads Retry-After in seconds or as a date', () => {
    expect(parseRetryAfter('3', 0)).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter(null, 0)).toBeNull();
    expect(parseRetryAfter('soon', 0)).toBeNull();
  });
});
