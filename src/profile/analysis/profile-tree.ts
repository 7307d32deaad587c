import { ProfileFormatError } from './profile-format-error.js';

/** A V8 call frame as CDP's `Runtime.CallFrame` has it: `lineNumber` and `columnNumber` are 0-based, -1 when unknown. */
export interface CallFrame {
  readonly functionName: string;
  readonly scriptId: string;
  readonly url: string;
  readonly lineNumber: number;
  readonly columnNumber: number;
}

/**
 * The unit every analysis aggregates on: a function identified by name, url and 1-based line
 * (0 when V8 gives none, as for `(program)`, `(idle)`, `(garbage collector)` and native frames).
 */
export interface FunctionKey {
  readonly name: string;
  readonly url: string;
  readonly line: number;
}

/**
 * A profile's call tree in flat arrays, nodes in depth-first preorder (index 0 is the root, every
 * parent comes before its children), so that bottom-up sums are one reverse loop.
 */
export interface ProfileTree {
  /** Distinct call frames (deduplicated on all five fields). */
  readonly frames: readonly CallFrame[];
  /** Distinct functions (deduplicated on name, url, line). */
  readonly functions: readonly FunctionKey[];
  /** The profile's own node id, per node index. */
  readonly nodeId: Int32Array;
  /** Index into `frames`, per node. */
  readonly nodeFrame: Int32Array;
  /** Index into `functions`, per node. */
  readonly nodeFunction: Int32Array;
  /** Parent node index, -1 for the root. */
  readonly parent: Int32Array;
}

/** The tree as a profile file gives it: ids, frames and child id lists, in any order. */
export interface RawTree {
  readonly ids: ArrayLike<number>;
  readonly frames: readonly CallFrame[];
  /** Frame index per node (into `frames`). */
  readonly nodeFrame: ArrayLike<number>;
  /** Children ids of node i are `childIds[childStart[i] .. childStart[i + 1])`. */
  readonly childStart: ArrayLike<number>;
  readonly childIds: ArrayLike<number>;
}

/** The display name V8 tools give a function: `(anonymous)` for an empty name. */
export function displayName(name: string): string {
  return name === '' ? '(anonymous)' : name;
}

/** A frame's function key: its name, url and 1-based line (0 when unknown). */
export function functionKeyOf(frame: CallFrame): FunctionKey {
  return { name: frame.functionName, url: frame.url, line: frame.lineNumber >= 0 ? frame.lineNumber + 1 : 0 };
}

/** Maps profile node ids to node positions; throws on a duplicate id. */
export function idLookup(ids: ArrayLike<number>): (id: number) => number {
  let max = 0;
  for (let i = 0; i < ids.length; i++) max = Math.max(max, ids[i]!);
  if (max < 4 * ids.length + 16 && Number.isInteger(max)) {
    const table = new Int32Array(max + 1).fill(-1);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (id < 0 || !Number.isInteger(id)) throw new ProfileFormatError(`node id ${id} is not a non-negative integer`);
      if (table[id] !== -1) throw new ProfileFormatError(`duplicate node id ${id}`);
      table[id] = i;
    }
    return (id) => (id >= 0 && id <= max ? table[id]! : -1);
  }
  const map = new Map<number, number>();
  for (let i = 0; i < ids.length; i++) {
    if (map.has(ids[i]!)) throw new ProfileFormatError(`duplicate node id ${ids[i]!}`);
    map.set(ids[i]!, i);
  }
  return (id) => map.get(id) ?? -1;
}

/**
 * Orders a raw tree in preorder from its root (the one node no other node lists as a child) and
 * deduplicates functions. Returns the tree and `order`, the preorder index of each raw position.
 * Throws when a child id is unknown, a node has two parents, or a node is unreachable from the root.
 */
export function buildProfileTree(raw: RawTree): { tree: ProfileTree; order: Int32Array } {
  const n = raw.ids.length;
  if (n === 0) throw new ProfileFormatError('profile has no nodes');
  const lookup = idLookup(raw.ids);
  const order = new Int32Array(n).fill(-1);
  const nodeId = new Int32Array(n);
  const nodeFrame = new Int32Array(n);
  const parent = new Int32Array(n);
  const stack: number[] = [findRoot(raw, lookup)];
  const stackParent: number[] = [-1];
  let next = 0;
  while (stack.length > 0) {
    const at = stack.pop()!;
    const p = stackParent.pop()!;
    if (order[at] !== -1) throw new ProfileFormatError(`node ${raw.ids[at]!} has more than one parent`);
    const idx = next++;
    order[at] = idx;
    nodeId[idx] = raw.ids[at]!;
    nodeFrame[idx] = raw.nodeFrame[at]!;
    parent[idx] = p;
    // Pushed in reverse so children keep their file order in the preorder.
    for (let c = raw.childStart[at + 1]! - 1; c >= raw.childStart[at]!; c--) {
      const child = lookup(raw.childIds[c]!);
      if (child < 0) throw new ProfileFormatError(`node ${raw.ids[at]!} lists unknown child ${raw.childIds[c]!}`);
      stack.push(child);
      stackParent.push(idx);
    }
  }
  if (next !== n) throw new ProfileFormatError(`${n - next} node(s) are not reachable from the root`);
  const { functions, frameFunction } = dedupeFunctions(raw.frames);
  const nodeFunction = new Int32Array(n);
  for (let i = 0; i < n; i++) nodeFunction[i] = frameFunction[nodeFrame[i]!]!;
  return { tree: { frames: raw.frames, functions, nodeId, nodeFrame, nodeFunction, parent }, order };
}

function findRoot(raw: RawTree, lookup: (id: number) => number): number {
  const isChild = new Uint8Array(raw.ids.length);
  for (let c = 0; c < raw.childIds.length; c++) {
    const child = lookup(raw.childIds[c]!);
    if (child >= 0) isChild[child] = 1;
  }
  const root = isChild.indexOf(0);
  if (root < 0) throw new ProfileFormatError('profile has no root node (every node is some node\'s child)');
  return root;
}

function dedupeFunctions(frames: readonly CallFrame[]): { functions: FunctionKey[]; frameFunction: Int32Array } {
  const byKey = new Map<string, number>();
  const functions: FunctionKey[] = [];
  const frameFunction = new Int32Array(frames.length);
  frames.forEach((frame, i) => {
    const key = functionKeyOf(frame);
    const text = `${key.name}\u0000${key.url}\u0000${key.line}`;
    let fn = byKey.get(text);
    if (fn === undefined) {
      fn = functions.length;
      functions.push(key);
      byKey.set(text, fn);
    }
    frameFunction[i] = fn;
  });
  return { functions, frameFunction };
}

/** Sums node self weights up the tree: `total[i]` is the weight of node i and all its descendants. */
export function subtreeTotals(tree: ProfileTree, self: Float64Array): Float64Array {
  const total = Float64Array.from(self);
  for (let i = total.length - 1; i > 0; i--) total[tree.parent[i]!]! += total[i]!;
  return total;
}
