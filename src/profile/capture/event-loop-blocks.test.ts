import { describe, expect, it } from 'vitest';
import type { CpuProfile } from '../analysis/cpu-profile.js';
import { parseEventLoopReport } from '../analysis/event-loop-report.js';
import { buildEventLoopReport, delayBuckets } from './event-loop-blocks.js';
import type { LoopMonitorResult } from './loop-monitor-source.js';

const frame = (functionName: string, lineNumber = 0) => ({ functionName, scriptId: '1', url: functionName.startsWith('(') ? '' : 'file:///app.js', lineNumber, columnNumber: 0 });

/** Samples every 1 ms from t = 1,000,000 µs: idle, then `sortAll` held the loop for 30 ms, then idle again. */
function profile(): CpuProfile {
  const nodes = [
    { id: 1, callFrame: frame('(root)', -1), children: [2, 3, 5] },
    { id: 2, callFrame: frame('(idle)', -1) },
    { id: 3, callFrame: frame('handle', 9), children: [4] },
    { id: 4, callFrame: frame('sortAll', 40) },
    { id: 5, callFrame: frame('(garbage collector)', -1) },
  ];
  const samples: number[] = [];
  for (let i = 0; i < 100; i++) samples.push(i >= 50 && i < 80 ? (i === 60 ? 5 : 4) : 2);
  return { nodes, startTime: 999_000, endTime: 1_100_000, samples, timeDeltas: samples.map(() => 1000) };
}

const monitor: LoopMonitorResult = {
  startUs: 1_000_000,
  endUs: 1_100_000,
  resolutionMs: 10,
  histogram: { min: 10e6, max: 41e6, mean: 12e6, stddev: 3e6, count: 8, p50: 10.2e6, p75: 10.5e6, p90: 41e6, p99: 41e6, p999: 41e6, walk: [[0, 10e6], [50, 10.2e6], [87.5, 10.5e6], [100, 41e6]] },
  gaps: [
    [1_049_500, 1_080_500],
    [1_090_000, 1_092_500],
  ],
};

describe('event-loop report from the monitor and a CPU profile', () => {
  it('names each block by the stack sampled most inside it, longest blocks kept in time order', () => {
    const r = buildEventLoopReport(monitor, profile());
    expect(() => parseEventLoopReport(JSON.parse(JSON.stringify(r)))).not.toThrow();
    expect(r.blocks[0]).toEqual({
      duration_ms: 31,
      at_ms: 49.5,
      stack: [
        { function: 'handle', url: 'file:///app.js', line: 10 },
        { function: 'sortAll', url: 'file:///app.js', line: 41 },
      ],
    });
    // Only idle samples in the second gap: no stack to blame.
    expect(r.blocks[1]).toEqual({ duration_ms: 2.5, at_ms: 90, stack: [] });
    expect(r.duration_ms).toBe(100);
  });

  it('reports delays beyond the resolution (an idle loop has none) and buckets from the percentile walk', () => {
    const r = buildEventLoopReport(monitor, null);
    expect(r.delay).toMatchObject({ min_ms: 0, max_ms: 31, mean_ms: 2, count: 8, percentiles_ms: { p50: 0.2, p75: 0.5, p90: 31, p99: 31, p999: 31 } });
    expect(r.delay.buckets).toEqual([
      { le_ms: 0.2, count: 4 },
      { le_ms: 0.5, count: 3 },
      { le_ms: 31, count: 1 },
    ]);
    expect(r.blocks.every((b) => b.stack.length === 0)).toBe(true);
  });

  it('puts samples the walk leaves out in the last bucket', () => {
    expect(delayBuckets([[50, 11e6]], 10, 10)).toEqual([{ le_ms: 1, count: 10 }]);
    expect(delayBuckets([], 0, 10)).toEqual([]);
  });
});
