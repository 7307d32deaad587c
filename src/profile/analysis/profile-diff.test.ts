import { describe, expect, it } from 'vitest';
import { frame, handMadeProfile } from '../../../test/fixtures/profile/hand-made-profile.js';
import { analyzeCpuProfile } from './cpu-analysis.js';
import { indexCpuProfile, type CpuProfile } from './cpu-profile.js';
import { compareProfiles, diffCallTrees } from './profile-diff.js';

function side(p: CpuProfile) {
  const index = indexCpuProfile(p);
  const a = analyzeCpuProfile(index);
  return { functions: index.functions, totals: a.totals, callTree: a.callTree };
}

describe('profile comparison', () => {
  const before = side(handMadeProfile());
  // After: the same tree, but `work` takes 4 of 10 ms and fact far less; a new function appears.
  const after = side({
    ...handMadeProfile(),
    nodes: [
      ...handMadeProfile().nodes.map((n) => (n.id === 6 ? { ...n, children: [7, 11] } : n)),
      { id: 11, callFrame: frame('encode', 'file:///enc.js', 2), children: [] },
    ],
    samples: [2, 3, 6, 6, 6, 6, 11, 8, 9, 10],
    timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
  });

  it('lists per-function self shares before and after, largest change first', () => {
    const changes = compareProfiles(before, after);
    expect(changes.slice(0, 3).map((c) => [c.function, c.before_self_pct, c.after_self_pct, c.delta_pct])).toEqual([
      ['fact', 55, 10, -45],
      ['work', 5, 40, 35],
      ['encode', 0, 10, 10],
    ]);
    expect(changes.find((c) => c.function === 'main')).toMatchObject({ delta_pct: 0, before_total_pct: 70, after_total_pct: 70 });
  });

  it('merges both call trees on function paths for the differential flame graph', () => {
    const diff = diffCallTrees(before.callTree, after.callTree);
    const main = diff.root.children.find((c) => diff.functions[c.fn]!.name === 'main')!;
    const work = main.children.find((c) => diff.functions[c.fn]!.name === 'work')!;
    expect(work.before).toEqual({ self: 500, total: 1500 });
    expect(work.after).toEqual({ self: 4000, total: 5000 });
    expect(work.children.map((c) => diff.functions[c.fn]!.name).sort()).toEqual(['encode', 'fact']);
    expect(diff.beforeTotal).toBe(10000);
    expect(diff.afterTotal).toBe(10000);
  });
});
