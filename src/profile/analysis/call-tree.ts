import { subtreeTotals, type FunctionKey, type ProfileTree } from './profile-tree.js';

/** Units a call tree's weights can be in. */
export const WEIGHT_UNITS = ['microseconds', 'bytes', 'samples'] as const;
/** A call tree's weight unit. */
export type WeightUnit = (typeof WEIGHT_UNITS)[number];

/** One node of an aggregated top-down call tree: one function at one call path. */
export interface CallTreeNode {
  /** Index into the tree's `functions`. */
  readonly fn: number;
  /** Weight with this function on top of the stack at this path. */
  readonly self: number;
  /** Weight of this node and everything it called. */
  readonly total: number;
  /** Callees, heaviest total first. */
  readonly children: readonly CallTreeNode[];
}

/** An aggregated top-down call tree: profile nodes that share a function path are merged. */
export interface CallTree {
  readonly functions: readonly FunctionKey[];
  readonly root: CallTreeNode;
  readonly unit: WeightUnit;
}

interface MutableNode {
  fn: number;
  self: number;
  total: number;
  children: MutableNode[];
}

/**
 * Merges profile nodes that have the same function path (V8 keeps separate nodes when columns or
 * script ids differ) into a top-down tree with self and total weights; children heaviest first.
 */
export function buildCallTree(tree: ProfileTree, nodeSelf: Float64Array, unit: WeightUnit): CallTree {
  const n = tree.parent.length;
  const total = subtreeTotals(tree, nodeSelf);
  const fnCount = tree.functions.length;
  // Pass 1 merges into flat arrays; pass 2 makes objects with exactly sized children arrays
  // (growing arrays by push over-allocates, which costs tens of MB on large profiles).
  const mergedId = new Int32Array(n);
  const mergedParent = new Int32Array(n);
  const mergedFn = new Int32Array(n);
  const mergedSelf = new Float64Array(n);
  const mergedTotal = new Float64Array(n);
  const childCount = new Int32Array(n);
  const byParentAndFn = new Map<number, number>();
  let count = 0;
  for (let i = 0; i < n; i++) {
    const fn = tree.nodeFunction[i]!;
    const parent = tree.parent[i]!;
    const parentId = parent < 0 ? -1 : mergedId[parent]!;
    const key = (parentId + 1) * fnCount + fn;
    let id = byParentAndFn.get(key);
    if (id === undefined) {
      id = count++;
      byParentAndFn.set(key, id);
      mergedParent[id] = parentId;
      mergedFn[id] = fn;
      if (parentId >= 0) childCount[parentId]!++;
    }
    mergedId[i] = id;
    mergedSelf[id]! += nodeSelf[i]!;
    // A merged node's total is the sum of its members' totals: members never nest (same path).
    mergedTotal[id]! += total[i]!;
  }
  byParentAndFn.clear();
  const nodes: MutableNode[] = new Array<MutableNode>(count);
  const filled = new Int32Array(count);
  for (let id = 0; id < count; id++) {
    const node: MutableNode = { fn: mergedFn[id]!, self: mergedSelf[id]!, total: mergedTotal[id]!, children: new Array<MutableNode>(childCount[id]!) };
    nodes[id] = node;
    const parentId = mergedParent[id]!;
    if (parentId >= 0) nodes[parentId]!.children[filled[parentId]!++] = node;
  }
  for (const node of nodes) if (node.children.length > 1) node.children.sort(heavierFirst);
  return { functions: tree.functions, root: nodes[0]!, unit };
}

function heavierFirst(a: MutableNode, b: MutableNode): number {
  return b.total - a.total || a.fn - b.fn;
}

/** Visits every node of a call tree depth-first with its path (root first), without recursion. */
export function walkCallTree(root: CallTreeNode, visit: (node: CallTreeNode, path: readonly CallTreeNode[]) => void): void {
  const path: CallTreeNode[] = [];
  const stack: { node: CallTreeNode; depth: number }[] = [{ node: root, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    path.length = depth;
    path.push(node);
    visit(node, path);
    for (let c = node.children.length - 1; c >= 0; c--) stack.push({ node: node.children[c]!, depth: depth + 1 });
  }
}
