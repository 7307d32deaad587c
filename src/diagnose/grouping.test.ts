import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BOTTLENECK_KINDS, type BottleneckKind } from '../model/bottleneck.js';
import type { Finding } from './finding.js';
import { affectedOnHost, groupDecision, groupScope, type GroupMember } from './grouping.js';
import { explains, rankFindings } from './rank-findings.js';

const member = (source: string, kind: BottleneckKind, over: Partial<GroupMember> = {}): GroupMember => ({
  source,
  scope: 'agent',
  host: 'node-7',
  kind,
  strength: 5,
  since: 0,
  active: false,
  degraded: true,
  ...over,
});

describe('grouping across sources', () => {
  it('attaches a host saturation to the agent on it that consumes the resource, and waits while that agent is pending', () => {
    const host = member('node-7', 'disk_io_saturation', { scope: 'host', host: 'node-7' });
    const writer = member('order-agent-1', 'disk_io_saturation');
    expect(groupDecision(host, [{ ...writer, active: true }], 0, 30_000)).toEqual({ action: 'attach', root: 'order-agent-1', relation: 'host_resource' });
    expect(groupDecision(host, [writer], 0, 30_000)).toEqual({ action: 'defer' });
    expect(groupDecision(host, [writer], 30_000, 30_000)).toEqual({ action: 'open' });
    expect(groupDecision(host, [{ ...writer, host: 'node-8' }], 0, 30_000)).toEqual({ action: 'open' });
  });

  it('makes several agents with slow queries at once one bottleneck on the strongest, noting the others', () => {
    const weak = member('a', 'slow_db_query', { strength: 2 });
    const strong = member('b', 'slow_db_query', { strength: 12, host: 'node-9' });
    expect(groupDecision(weak, [strong], 0, 30_000)).toEqual({ action: 'defer' });
    expect(groupDecision(strong, [weak], 0, 30_000)).toEqual({ action: 'open' });
    expect(groupDecision(weak, [{ ...strong, active: true }], 0, 30_000)).toEqual({ action: 'attach', root: 'b', relation: 'same_cause' });
  });

  it('makes an agent that only waits while its host is saturated an affected source of the host bottleneck', () => {
    const host = member('node-7', 'memory_pressure', { scope: 'host', active: true, since: 0 });
    expect(groupDecision(member('a', 'latency_regression', { since: 60_000 }), [host], 0, 30_000)).toEqual({ action: 'attach', root: 'node-7', relation: 'affected' });
    expect(groupDecision(member('a', 'cpu_saturation', { since: 60_000 }), [host], 0, 30_000)).toEqual({ action: 'open' });
    const leakyNeighbour = member('b', 'memory_leak', { active: true });
    expect(groupDecision(member('a', 'event_loop_blocked', { since: 60_000 }), [leakyNeighbour], 0, 30_000)).toEqual({ action: 'open' });
    const writer = member('b', 'disk_io_saturation', { active: true });
    expect(groupDecision(member('a', 'latency_regression', { since: 60_000 }), [writer], 0, 30_000)).toEqual({ action: 'attach', root: 'b', relation: 'affected' });
    expect(affectedOnHost('node-7', [host, member('a', 'latency_regression', { strength: 2 }), member('b', 'gc_pressure', { strength: 3 }), member('c', 'anomaly', { host: 'x' })]).map((m) => m.source)).toEqual(['b', 'a']);
  });

  it('names as affected by a host bottleneck only the sources on it whose signature shows now', () => {
    const recovered = member('b', 'latency_regression', { strength: 9, degraded: false });
    expect(affectedOnHost('node-7', [member('a', 'latency_regression', { strength: 2 }), recovered]).map((m) => m.source)).toEqual(['a']);
  });
});

const f = (kind: BottleneckKind, confidence = 0.7, extra: Partial<Finding> = {}): Finding => ({ kind, metric: 'm', confidence, severity: 'warning', metrics: {}, facts: {}, ...extra });

describe('the sources grouping looks at', () => {
  const hosts = ['node-1', 'node-2', 'h'] as const;
  const anyMember = fc.record({
    source: fc.constantFrom('a', 'b', 'c', 'node-1', 'node-2', 'h'),
    scope: fc.constantFrom('agent', 'process', 'host') as fc.Arbitrary<GroupMember['scope']>,
    host: fc.option(fc.constantFrom(...hosts)),
    kind: fc.constantFrom(...BOTTLENECK_KINDS),
    strength: fc.double({ min: 0.5, max: 20, noNaN: true }),
    since: fc.integer({ min: 0, max: 100 }),
    active: fc.boolean(),
    degraded: fc.boolean(),
  });

  it('leaves out only sources whose signatures change neither the decision nor the affected list', () => {
    fc.assert(
      fc.property(anyMember, fc.array(anyMember, { maxLength: 12 }), fc.integer({ min: 0, max: 60 }), (self, all, deferred) => {
        const others = all.filter((o) => o.source !== self.source);
        const scope = groupScope(self);
        const seen = scope.where === 'none' ? [] : scope.where === 'all' ? others : others.filter((o) => o.source === scope.host || o.host === scope.host);
        expect(groupDecision(self, seen, deferred, 30)).toEqual(groupDecision(self, others, deferred, 30));
        if (self.scope === 'host') expect(affectedOnHost(self.source, seen)).toEqual(affectedOnHost(self.source, others));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('ranking the findings of one frame', () => {
  it('names the cause and keeps its symptoms apart', () => {
    const r = rankFindings([f('latency_regression', 0.9), f('slow_db_query', 0.6), f('cpu_saturation', 0.8)]);
    expect(r.causes.map((c) => c.kind)).toEqual(['cpu_saturation']);
    expect(r.symptoms.map((c) => c.kind).sort()).toEqual(['latency_regression', 'slow_db_query']);
  });

  it('lets GC explain a saturated loop only when GC takes a good share of the busy time', () => {
    const busy = f('cpu_saturation', 0.8, { metrics: { event_loop_utilization: { value: 0.99, baseline: 0.3, ratio: 3.3 } } });
    expect(explains(f('gc_pressure', 0.7, { facts: { gc_share: 0.35 } }), busy)).toBe(true);
    expect(explains(f('gc_pressure', 0.7, { facts: { gc_share: 0.09 } }), busy)).toBe(false);
  });

  it('lets GC explain a loop delay only as long as its pauses', () => {
    const delay = f('event_loop_blocked', 0.8, { metrics: { event_loop_delay_p99_ms: { value: 300, baseline: 2, ratio: 150 } } });
    expect(explains(f('gc_pressure', 0.7, { metrics: { gc_pause_ms: { value: 80, baseline: 5, ratio: 16 } } }), delay)).toBe(false);
    expect(explains(f('gc_pressure', 0.7, { metrics: { gc_pause_ms: { value: 900, baseline: 5, ratio: 180 } } }), delay)).toBe(true);
  });
});
