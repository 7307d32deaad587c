import { describe, expect, it } from 'vitest';
import { formatDuration, formatNumber, parseTimeArg } from './time.js';

describe('times and numbers for people', () => {
  it('formats durations given in milliseconds in words', () => {
    expect([45, 180, 5400, 10_800, 200_000].map((s) => formatDuration(s * 1000))).toEqual(['45 s', '3 min', '90 min', '3 h', '2.31 d']);
  });

  it('rounds numbers to what a person reads', () => {
    expect([56.65665665665666, 0.123456, 1234.5, -7.25].map(formatNumber)).toEqual(['56.7', '0.12', '1,235', '-7.25']);
  });

  it('parses durations back from now, RFC 3339 and epoch milliseconds', () => {
    const now = Date.parse('2026-12-06T10:00:00Z');
    expect(parseTimeArg('15m', now)).toBe(now - 900_000);
    expect(parseTimeArg('2026-12-06T09:00:00Z', now)).toBe(now - 3_600_000);
    expect(parseTimeArg('1764000000000', now)).toBe(1_764_000_000_000);
  });
});

const NOW = Date.parse('2026-11-23T10:00:00.000Z');

describe('parseTimeArg limits', () => {
  it('takes any epoch milliseconds, 0 (the epoch) included, as the help promises', () => {
    expect(parseTimeArg('0', NOW)).toBe(0);
    expect(parseTimeArg('86400000', NOW)).toBe(86_400_000);
    expect(parseTimeArg('now', NOW)).toBe(NOW);
  });

  it('refuses what is none of those', () => {
    for (const bad of ['yesterday', '-1', '1.5', '15 m', '12345678901234567', '', '2026-02-30T00:00:00Z', '2026-11-22T24:00Z']) {
      expect(parseTimeArg(bad, NOW), bad).toBeNaN();
    }
  });
});
