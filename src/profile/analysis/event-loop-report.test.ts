import { describe, expect, it } from 'vitest';
import { parseEventLoopReport, summarizeEventLoop, type EventLoopReport } from './event-loop-report.js';

const report: EventLoopReport = {
  kind: 'event_loop',
  duration_ms: 10_000,
  resolution_ms: 10,
  delay: {
    min_ms: 10,
    max_ms: 420,
    mean_ms: 14.2,
    stddev_ms: 20,
    count: 1000,
    percentiles_ms: { p50: 10.5, p75: 11, p90: 12, p99: 80, p999: 400 },
    buckets: [
      { le_ms: 20, count: 960 },
      { le_ms: 50, count: 20 },
      { le_ms: 100, count: 15 },
      { le_ms: 500, count: 5 },
    ],
  },
  blocks: [
    { duration_ms: 120, at_ms: 900, stack: [{ function: 'handle', url: 'file:///a.js', line: 3 }, { function: 'parseBig', url: 'file:///a.js', line: 40 }] },
    { duration_ms: 400, at_ms: 5000, stack: [{ function: 'sortAll', url: 'file:///b.js', line: 9 }] },
    { duration_ms: 60, at_ms: 7000, stack: [] },
  ],
};

describe('event-loop report', () => {
  it('summarises delay percentiles, the share above the threshold, blocked time and the longest blocks', () => {
    const s = summarizeEventLoop(parseEventLoopReport(report), { top: 2 });
    expect(s).toMatchObject({ p50_ms: 10.5, p99_ms: 80, max_ms: 420, blocked_ms: 580, blocked_pct: 5.8, over_threshold_pct: 2, threshold_ms: 50 });
    expect(s.longest.map((b) => [b.function, b.duration_ms])).toEqual([
      ['sortAll', 400],
      ['parseBig', 120],
    ]);
  });

  it('rejects a report that lacks a percentile', () => {
    const broken = { ...report, delay: { ...report.delay, percentiles_ms: { p50: 1 } } };
    expect(() => parseEventLoopReport(broken)).toThrow(/percentiles_ms.p75/);
    expect(() => parseEventLoopReport({ kind: 'cpu' })).toThrow(/not an event-loop report/);
  });
});
