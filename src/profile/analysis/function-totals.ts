import { subtreeTotals, type ProfileTree } from './profile-tree.js';

/** Self and total weight per function (indexed like `tree.functions`), plus the grand total. */
export interface FunctionTotals {
  /** Weight of the samples where the function is on top of the stack. */
  readonly self: Float64Array;
  /**
   * Weight of the samples where the function is anywhere on the stack, each sample counted once
   * however many times the function recurses in it.
   */
  readonly total: Float64Array;
  /** Weight of the whole profile (the root's total). */
  readonly grandTotal: number;
}

/**
 * Aggregates node self weights per function. Total weight credits a node's subtree to a function
 * only at the function's outermost frame on the path, so recursion is not counted twice.
 */
export function functionTotals(tree: ProfileTree, nodeSelf: Float64Array): FunctionTotals {
  const fnCount = tree.functions.length;
  const self = new Float64Array(fnCount);
  const total = new Float64Array(fnCount);
  const subtree = subtreeTotals(tree, nodeSelf);
  const onPath = new Int32Array(fnCount);
  const path: number[] = [];
  const n = tree.parent.length;
  for (let i = 0; i < n; i++) {
    const parent = tree.parent[i]!;
    // Preorder: unwind the path to this node's parent, leaving the functions of the popped frames.
    while (path.length > 0 && path[path.length - 1] !== parent) onPath[tree.nodeFunction[path.pop()!]!]!--;
    const fn = tree.nodeFunction[i]!;
    self[fn]! += nodeSelf[i]!;
    if (onPath[fn] === 0) total[fn]! += subtree[i]!;
    onPath[fn]!++;
    path.push(i);
  }
  return { self, total, grandTotal: n > 0 ? subtree[0]! : 0 };
}
