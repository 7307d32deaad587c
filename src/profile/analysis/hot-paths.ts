import { walkCallTree, type CallTree } from './call-tree.js';
import { round } from './hotspots.js';
import { displayName } from './profile-tree.js';

/** A frame of a hot path, named like a hotspot. */
export interface PathFrame {
  readonly function: string;
  readonly url: string;
  readonly line: number;
}

/** One of the heaviest stacks: the path from the outermost caller to the frame on top, with its self weight. */
export interface HotPath {
  /** Outermost caller first; the root pseudo-frame is left out. */
  readonly stack: readonly PathFrame[];
  /** Self weight of the top frame at this exact path, in milliseconds (CPU) or bytes (heap). */
  readonly self: number;
  /** Share of the whole profile, percent. */
  readonly self_pct: number;
}

/**
 * The `top` heaviest stacks of a call tree (distinct function paths ranked by the self weight of
 * their top frame). CPU weights are given in milliseconds, heap weights in bytes.
 */
export function hotPaths(tree: CallTree, top: number): HotPath[] {
  const grand = tree.root.total;
  const limit = Math.max(0, top);
  if (limit === 0) return [];
  // Two passes so that only the kept stacks are ever copied: find the cut-off, then collect.
  const selves: number[] = [];
  walkCallTree(tree.root, (node, path) => {
    if (node.self > 0 && path.length >= 2) selves.push(node.self);
  });
  const cutoff = Float64Array.from(selves).sort().reverse()[limit - 1] ?? 0;
  const found: { self: number; path: number[] }[] = [];
  walkCallTree(tree.root, (node, path) => {
    if (node.self > 0 && node.self >= cutoff && path.length >= 2) found.push({ self: node.self, path: path.slice(1).map((p) => p.fn) });
  });
  found.sort((a, b) => b.self - a.self);
  const scale = tree.unit === 'microseconds' ? 1 / 1000 : 1;
  return found.slice(0, limit).map(({ self, path }) => ({
    stack: path.map((fn) => {
      const key = tree.functions[fn]!;
      return { function: displayName(key.name), url: key.url, line: key.line };
    }),
    self: round(self * scale, 3),
    self_pct: grand > 0 ? round((100 * self) / grand, 2) : 0,
  }));
}
