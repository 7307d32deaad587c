import { describe, expect, it } from 'vitest';
import { ProfilingBudget } from './profiling-budget.js';

const HOUR = 3_600_000;
const T0 = 1_000_000_000;

describe('auto-profiling budget', () => {
  it('refuses the same target within its cooldown and allows it after, while other targets go on', () => {
    const b = new ProfilingBudget({ cooldownSeconds: 600, maxPerHour: 100, maxTimePct: 100 });
    expect(b.check('agent:a', 10_000, T0)).toEqual({ ok: true });
    b.record('agent:a', 10_000, T0);
    expect(b.check('agent:a', 10_000, T0 + 599_000)).toEqual({ ok: false, reason: 'cooldown', retryInMs: 1000 });
    expect(b.check('agent:b', 10_000, T0 + 1000)).toEqual({ ok: true });
    expect(b.check('agent:a', 10_000, T0 + 600_000)).toEqual({ ok: true });
  });

  it('caps profiles per sliding hour, freeing a slot when the oldest leaves the window', () => {
    const b = new ProfilingBudget({ cooldownSeconds: 0, maxPerHour: 3, maxTimePct: 100 });
    for (let i = 0; i < 3; i++) {
      expect(b.check(`agent:${i}`, 1000, T0 + i * 60_000).ok).toBe(true);
      b.record(`agent:${i}`, 1000, T0 + i * 60_000);
    }
    const refused = b.check('agent:x', 1000, T0 + 30 * 60_000);
    expect(refused).toEqual({ ok: false, reason: 'hourly_count', retryInMs: 30 * 60_000 });
    expect(b.check('agent:x', 1000, T0 + HOUR).ok).toBe(true);
    expect(b.usage(T0 + HOUR)).toEqual({ profiles: 2, recordingMs: 2000 });
  });

  it('caps the share of the hour spent recording, counting planned durations', () => {
    // 5% of an hour is 180 s: two 80 s profiles fit, a third does not.
    const b = new ProfilingBudget({ cooldownSeconds: 0, maxPerHour: 100, maxTimePct: 5 });
    b.record('agent:a', 80_000, T0);
    b.record('agent:b', 80_000, T0 + 10_000);
    const refused = b.check('agent:c', 80_000, T0 + 20_000);
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.reason).toBe('time_share');
    // The first profile leaving the window frees enough room.
    expect(refused.retryInMs).toBe(HOUR - 20_000);
    expect(b.check('agent:c', 20_000, T0 + 20_000).ok).toBe(true);
    expect(b.check('agent:c', 80_000, T0 + HOUR).ok).toBe(true);
  });

  it('refuses everything with a zero budget and applies new limits live', () => {
    const b = new ProfilingBudget({ cooldownSeconds: 0, maxPerHour: 0, maxTimePct: 5 });
    expect(b.check('self', 1000, T0)).toMatchObject({ ok: false, reason: 'hourly_count' });
    b.setLimits({ cooldownSeconds: 0, maxPerHour: 1, maxTimePct: 0 });
    expect(b.check('self', 1000, T0)).toMatchObject({ ok: false, reason: 'time_share' });
    b.setLimits({ cooldownSeconds: 0, maxPerHour: 1, maxTimePct: 1 });
    expect(b.check('self', 1000, T0)).toEqual({ ok: true });
  });
});
