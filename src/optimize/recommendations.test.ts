import { describe, expect, it } from 'vitest';
import { BOTTLENECK_KINDS } from '../model/bottleneck.js';
import { recommendationsFor, type RecommendationContext } from './recommendations.js';

const ctx = (over: Partial<RecommendationContext> = {}): RecommendationContext => ({ source: 'order-agent-1', scope: 'agent', severity: 'warning', metric: 'm', value: 1, baseline: 1, facts: {}, at: Date.UTC(2026, 10, 23, 10), ...over });

describe('recommendations', () => {
  it('give every kind at least one action with params and a rationale', () => {
    for (const kind of BOTTLENECK_KINDS) {
      const r = recommendationsFor(kind, ctx());
      expect(r.length, kind).toBeGreaterThan(0);
      for (const x of r) expect(x.rationale.length, kind).toBeGreaterThan(10);
    }
  });

  it('profile agents only (a host cannot be profiled in process), and plan a restart before a leak exhausts memory', () => {
    expect(recommendationsFor('cpu_saturation', ctx({ scope: 'host' })).some((r) => r.action === 'profile')).toBe(false);
    const leak = recommendationsFor('memory_leak', ctx({ facts: { time_to_exhaustion_seconds: 3600, exhaustion_at: '2026-11-23T11:00:00.000Z' } }));
    expect(leak.find((r) => r.action === 'restart_before_exhaustion')?.params).toEqual({ source: 'order-agent-1', before: '2026-11-23T10:48:00.000Z', exhaustion_at: '2026-11-23T11:00:00.000Z' });
    expect(recommendationsFor('slow_db_query', ctx()).map((r) => r.action)).toEqual(['inspect_pg_stat_statements', 'explain_analyze', 'add_index']);
    expect(recommendationsFor('latency_regression', ctx({ facts: { label_version: '1.4.2 -> 1.5.0' } }))[0]).toMatchObject({ action: 'rollback', params: { labels: { version: '1.4.2 -> 1.5.0' } } });
  });

  it('name actions of the closed set as the contract does where they mean the same', () => {
    const actions = (kind: Parameters<typeof recommendationsFor>[0], c = ctx()) => recommendationsFor(kind, c).map((r) => r.action);
    expect(actions('cpu_saturation')).toContain('set_cpu_limit');
    expect(actions('memory_pressure')).toContain('set_memory_limit');
    expect(actions('event_loop_blocked')).toContain('move_off_event_loop');
    expect(actions('memory_leak')).toContain('restart_before_exhaustion');
  });
});
