import { describe, expect, it } from 'vitest';
import { frame, handMadeProfile } from '../../../test/fixtures/profile/hand-made-profile.js';
import { analyzeCpuProfile } from './cpu-analysis.js';
import { indexCpuProfile, type CpuProfile } from './cpu-profile.js';
import { nodeSelfTimes, sampleTimeline } from './sample-timeline.js';

describe('hotspots of a hand-made profile', () => {
  const { report, callTree } = analyzeCpuProfile(indexCpuProfile(handMadeProfile()));

  it('weighs samples by their timeDeltas gap, not hitCount times the mean interval', () => {
    const fact = report.hotspots.find((h) => h.function === 'fact')!;
    expect(fact.self_ms).toBe(5.5);
    expect(fact.self_pct).toBe(55);
    expect(report.duration_ms).toBe(10);
  });

  it('counts a recursive function once per sample in its total', () => {
    const fact = report.hotspots.find((h) => h.function === 'fact')!;
    expect(fact.total_ms).toBe(5.5);
    expect(fact.total_pct).toBe(55);
    const main = report.hotspots.find((h) => h.function === 'main')!;
    expect(main).toMatchObject({ self_ms: 1, total_ms: 7, total_pct: 70, url: 'file:///app.js', line: 1 });
  });

  it('lists heaviest self first, ties by total then name, with V8 meta names kept and 1-based lines', () => {
    expect(report.hotspots.map((h) => [h.function, h.line])).toEqual([
      ['fact', 10],
      ['main', 1],
      ['(garbage collector)', 0],
      ['(idle)', 0],
      ['(program)', 0],
      ['work', 20],
    ]);
    expect(report.hotspots.find((h) => h.function === 'work')).toMatchObject({ self_ms: 0.5, total_ms: 1.5, total_pct: 15 });
    expect(report.totals).toMatchObject({ total_ms: 10, idle_ms: 1, gc_ms: 1, program_ms: 1, active_ms: 9 });
  });

  it('merges frames of one function that differ only in column', () => {
    expect(report.function_count).toBe(7);
    const main = callTree.root.children.find((c) => callTree.functions[c.fn]!.name === 'main')!;
    expect(main.children.map((c) => [callTree.functions[c.fn]!.name, c.total])).toEqual([
      ['fact', 4500],
      ['work', 1500],
    ]);
  });

  it('ranks hot paths by the self time of their exact stack', () => {
    expect(report.hot_paths.slice(0, 2).map((p) => [p.stack.map((f) => f.function).join('>'), p.self, p.self_pct])).toEqual([
      ['main>fact', 2, 20],
      ['main>fact>fact>fact', 1.5, 15],
    ]);
  });
});

describe('sample timeline', () => {
  const base = handMadeProfile();

  it('sorts samples that V8 wrote out of order (negative deltas)', () => {
    const p: CpuProfile = { ...base, samples: [2, 3, 2], timeDeltas: [100, 500, -200] };
    const index = indexCpuProfile(p);
    const timeline = sampleTimeline(index);
    expect(Array.from(timeline.durations)).toEqual([300, 200, 250]);
    const self = nodeSelfTimes(index, timeline);
    expect(self[1]).toBe(500);
    expect(self[2]).toBe(250);
  });

  it('gives a lone (program) sample inside one top-level stack to the preceding stack, as DevTools does', () => {
    const p: CpuProfile = { ...base, samples: [3, 8, 7], timeDeltas: [100, 100, 100] };
    const index = indexCpuProfile(p);
    const fixed = sampleTimeline(index);
    const program = index.nodeId.indexOf(8);
    expect(Array.from(fixed.nodes)).not.toContain(program);
    const raw = sampleTimeline(index, { fixLoneProgramSamples: false });
    expect(Array.from(raw.nodes)).toContain(program);
  });

  it('falls back to hitCount over the profile span when there are no samples', () => {
    const p: CpuProfile = { nodes: base.nodes, startTime: 0, endTime: 10_000 };
    const { report } = analyzeCpuProfile(indexCpuProfile(p));
    expect(report.hotspots[0]).toMatchObject({ function: 'fact', self_ms: 5, self_pct: 50 });
  });

  it('names an empty function (anonymous) as DevTools does', () => {
    const p: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)'), children: [2] },
        { id: 2, callFrame: frame('', 'file:///x.js', 3, 0), children: [] },
      ],
      startTime: 0,
      endTime: 2000,
      samples: [2, 2],
      timeDeltas: [1000, 1000],
    };
    const { report } = analyzeCpuProfile(indexCpuProfile(p));
    expect(report.hotspots).toEqual([
      { function: '(anonymous)', url: 'file:///x.js', line: 4, self_ms: 2, self_pct: 100, total_ms: 2, total_pct: 100 },
    ]);
  });
});
