import { walkCallTree, type CallTree } from '../analysis/call-tree.js';
import type { CpuProfileIndex } from '../analysis/cpu-profile.js';
import { displayName } from '../analysis/profile-tree.js';
import type { SampleTimeline } from '../analysis/sample-timeline.js';

/** The `$schema` value every speedscope file carries. */
export const SPEEDSCOPE_SCHEMA = 'https://www.speedscope.app/file-format-schema.json';

/** A speedscope frame (`FileFormat.Frame`): 1-based line and column. */
export interface SpeedscopeFrame {
  readonly name: string;
  readonly file?: string;
  readonly line?: number;
  readonly col?: number;
}

/** A speedscope sampled profile (`FileFormat.SampledProfile`): stacks are frame indices, outermost first. */
export interface SpeedscopeSampledProfile {
  readonly type: 'sampled';
  readonly name: string;
  readonly unit: 'microseconds' | 'bytes' | 'none';
  readonly startValue: number;
  readonly endValue: number;
  readonly samples: readonly (readonly number[])[];
  readonly weights: readonly number[];
}

/** A speedscope file (`FileFormat.File`). */
export interface SpeedscopeFile {
  readonly $schema: typeof SPEEDSCOPE_SCHEMA;
  readonly shared: { readonly frames: readonly SpeedscopeFrame[] };
  readonly profiles: readonly SpeedscopeSampledProfile[];
  readonly name: string;
  readonly activeProfileIndex: number;
  readonly exporter: string;
}

/** Names this exporter in the files it writes. */
export const EXPORTER = 'perf-engine';

function frameOf(name: string, url: string, line: number, column: number): SpeedscopeFrame {
  return {
    name: displayName(name),
    ...(url ? { file: url } : {}),
    ...(line > 0 ? { line } : {}),
    ...(column > 0 ? { col: column } : {}),
  };
}

/**
 * A CPU profile as a speedscope sampled profile in time order (so speedscope's "Time Order" view
 * replays it): one entry per run of consecutive samples on the same node, weighted by its duration
 * in microseconds; frames are the profile's call frames, the root pseudo-frame left out. The format
 * repeats the whole stack in every entry, so when that would exceed `maxFrameRefs` stack entries
 * (default 5 million, some 40 MB of JSON) the samples are aggregated per call-tree node instead:
 * time order is lost, the left-heavy and sandwich views stay exact.
 */
export function cpuToSpeedscope(profile: CpuProfileIndex, timeline: SampleTimeline, name: string, maxFrameRefs = 5_000_000): SpeedscopeFile {
  const frames = profile.frames.map((f) => frameOf(f.functionName, f.url, f.lineNumber + 1, f.columnNumber + 1));
  const stacks: (number[] | undefined)[] = new Array<number[] | undefined>(profile.parent.length);
  const stackOf = (node: number): number[] => {
    let stack = stacks[node];
    if (!stack) {
      stack = [];
      for (let at = node; at > 0; at = profile.parent[at]!) stack.push(profile.nodeFrame[at]!);
      stack.reverse();
      stacks[node] = stack;
    }
    return stack;
  };
  const depth = new Int32Array(profile.parent.length);
  for (let i = 1; i < depth.length; i++) depth[i] = depth[profile.parent[i]!]! + 1;
  let refs = 0;
  for (let i = 0; i < timeline.nodes.length; i++) {
    if (i === 0 || timeline.nodes[i] !== timeline.nodes[i - 1]) refs += depth[timeline.nodes[i]!]!;
  }
  const samples: number[][] = [];
  const weights: number[] = [];
  if (refs > maxFrameRefs) {
    const self = new Float64Array(profile.parent.length);
    for (let i = 0; i < timeline.nodes.length; i++) self[timeline.nodes[i]!]! += timeline.durations[i]!;
    self.forEach((weight, node) => {
      if (weight <= 0 || node === 0) return;
      samples.push(stackOf(node));
      weights.push(weight);
    });
    return file(name, frames, { type: 'sampled', name, unit: 'microseconds', startValue: 0, endValue: timeline.endTime - timeline.startTime, samples, weights });
  }
  let last = -1;
  for (let i = 0; i < timeline.nodes.length; i++) {
    const node = timeline.nodes[i]!;
    if (node === last) weights[weights.length - 1]! += timeline.durations[i]!;
    else {
      samples.push(stackOf(node));
      weights.push(timeline.durations[i]!);
      last = node;
    }
  }
  return file(name, frames, {
    type: 'sampled',
    name,
    unit: 'microseconds',
    startValue: 0,
    endValue: timeline.endTime - timeline.startTime,
    samples,
    weights,
  });
}

/**
 * Any call tree (a heap profile's, typically) as a speedscope sampled profile: one entry per call
 * path with self weight, weighted by it; frames are the tree's functions.
 */
export function callTreeToSpeedscope(tree: CallTree, name: string): SpeedscopeFile {
  const frames = tree.functions.map((f) => frameOf(f.name, f.url, f.line, 0));
  const samples: number[][] = [];
  const weights: number[] = [];
  walkCallTree(tree.root, (node, path) => {
    if (node.self <= 0 || path.length < 2) return;
    samples.push(path.slice(1).map((p) => p.fn));
    weights.push(node.self);
  });
  return file(name, frames, { type: 'sampled', name, unit: tree.unit === 'samples' ? 'none' : tree.unit, startValue: 0, endValue: tree.root.total, samples, weights });
}

function file(name: string, frames: SpeedscopeFrame[], profile: SpeedscopeSampledProfile): SpeedscopeFile {
  return { $schema: SPEEDSCOPE_SCHEMA, shared: { frames }, profiles: [profile], name, activeProfileIndex: 0, exporter: EXPORTER };
}
