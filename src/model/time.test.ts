import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatDuration, formatNumber, parseRfc3339, parseTimeArg } from './time.js';

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

/** The regex and `Date` parser that `parseRfc3339` replaced (it allocated a dozen objects a call): the reference. */
function referenceRfc3339(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:[Zz]|([+-])(\d{2}):?(\d{2}))$/.exec(text);
  if (!m) return NaN;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number];
  const [offHours, offMinutes] = [Number(m[9] ?? 0), Number(m[10] ?? 0)];
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]! + (leap ? 1 : 0);
  if (month < 1 || month > 12 || day < 1 || day > days) return NaN;
  if (hour > 23 || minute > 59 || second > 59 || offHours > 23 || offMinutes > 59) return NaN;
  const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3));
  const t = new Date(0);
  t.setUTCFullYear(year, month - 1, day);
  t.setUTCHours(hour, minute, second, ms);
  return t.getTime() - (m[8] === '-' ? -1 : 1) * (offHours * 60 + offMinutes) * 60_000;
}

describe('parseRfc3339', () => {
  const digits = (n: number, max: number) => fc.integer({ min: 0, max }).map((v) => String(v).padStart(n, '0'));
  const stamp = fc
    .tuple(
      digits(4, 9999), digits(2, 19), digits(2, 39), fc.constantFrom('T', 't', ' ', 'x'), digits(2, 29), digits(2, 69),
      fc.option(fc.tuple(digits(2, 69), fc.option(fc.stringMatching(/^\d{0,11}$/)))),
      fc.oneof(fc.constantFrom('Z', 'z', '', 'UTC'), fc.tuple(fc.constantFrom('+', '-', '~'), digits(2, 29), fc.constantFrom(':', '', '::'), digits(2, 69)).map((p) => p.join(''))),
    )
    .map(([y, mo, d, sep, h, mi, sec, zone]) => `${y}-${mo}-${d}${sep}${h}:${mi}${sec ? `:${sec[0]}${sec[1] === null ? '' : `.${sec[1]}`}` : ''}${zone}`);

  it('gives what the regex and Date parser gave, on valid and broken stamps alike', () => {
    fc.assert(
      fc.property(fc.oneof(stamp, stamp.map((s) => s.slice(0, -1)), fc.tuple(stamp, fc.nat(30), fc.constantFrom(...'0123456789-:TtZz+. x\u0660')).map(([s, i, c]) => s.slice(0, i) + c + s.slice(i + 1)), fc.string()), (text) => {
        expect(Object.is(parseRfc3339(text), referenceRfc3339(text)) || (Number.isNaN(parseRfc3339(text)) && Number.isNaN(referenceRfc3339(text))), text).toBe(true);
      }),
      { numRuns: 20_000 },
    );
  });

  it('reads leap days, the years before 1970 and 100, offsets and fractions', () => {
    for (const text of ['2024-02-29T23:59:59.999Z', '2023-02-29T00:00:00Z', '0000-01-01T00:00:00Z', '0099-12-31T12:00:00+14:00', '1969-07-20T20:17:40.1-05:30', '2026-12-07T14:00+0100', '2026-12-07 14:00:00.123456789Z', '2026-12-07T14:00:60Z']) {
      expect(parseRfc3339(text), text).toEqual(referenceRfc3339(text));
    }
    expect(parseRfc3339('2024-02-29T23:59:59.999Z')).toBe(Date.parse('2024-02-29T23:59:59.999Z'));
  });
});
