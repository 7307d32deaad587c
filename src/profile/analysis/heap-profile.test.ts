import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { frame } from '../../../test/fixtures/profile/hand-made-profile.js';
import { analyzeHeapProfile, indexHeapProfile, type SamplingHeapProfile } from './heap-profile.js';

const FIXTURE = new URL('../../../test/fixtures/profile/workload.heapprofile', import.meta.url);

/** root > load(a.js:1) [100] > parse(b.js:5) [300] > load [50]; root > tick(c.js:2) [40]; one sample names a pruned node. */
function handMadeHeap(): SamplingHeapProfile {
  return {
    head: {
      id: 1,
      selfSize: 0,
      callFrame: frame('(root)'),
      children: [
        {
          id: 2,
          selfSize: 100,
          callFrame: frame('load', 'file:///a.js', 0),
          children: [
            {
              id: 3,
              selfSize: 300,
              callFrame: frame('parse', 'file:///b.js', 4),
              children: [{ id: 4, selfSize: 50, callFrame: frame('load', 'file:///a.js', 0), children: [] }],
            },
          ],
        },
        { id: 5, selfSize: 40, callFrame: frame('tick', 'file:///c.js', 1), children: [] },
      ],
    },
    samples: [
      { size: 100, nodeId: 2, ordinal: 1 },
      { size: 300, nodeId: 3, ordinal: 2 },
      { size: 300, nodeId: 3, ordinal: 3 },
      { size: 64, nodeId: 99, ordinal: 4 },
    ],
  };
}

describe('heap profile analysis', () => {
  it('ranks allocation sites by self bytes and by total bytes, recursion counted once', () => {
    const heap = indexHeapProfile(handMadeHeap());
    const { report } = analyzeHeapProfile(heap);
    expect(report.total_bytes).toBe(490);
    expect(report.allocation_sites.map((s) => [s.function, s.self_bytes, s.total_bytes, s.line])).toEqual([
      ['parse', 300, 350, 5],
      ['load', 150, 450, 1],
      ['tick', 40, 40, 2],
    ]);
    expect(report.by_total.map((s) => s.function)).toEqual(['load', 'parse', 'tick']);
    expect(report.hot_paths[0]).toMatchObject({ self: 300, stack: [{ function: 'load' }, { function: 'parse' }] });
  });

  it('counts samples per node and keeps those of pruned nodes apart', () => {
    const heap = indexHeapProfile(handMadeHeap());
    expect(heap.sampleCount).toBe(4);
    expect(heap.unattributedSamples).toBe(1);
    expect(Array.from(heap.selfCount)).toEqual([0, 1, 2, 0, 0]);
  });

  it('reads a real node --heap-prof file', () => {
    const heap = indexHeapProfile(JSON.parse(readFileSync(FIXTURE, 'utf8')));
    const { report } = analyzeHeapProfile(heap, { top: 5 });
    expect(report.allocation_sites).toHaveLength(5);
    expect(report.total_bytes).toBe(Math.round(heap.selfBytes.reduce((a, b) => a + b, 0)));
    expect(report.allocation_sites[0]!.self_bytes).toBeGreaterThanOrEqual(report.allocation_sites[1]!.self_bytes);
  });

  it('rejects a value that is not a heap profile', () => {
    expect(() => indexHeapProfile({ nodes: [] })).toThrow(/not a heap profile/);
    expect(() => indexHeapProfile({ head: { id: 1, callFrame: frame('(root)'), children: [] } })).toThrow(/selfSize/);
  });
});
