import { ProfileFormatError } from './profile-format-error.js';
import { buildProfileTree, idLookup, type CallFrame, type ProfileTree } from './profile-tree.js';

/** One node of a V8 CPU profile (`Profiler.ProfileNode`). */
export interface CpuProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly hitCount?: number;
  readonly children?: readonly number[];
  /** Trace-event profiles give the parent instead of children. */
  readonly parent?: number;
  readonly positionTicks?: readonly { readonly line: number; readonly ticks: number }[];
  readonly deoptReason?: string;
}

/**
 * A V8 CPU profile as `node --cpu-prof` writes it and `Profiler.stop` returns it (the `.cpuprofile`
 * file Chrome DevTools loads). Times are in microseconds; `samples[i]` is the id of the node on top
 * of the stack at sample i, taken `timeDeltas[i]` after the previous one (the first after `startTime`).
 */
export interface CpuProfile {
  readonly nodes: readonly CpuProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

/** A CPU profile indexed for analysis: the tree in preorder plus the samples as node indices. */
export interface CpuProfileIndex extends ProfileTree {
  /** Hit count per node index, as the file gives it (0 when absent). */
  readonly hitCount: Int32Array;
  /** Node index of each sample, in file order. */
  readonly samples: Int32Array;
  /** Microseconds since the previous sample, per sample (may be negative: V8 does not sort them). */
  readonly timeDeltas: Float64Array;
  readonly startTime: number;
  readonly endTime: number;
}

/** The pieces of a CPU profile a reader collects, before indexing. */
export interface CpuProfileParts {
  readonly ids: ArrayLike<number>;
  readonly frames: readonly CallFrame[];
  readonly nodeFrame: ArrayLike<number>;
  readonly hitCount: ArrayLike<number>;
  readonly childStart: ArrayLike<number>;
  readonly childIds: ArrayLike<number>;
  readonly sampleIds: ArrayLike<number>;
  readonly timeDeltas: ArrayLike<number>;
  readonly startTime: number;
  readonly endTime: number;
}

/** True when the value looks like a CPU profile (has a `nodes` array), without validating it. */
export function looksLikeCpuProfile(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Array.isArray((value as { nodes?: unknown }).nodes);
}

function fail(message: string): never {
  throw new ProfileFormatError(message);
}

function finite(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(`${what} is not a number`);
  return value;
}

function numberArray(value: unknown, what: string): readonly number[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail(`${what} is not an array`);
  for (let i = 0; i < value.length; i++) if (typeof value[i] !== 'number') fail(`${what}[${i}] is not a number`);
  return value as number[];
}

/** Reads a call frame object; `scriptId` may be a string (CDP) or a number (some writers). */
export function parseCallFrame(value: unknown, what: string): CallFrame {
  if (typeof value !== 'object' || value === null) fail(`${what} has no callFrame object`);
  const f = value as Record<string, unknown>;
  const scriptId = typeof f.scriptId === 'number' ? String(f.scriptId) : f.scriptId ?? '0';
  if (typeof f.functionName !== 'string' || typeof f.url !== 'string' || typeof scriptId !== 'string') {
    fail(`${what} callFrame lacks functionName/url/scriptId strings`);
  }
  return {
    functionName: f.functionName,
    scriptId,
    url: f.url,
    lineNumber: f.lineNumber === undefined ? -1 : finite(f.lineNumber, `${what} lineNumber`),
    columnNumber: f.columnNumber === undefined ? -1 : finite(f.columnNumber, `${what} columnNumber`),
  };
}

/**
 * Checks a parsed JSON value against the `.cpuprofile` shape and returns its parts; throws
 * ProfileFormatError naming the first problem. Accepts trace-style nodes that give `parent` instead
 * of `children`.
 */
export function cpuProfileParts(value: unknown): CpuProfileParts {
  if (!looksLikeCpuProfile(value)) fail('not a CPU profile: no "nodes" array');
  const p = value as Record<string, unknown> & { nodes: unknown[] };
  const frames: CallFrame[] = [];
  const frameIndex = new Map<string, number>();
  const n = p.nodes.length;
  const ids = new Float64Array(n);
  const nodeFrame = new Int32Array(n);
  const hitCount = new Float64Array(n);
  const kids: number[][] = [];
  const parents: [number, number][] = [];
  p.nodes.forEach((raw, i) => {
    if (typeof raw !== 'object' || raw === null) fail(`nodes[${i}] is not an object`);
    const node = raw as Record<string, unknown>;
    ids[i] = finite(node.id, `nodes[${i}].id`);
    const frame = parseCallFrame(node.callFrame, `nodes[${i}]`);
    const key = `${frame.functionName}\u0000${frame.url}\u0000${frame.scriptId}\u0000${frame.lineNumber}\u0000${frame.columnNumber}`;
    let fi = frameIndex.get(key);
    if (fi === undefined) {
      fi = frames.length;
      frames.push(frame);
      frameIndex.set(key, fi);
    }
    nodeFrame[i] = fi;
    hitCount[i] = node.hitCount === undefined ? 0 : finite(node.hitCount, `nodes[${i}].hitCount`);
    kids.push([...numberArray(node.children, `nodes[${i}].children`)]);
    if (node.parent !== undefined) parents.push([finite(node.parent, `nodes[${i}].parent`), ids[i]!]);
  });
  if (parents.length > 0) {
    const position = new Map<number, number>();
    ids.forEach((id, i) => position.set(id, i));
    for (const [parentId, childId] of parents) {
      const at = position.get(parentId);
      if (at === undefined) fail(`node ${childId} names unknown parent ${parentId}`);
      if (!kids[at]!.includes(childId)) kids[at]!.push(childId);
    }
  }
  const childStart = new Int32Array(n + 1);
  kids.forEach((k, i) => (childStart[i + 1] = childStart[i]! + k.length));
  const sampleIds = numberArray(p.samples, 'samples');
  const timeDeltas = numberArray(p.timeDeltas, 'timeDeltas');
  return {
    ids,
    frames,
    nodeFrame,
    hitCount,
    childStart,
    childIds: kids.flat(),
    sampleIds,
    timeDeltas,
    startTime: finite(p.startTime, 'startTime'),
    endTime: finite(p.endTime, 'endTime'),
  };
}

/**
 * Indexes a CPU profile's parts: tree in preorder, samples as node indices. Throws
 * ProfileFormatError when samples name unknown nodes or `timeDeltas` does not match `samples`.
 */
export function indexCpuParts(parts: CpuProfileParts): CpuProfileIndex {
  const { tree, order } = buildProfileTree(parts);
  const n = order.length;
  const hitCount = new Int32Array(n);
  for (let i = 0; i < n; i++) hitCount[order[i]!] = parts.hitCount[i]!;
  const position = idLookup(tree.nodeId);
  const samples = new Int32Array(parts.sampleIds.length);
  for (let i = 0; i < samples.length; i++) {
    const at = position(parts.sampleIds[i]!);
    if (at < 0) fail(`samples[${i}] names unknown node ${parts.sampleIds[i]!}`);
    samples[i] = at;
  }
  if (parts.timeDeltas.length !== samples.length && parts.timeDeltas.length > 0) {
    fail(`timeDeltas has ${parts.timeDeltas.length} entries for ${samples.length} samples`);
  }
  const timeDeltas = parts.timeDeltas instanceof Float64Array ? parts.timeDeltas : Float64Array.from(parts.timeDeltas);
  return { ...tree, hitCount, samples, timeDeltas, startTime: parts.startTime, endTime: parts.endTime };
}

/** Validates and indexes a parsed `.cpuprofile` JSON value. */
export function indexCpuProfile(value: unknown): CpuProfileIndex {
  return indexCpuParts(cpuProfileParts(value));
}
