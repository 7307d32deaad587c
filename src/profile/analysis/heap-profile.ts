import { buildCallTree, type CallTree } from './call-tree.js';
import { parseCallFrame } from './cpu-profile.js';
import { functionTotals, type FunctionTotals } from './function-totals.js';
import { hotPaths, type HotPath } from './hot-paths.js';
import { round } from './hotspots.js';
import { ProfileFormatError } from './profile-format-error.js';
import { buildProfileTree, displayName, idLookup, type CallFrame, type ProfileTree } from './profile-tree.js';

/** One node of a V8 sampling heap profile (`HeapProfiler.SamplingHeapProfileNode`). */
export interface SamplingHeapProfileNode {
  readonly callFrame: CallFrame;
  /** Estimated bytes allocated by this frame itself (V8 scales the samples up). */
  readonly selfSize: number;
  readonly id: number;
  readonly children: readonly SamplingHeapProfileNode[];
}

/** A V8 sampling heap profile: `HeapProfiler.stopSampling`'s result, `node --heap-prof`'s `.heapprofile`. */
export interface SamplingHeapProfile {
  readonly head: SamplingHeapProfileNode;
  /** The sampled allocations: their size in bytes and the node that allocated them. */
  readonly samples?: readonly { readonly size: number; readonly nodeId: number; readonly ordinal: number }[];
}

/** A heap profile indexed for analysis. */
export interface HeapProfileIndex extends ProfileTree {
  /** Estimated bytes allocated per node (its `selfSize`). */
  readonly selfBytes: Float64Array;
  /** Sampled allocations per node (0 everywhere when the profile lists no samples). */
  readonly selfCount: Float64Array;
  /** The sampler's mean interval in bytes; the file does not say, so it is the caller's or V8's default. */
  readonly samplingInterval: number;
  readonly sampleCount: number;
  /** Samples whose node is not in the tree (V8 keeps samples of nodes it has pruned). */
  readonly unattributedSamples: number;
}

/** V8's default sampling interval for heap profiles (`--heap-prof-interval`), bytes. */
export const DEFAULT_HEAP_SAMPLING_INTERVAL = 512 * 1024;

/** True when the value looks like a sampling heap profile (has a `head` node), without validating it. */
export function looksLikeHeapProfile(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { head?: unknown }).head === 'object';
}

/** Validates and indexes a parsed sampling heap profile; throws ProfileFormatError naming the problem. */
export function indexHeapProfile(value: unknown, samplingInterval = DEFAULT_HEAP_SAMPLING_INTERVAL): HeapProfileIndex {
  if (!looksLikeHeapProfile(value)) throw new ProfileFormatError('not a heap profile: no "head" node');
  const ids: number[] = [];
  const frames: CallFrame[] = [];
  const frameIndex = new Map<string, number>();
  const nodeFrame: number[] = [];
  const selfSizes: number[] = [];
  const childStart: number[] = [0];
  const childIds: number[] = [];
  const stack: unknown[] = [(value as { head: unknown }).head];
  while (stack.length > 0) {
    const raw = stack.pop();
    const at = ids.length;
    if (typeof raw !== 'object' || raw === null) throw new ProfileFormatError(`heap node ${at} is not an object`);
    const node = raw as Record<string, unknown>;
    if (typeof node.id !== 'number') throw new ProfileFormatError(`heap node ${at} has no numeric id`);
    if (typeof node.selfSize !== 'number') throw new ProfileFormatError(`heap node ${node.id} has no numeric selfSize`);
    const children = node.children ?? [];
    if (!Array.isArray(children)) throw new ProfileFormatError(`heap node ${node.id} children is not an array`);
    ids.push(node.id);
    const frame = parseCallFrame(node.callFrame, `heap node ${node.id}`);
    const key = `${frame.functionName}\u0000${frame.url}\u0000${frame.scriptId}\u0000${frame.lineNumber}\u0000${frame.columnNumber}`;
    let fi = frameIndex.get(key);
    if (fi === undefined) {
      fi = frames.length;
      frames.push(frame);
      frameIndex.set(key, fi);
    }
    nodeFrame.push(fi);
    selfSizes.push(node.selfSize);
    for (const child of children) {
      const childId = (child as { id?: unknown } | null)?.id;
      if (typeof childId !== 'number') throw new ProfileFormatError(`a child of heap node ${node.id} has no numeric id`);
      childIds.push(childId);
    }
    childStart.push(childIds.length);
    for (let c = children.length - 1; c >= 0; c--) stack.push(children[c]);
  }
  const { tree, order } = buildProfileTree({ ids, frames, nodeFrame, childStart, childIds });
  const selfBytes = new Float64Array(ids.length);
  order.forEach((idx, raw) => (selfBytes[idx] = selfSizes[raw]!));
  const selfCount = new Float64Array(ids.length);
  const samples = (value as { samples?: unknown }).samples ?? [];
  if (!Array.isArray(samples)) throw new ProfileFormatError('heap profile samples is not an array');
  const position = idLookup(tree.nodeId);
  let unattributed = 0;
  for (const s of samples as { nodeId?: unknown }[]) {
    if (typeof s?.nodeId !== 'number') throw new ProfileFormatError('a heap sample has no numeric nodeId');
    const at = position(s.nodeId);
    // V8 lists samples of nodes it has since dropped from the tree; they are counted apart.
    if (at < 0) unattributed++;
    else selfCount[at]!++;
  }
  return { ...tree, selfBytes, selfCount, samplingInterval, sampleCount: samples.length, unattributedSamples: unattributed };
}

