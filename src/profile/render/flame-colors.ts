import type { FunctionKey } from '../analysis/profile-tree.js';

/** The colour families of a flame graph frame, by where its code lives. */
export const FRAME_KINDS = ['meta', 'native', 'node', 'dependency', 'app'] as const;
/** Where a frame's code lives. */
export type FrameKind = (typeof FRAME_KINDS)[number];

/**
 * Classifies a function: `meta` for V8's `(root)`, `(program)`, `(idle)`, `(garbage collector)`;
 * `native` for frames without a url; `node` for Node.js internals (`node:` urls); `dependency` for
 * code under `node_modules`; `app` for everything else.
 */
export function frameKind(fn: FunctionKey): FrameKind {
  if (fn.url === '' && /^\(.*\)$/.test(fn.name)) return 'meta';
  if (fn.url === '') return 'native';
  if (fn.url.startsWith('node:')) return 'node';
  if (fn.url.includes('/node_modules/')) return 'dependency';
  return 'app';
}

function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0) / 4294967296;
}

/**
 * A frame's fill: warm reds/oranges for app code, yellows for dependencies, blues for Node.js
 * internals, purple for native frames, grey for V8 meta frames. The shade varies with the
 * function name (stable across renders) so neighbours stay distinguishable.
 */
export function frameColor(fn: FunctionKey): string {
  const h = hash(fn.name);
  switch (frameKind(fn)) {
    case 'meta':
      return 'hsl(0, 0%, 78%)';
    case 'native':
      return `hsl(${Math.round(270 + 20 * h)}, 45%, ${Math.round(70 + 8 * h)}%)`;
    case 'node':
      return `hsl(${Math.round(200 + 25 * h)}, 60%, ${Math.round(62 + 10 * h)}%)`;
    case 'dependency':
      return `hsl(${Math.round(42 + 14 * h)}, 85%, ${Math.round(55 + 8 * h)}%)`;
    case 'app':
      return `hsl(${Math.round(8 + 24 * h)}, 85%, ${Math.round(58 + 8 * h)}%)`;
  }
}

/**
 * A differential frame's fill: red when its share grew, blue when it shrank, white when unchanged;
 * `change` is the change in share and `maxChange` the largest absolute change in the graph, so the
 * most changed frame is fully saturated.
 */
export function diffColor(change: number, maxChange: number): string {
  const k = maxChange > 0 ? Math.min(1, Math.abs(change) / maxChange) : 0;
  const fade = Math.round(245 - 190 * k);
  return change > 0 ? `rgb(245, ${fade}, ${fade})` : change < 0 ? `rgb(${fade}, ${fade}, 245)` : 'rgb(245, 245, 245)';
}

/** The colour search matches are painted with in both renderers. */
export const MATCH_COLOR = 'rgb(230, 0, 230)';
