import { describe, expect, it } from 'vitest';
import { planRange, type StoreLayout } from './range-plan.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const NOW = Date.parse('2026-12-06T12:34:56Z');
const LAYOUT: StoreLayout = {
  rawRetentionDays: 90,
  tiers: [
    { name: '1m', retentionDays: 90 },
    { name: '5m', retentionDays: 400 },
    { name: '1h', retentionDays: 1830 },
  ],
};
/** A start on a whole day, a week back. */
const START = Math.floor((NOW - 7 * DAY) / DAY) * DAY;

describe('planRange', () => {
  it.each([
    [15_000, 'raw'],
    [90_000, 'raw'],
    [MIN, '1m'],
    [2 * MIN, '1m'],
    [7 * MIN, '1m'],
    [5 * MIN, '5m'],
    [30 * MIN, '5m'],
    [50 * MIN, '5m'],
    [90 * MIN, '5m'],
    [HOUR, '1h'],
    [6 * HOUR, '1h'],
    [DAY, '1h'],
  ])('reads step %i ms from %s', (step, tier) => {
    expect(planRange(START, START + 2 * DAY, step, NOW, LAYOUT).main).toBe(tier);
  });

  it('does not read a tier whose buckets would straddle window edges of an unaligned start', () => {
    expect(planRange(START + 2 * MIN, START + DAY, 5 * MIN, NOW, LAYOUT).main).toBe('1m');
    expect(planRange(START + 30_000, START + DAY, 5 * MIN, NOW, LAYOUT).main).toBe('raw');
  });

  it('goes to the coarser tier that still holds the start of an old range, and to the finest that does when none fitting does', () => {
    const old = Math.floor((NOW - 200 * DAY) / DAY) * DAY;
    expect(planRange(old, old + DAY, MIN, NOW, LAYOUT).main).toBe('5m');
    const older = Math.floor((NOW - 1000 * DAY) / DAY) * DAY;
    expect(planRange(older, older + DAY, 5 * MIN, NOW, LAYOUT).main).toBe('1h');
    expect(planRange(START, START + DAY, MIN, NOW, { rawRetentionDays: 90, tiers: [] }).main).toBe('raw');
  });

  it('counts its points and reads the newest part from finer tiers and raw samples', () => {
    const start = Math.floor((NOW - DAY) / HOUR) * HOUR;
    const plan = planRange(start, start + 25 * HOUR, HOUR, NOW, LAYOUT);
    expect(plan.points).toBe(26);
    expect(plan.originMs).toBe(start - HOUR);
    expect(plan.endMs).toBe(start + 25 * HOUR);
    const hourStart = Math.floor((NOW - 8 * MIN) / HOUR) * HOUR;
    expect(plan.segments).toEqual([
      { source: '1h', fromMs: start - HOUR, toMs: hourStart },
      { source: '5m', fromMs: hourStart, toMs: Math.floor((NOW - 3 * MIN) / (5 * MIN)) * 5 * MIN },
      { source: '1m', fromMs: Math.floor((NOW - 3 * MIN) / (5 * MIN)) * 5 * MIN, toMs: Math.floor((NOW - 2 * MIN) / MIN) * MIN },
      { source: 'raw', fromMs: Math.floor((NOW - 2 * MIN) / MIN) * MIN, toMs: start + 25 * HOUR },
    ]);
  });

  it('reads from finer sources where the engine has buckets not stored yet (late data)', () => {
    const start = Math.floor((NOW - DAY) / HOUR) * HOUR;
    const late = start + 3 * HOUR;
    const plan = planRange(start, start + 25 * HOUR, HOUR, NOW, { ...LAYOUT, unstoredSince: { '1m': late, '5m': late, '1h': late } });
    expect(plan.segments.map((s) => [s.source, s.fromMs])).toEqual([
      ['1h', start - HOUR],
      ['raw', late],
    ]);
  });
});
