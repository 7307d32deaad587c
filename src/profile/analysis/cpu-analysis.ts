import { buildCallTree, type CallTree } from './call-tree.js';
import type { CpuProfileIndex } from './cpu-profile.js';
import { functionTotals, type FunctionTotals } from './function-totals.js';
import { hotPaths, type HotPath } from './hot-paths.js';
import { hotspots, round, type Hotspot } from './hotspots.js';
import { nodeSelfTimes, sampleTimeline, type SampleTimeline, type TimelineOptions } from './sample-timeline.js';

/** Time outside JavaScript frames, by V8 meta function, in milliseconds. */
export interface MetaTimes {
  readonly program_ms: number;
  readonly idle_ms: number;
  readonly gc_ms: number;
}

/** What `profile analyze --json` prints for a CPU profile. */
export interface CpuReport {
  readonly kind: 'cpu';
  /** Time covered by the samples, milliseconds. */
  readonly duration_ms: number;
  readonly sample_count: number;
  readonly node_count: number;
  readonly function_count: number;
  readonly totals: MetaTimes & { readonly total_ms: number; readonly active_ms: number };
  /** PROTOCOL.md hotspot objects, heaviest self time first. */
  readonly hotspots: readonly Hotspot[];
  /** Heaviest stacks; `self` in milliseconds. */
  readonly hot_paths: readonly HotPath[];
}

/** Everything derived from one CPU profile, for reports, renderers and exports. */
export interface CpuAnalysis {
  readonly report: CpuReport;
  readonly timeline: SampleTimeline;
  readonly nodeSelf: Float64Array;
  readonly totals: FunctionTotals;
  readonly callTree: CallTree;
}

/** Options of `analyzeCpuProfile`. */
export interface CpuAnalysisOptions extends TimelineOptions {
  /** Hotspots to keep (default 20). */
  readonly top?: number;
  /** Hot paths to keep (default 10). */
  readonly hotPaths?: number;
}

/** Analyses an indexed CPU profile: timeline, per-function totals, call tree, hotspots and hot paths. */
export function analyzeCpuProfile(profile: CpuProfileIndex, options: CpuAnalysisOptions = {}): CpuAnalysis {
  const timeline = sampleTimeline(profile, options);
  const nodeSelf = nodeSelfTimes(profile, timeline);
  const totals = functionTotals(profile, nodeSelf);
  const callTree = buildCallTree(profile, nodeSelf, 'microseconds');
  const ms = (us: number): number => round(us / 1000, 3);
  const metaSelf = (name: string): number => {
    let sum = 0;
    profile.functions.forEach((fn, i) => {
      if (fn.name === name && fn.url === '') sum += totals.self[i]!;
    });
    return sum;
  };
  const program = metaSelf('(program)');
  const idle = metaSelf('(idle)');
  const gc = metaSelf('(garbage collector)');
  const report: CpuReport = {
    kind: 'cpu',
    duration_ms: ms(timeline.nodes.length > 0 ? timeline.endTime - timeline.startTime : profile.endTime - profile.startTime),
    sample_count: profile.samples.length,
    node_count: profile.parent.length,
    function_count: profile.functions.length,
    totals: {
      total_ms: ms(totals.grandTotal),
      active_ms: ms(totals.grandTotal - idle),
      program_ms: ms(program),
      idle_ms: ms(idle),
      gc_ms: ms(gc),
    },
    hotspots: hotspots(profile.functions, totals, { top: options.top ?? 20 }),
    hot_paths: hotPaths(callTree, options.hotPaths ?? 10),
  };
  return { report, timeline, nodeSelf, totals, callTree };
}
