import { describe, expect, it } from 'vitest';
import { findSilence, type Silence } from './silences.js';
import { globMatches } from './glob.js';

const silence = (over: Partial<Silence>): Silence => ({
  id: 's1', sourceGlob: '*', metricGlob: '*', severity: null, startsAt: 0, endsAt: 1000, comment: '', createdBy: null, createdAt: 0, ...over,
});

describe('silences', () => {
  it('match on source and metric globs and on severity, only while in force', () => {
    const s = [silence({ id: 'a', sourceGlob: 'order-*', metricGlob: 'cpu_?sage', severity: 'warning' })];
    expect(findSilence(s, { source: 'order-1', metric: 'cpu_usage', severity: 'warning' }, 10)?.id).toBe('a');
    expect(findSilence(s, { source: 'order-1', metric: 'cpu_usage', severity: 'critical' }, 10)).toBeNull();
    expect(findSilence(s, { source: 'web-1', metric: 'cpu_usage', severity: 'warning' }, 10)).toBeNull();
    expect(findSilence(s, { source: 'order-1', metric: 'memory_usage', severity: 'warning' }, 10)).toBeNull();
    expect(findSilence(s, { source: 'order-1', metric: 'cpu_usage', severity: 'warning' }, 1000)).toBeNull();
  });

  it('globs match whole names and treat regex characters literally', () => {
    expect(globMatches('a.b*', 'a.bc')).toBe(true);
    expect(globMatches('a.b*', 'axbc')).toBe(false);
    expect(globMatches('order', 'order-1')).toBe(false);
    expect(globMatches('?rder-*', 'order-1')).toBe(true);
  });
});
