import type { CallTree, CallTreeNode, WeightUnit } from '../analysis/call-tree.js';
import type { DiffTree, DiffTreeNode } from '../analysis/profile-diff.js';
import { displayName, type FunctionKey } from '../analysis/profile-tree.js';
import { diffColor, frameColor } from './flame-colors.js';

/** One frame to draw: its width is `value`, its children are drawn below it (icicle) left to right. */
export interface FlameFrame {
  readonly label: string;
  /** Full description shown on hover: function, location, weights. */
  readonly tooltip: string;
  readonly value: number;
  readonly color: string;
  readonly children: readonly FlameFrame[];
}

/** A flame graph ready for a renderer: frames already pruned, coloured and described. */
export interface FlameGraph {
  readonly title: string;
  readonly subtitle: string;
  readonly root: FlameFrame;
  readonly unit: WeightUnit;
  /** Frames kept and left out (narrower than the minimum width). */
  readonly frameCount: number;
  readonly prunedCount: number;
}

/** Options of the flame graph builders. */
export interface FlameOptions {
  readonly title?: string;
  /** Frames narrower than this fraction of the root are left out (default 1/12000: 0.1 px at 1200 px). */
  readonly minFraction?: number;
}

/** Formats a weight for people: `12.3 ms` / `1.50 s` for time, `12.0 KiB` / `3.4 MiB` for bytes. */
export function formatWeight(value: number, unit: WeightUnit): string {
  if (unit === 'bytes') {
    if (value >= 1 << 30) return `${(value / (1 << 30)).toFixed(2)} GiB`;
    if (value >= 1 << 20) return `${(value / (1 << 20)).toFixed(1)} MiB`;
    if (value >= 1024) return `${(value / 1024).toFixed(1)} KiB`;
    return `${Math.round(value)} B`;
  }
  if (unit === 'samples') return `${Math.round(value)} samples`;
  const ms = value / 1000;
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms >= 10 ? 1 : 2)} ms`;
}

function location(fn: FunctionKey): string {
  if (fn.url === '') return '';
  return fn.line > 0 ? `${fn.url}:${fn.line}` : fn.url;
}

function pct(value: number, total: number): string {
  return total > 0 ? `${((100 * value) / total).toFixed(2)}%` : '0%';
}

/** Builds the flame graph of a call tree: width is total weight, colour says where the code lives. */
export function flameFromCallTree(tree: CallTree, options: FlameOptions = {}): FlameGraph {
  const grand = tree.root.total;
  const min = grand * (options.minFraction ?? 1 / 12000);
  let kept = 0;
  let pruned = 0;
  // Label, location and colour are per function: computed once, shared by all its frames.
  const labels = new Map<number, { label: string; where: string; color: string }>();
  const describe = (fnIndex: number): { label: string; where: string; color: string } => {
    let d = labels.get(fnIndex);
    if (!d) {
      const fn = tree.functions[fnIndex]!;
      const where = location(fn);
      d = { label: displayName(fn.name), where: where ? ` (${where})` : '', color: frameColor(fn) };
      labels.set(fnIndex, d);
    }
    return d;
  };
  const build = (node: CallTreeNode): FlameFrame => {
    kept++;
    const { label, where, color } = describe(node.fn);
    const children: FlameFrame[] = [];
    for (const child of node.children) {
      if (child.total >= min && child.total > 0) children.push(build(child));
      else pruned++;
    }
    return {
      label,
      tooltip: `${label}${where}\ntotal ${formatWeight(node.total, tree.unit)} (${pct(node.total, grand)}), self ${formatWeight(node.self, tree.unit)} (${pct(node.self, grand)})`,
      value: node.total,
      color,
      children,
    };
  };
  const root = build(tree.root);
  return {
    title: options.title ?? (tree.unit === 'bytes' ? 'Allocation flame graph' : 'CPU flame graph'),
    subtitle: `${tree.unit === 'bytes' ? 'sampled allocations' : tree.unit === 'samples' ? 'samples' : 'sampled time'}: ${formatWeight(grand, tree.unit)}; icicle: callers above callees, width = total`,
    root,
    unit: tree.unit,
    frameCount: kept,
    prunedCount: pruned,
  };
}

/**
 * Builds the differential flame graph: frames laid out by the second profile ("after"), coloured
 * by the change of their self share (red: heavier, blue: lighter), as in Brendan Gregg's
 * differential flame graphs. Functions that vanished from the second profile are not drawn; the
 * comparison table lists them.
 */
export function flameFromDiff(diff: DiffTree, options: FlameOptions = {}): FlameGraph {
  const share = (v: number, total: number): number => (total > 0 ? v / total : 0);
  const change = (n: DiffTreeNode): number => share(n.after.self, diff.afterTotal) - share(n.before.self, diff.beforeTotal);
  let maxChange = 0;
  const stack: DiffTreeNode[] = [diff.root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    maxChange = Math.max(maxChange, Math.abs(change(n)));
    stack.push(...n.children);
  }
  const min = diff.afterTotal * (options.minFraction ?? 1 / 12000);
  let kept = 0;
  let pruned = 0;
  const u = diff.unit;
  const build = (node: DiffTreeNode): FlameFrame => {
    kept++;
    const fn = diff.functions[node.fn]!;
    const where = location(fn);
    const children: FlameFrame[] = [];
    for (const child of node.children) {
      if (child.after.total >= min && child.after.total > 0) children.push(build(child));
      else pruned++;
    }
    const delta = change(node);
    return {
      label: displayName(fn.name),
      tooltip:
        `${displayName(fn.name)}${where ? ` (${where})` : ''}\n` +
        `self ${pct(node.before.self, diff.beforeTotal)} -> ${pct(node.after.self, diff.afterTotal)} (${delta >= 0 ? '+' : ''}${(100 * delta).toFixed(2)} pts)\n` +
        `total ${pct(node.before.total, diff.beforeTotal)} -> ${pct(node.after.total, diff.afterTotal)}; ` +
        `after: total ${formatWeight(node.after.total, u)}, self ${formatWeight(node.after.self, u)}`,
      value: node.after.total,
      color: diffColor(delta, maxChange),
      children,
    };
  };
  const root = build(diff.root);
  return {
    title: options.title ?? 'Differential flame graph',
    subtitle: `before ${formatWeight(diff.beforeTotal, u)}, after ${formatWeight(diff.afterTotal, u)}; width = after, red = self share grew, blue = shrank`,
    root,
    unit: u,
    frameCount: kept,
    prunedCount: pruned,
  };
}
