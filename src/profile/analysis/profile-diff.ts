import type { CallTree, CallTreeNode, WeightUnit } from './call-tree.js';
import type { FunctionTotals } from './function-totals.js';
import { round } from './hotspots.js';
import { displayName, type FunctionKey } from './profile-tree.js';

/** One function's change between two profiles of the same target. Shares are percent of each profile. */
export interface FunctionChange {
  readonly function: string;
  readonly url: string;
  readonly line: number;
  readonly before_self_pct: number;
  readonly after_self_pct: number;
  /** after_self_pct - before_self_pct, in percentage points: positive means it got heavier. */
  readonly delta_pct: number;
  readonly before_total_pct: number;
  readonly after_total_pct: number;
  /** Self weight in milliseconds (CPU) or bytes (heap). */
  readonly before_self: number;
  readonly after_self: number;
}

/** One side of a comparison: a profile's functions, per-function totals and call tree. */
export interface DiffSide {
  readonly functions: readonly FunctionKey[];
  readonly totals: FunctionTotals;
  readonly callTree: CallTree;
}

function keyText(fn: FunctionKey): string {
  return `${fn.name}\u0000${fn.url}\u0000${fn.line}`;
}

/**
 * Compares two profiles per function (matched on name, url and line): self shares before and after,
 * largest absolute change first. Shares rather than times, so profiles of different lengths compare.
 */
export function compareProfiles(before: DiffSide, after: DiffSide): FunctionChange[] {
  const rows = new Map<string, { fn: FunctionKey; b: number; a: number; bt: number; at: number }>();
  const add = (side: DiffSide, which: 'before' | 'after'): void => {
    side.functions.forEach((fn, i) => {
      if (fn.name === '(root)' && fn.url === '') return;
      const self = side.totals.self[i]!;
      const total = side.totals.total[i]!;
      if (self === 0 && total === 0) return;
      const key = keyText(fn);
      const row = rows.get(key) ?? { fn, b: 0, a: 0, bt: 0, at: 0 };
      if (which === 'before') {
        row.b += self;
        row.bt += total;
      } else {
        row.a += self;
        row.at += total;
      }
      rows.set(key, row);
    });
  };
  add(before, 'before');
  add(after, 'after');
  const share = (v: number, grand: number): number => (grand > 0 ? (100 * v) / grand : 0);
  const scale = before.callTree.unit === 'microseconds' ? 1 / 1000 : 1;
  const out = [...rows.values()].map(({ fn, b, a, bt, at }) => {
    const bp = share(b, before.totals.grandTotal);
    const ap = share(a, after.totals.grandTotal);
    return {
      function: displayName(fn.name),
      url: fn.url,
      line: fn.line,
      before_self_pct: round(bp, 2),
      after_self_pct: round(ap, 2),
      delta_pct: round(ap - bp, 2),
      before_total_pct: round(share(bt, before.totals.grandTotal), 2),
      after_total_pct: round(share(at, after.totals.grandTotal), 2),
      before_self: round(b * scale, 3),
      after_self: round(a * scale, 3),
      order: ap - bp,
    };
  });
  out.sort((x, y) => Math.abs(y.order) - Math.abs(x.order) || x.function.localeCompare(y.function));
  return out.map(({ order: _order, ...row }) => row);
}

/** A node of a differential call tree: one function path with its weights in both profiles. */
export interface DiffTreeNode {
  readonly fn: number;
  readonly before: { readonly self: number; readonly total: number };
  readonly after: { readonly self: number; readonly total: number };
  readonly children: readonly DiffTreeNode[];
}

/** Two call trees merged on function paths, for the differential flame graph. */
export interface DiffTree {
  readonly functions: readonly FunctionKey[];
  readonly root: DiffTreeNode;
  readonly unit: WeightUnit;
  readonly beforeTotal: number;
  readonly afterTotal: number;
}

interface MutableDiffNode {
  fn: number;
  before: { self: number; total: number };
  after: { self: number; total: number };
  children: Map<number, MutableDiffNode>;
}

/** Merges two call trees on function paths; functions are matched on name, url and line. */
export function diffCallTrees(before: CallTree, after: CallTree): DiffTree {
  const functions: FunctionKey[] = [];
  const index = new Map<string, number>();
  const fnOf = (key: FunctionKey): number => {
    const text = keyText(key);
    let i = index.get(text);
    if (i === undefined) {
      i = functions.length;
      functions.push(key);
      index.set(text, i);
    }
    return i;
  };
  const make = (fn: number): MutableDiffNode => ({ fn, before: { self: 0, total: 0 }, after: { self: 0, total: 0 }, children: new Map() });
  const root = make(fnOf(before.functions[before.root.fn]!));
  const merge = (tree: CallTree, side: 'before' | 'after'): void => {
    const stack: [CallTreeNode, MutableDiffNode][] = [[tree.root, root]];
    while (stack.length > 0) {
      const [node, target] = stack.pop()!;
      target[side].self += node.self;
      target[side].total += node.total;
      for (const child of node.children) {
        const fn = fnOf(tree.functions[child.fn]!);
        let into = target.children.get(fn);
        if (!into) {
          into = make(fn);
          target.children.set(fn, into);
        }
        stack.push([child, into]);
      }
    }
  };
  merge(before, 'before');
  merge(after, 'after');
  const freeze = (node: MutableDiffNode): DiffTreeNode => ({
    fn: node.fn,
    before: node.before,
    after: node.after,
    children: [...node.children.values()]
      .sort((a, b) => b.after.total - a.after.total || b.before.total - a.before.total)
      .map(freeze),
  });
  return { functions, root: freeze(root), unit: after.unit, beforeTotal: before.root.total, afterTotal: after.root.total };
}