/** An allocation site: a function and the bytes it allocated itself and with its callees. */
export interface AllocationSite {
  readonly function: string;
  readonly url: string;
  readonly line: number;
  readonly self_bytes: number;
  readonly self_pct: number;
  readonly total_bytes: number;
  readonly total_pct: number;
}

/** What `profile analyze --json` prints for a heap profile. */
export interface HeapReport {
  readonly kind: 'heap';
  /** Estimated bytes allocated over the profile (sum of self sizes). */
  readonly total_bytes: number;
  readonly sample_count: number;
  readonly node_count: number;
  readonly function_count: number;
  /** Top allocation sites by self bytes, heaviest first. */
  readonly allocation_sites: readonly AllocationSite[];
  /** Top allocation sites by total bytes (with callees), heaviest first. */
  readonly by_total: readonly AllocationSite[];
  /** Heaviest allocating stacks; `self` in bytes. */
  readonly hot_paths: readonly HotPath[];
}

/** A heap profile's report plus what renderers and exports need. */
export interface HeapAnalysis {
  readonly report: HeapReport;
  readonly totals: FunctionTotals;
  readonly callTree: CallTree;
}

/** Analyses a heap profile: allocation sites by self and total bytes, hot paths, call tree. */
export function analyzeHeapProfile(heap: HeapProfileIndex, options: { top?: number; hotPaths?: number } = {}): HeapAnalysis {
  const totals = functionTotals(heap, heap.selfBytes);
  const callTree = buildCallTree(heap, heap.selfBytes, 'bytes');
  const grand = totals.grandTotal;
  const top = options.top ?? 20;
  const pct = (v: number): number => (grand > 0 ? round((100 * v) / grand, 2) : 0);
  const site = (i: number): AllocationSite => {
    const fn = heap.functions[i]!;
    return {
      function: displayName(fn.name),
      url: fn.url,
      line: fn.line,
      self_bytes: Math.round(totals.self[i]!),
      self_pct: pct(totals.self[i]!),
      total_bytes: Math.round(totals.total[i]!),
      total_pct: pct(totals.total[i]!),
    };
  };
  const candidates = heap.functions.map((_, i) => i).filter((i) => heap.functions[i]!.name !== '(root)' && totals.total[i]! > 0);
  const bySelf = [...candidates].filter((i) => totals.self[i]! > 0).sort((a, b) => totals.self[b]! - totals.self[a]! || a - b);
  const byTotal = [...candidates].sort((a, b) => totals.total[b]! - totals.total[a]! || a - b);
  return {
    report: {
      kind: 'heap',
      total_bytes: Math.round(grand),
      sample_count: heap.sampleCount,
      node_count: heap.parent.length,
      function_count: heap.functions.length,
      allocation_sites: bySelf.slice(0, top).map(site),
      by_total: byTotal.slice(0, top).map(site),
      hot_paths: hotPaths(callTree, options.hotPaths ?? 10),
    },
    totals,
    callTree,
  };
}
