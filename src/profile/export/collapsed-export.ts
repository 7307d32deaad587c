import { walkCallTree, type CallTree } from '../analysis/call-tree.js';
import { displayName, type FunctionKey } from '../analysis/profile-tree.js';

/**
 * A frame as written in collapsed stacks: `name (url:line)`, or the bare name when there is no url.
 * `;` separates frames and a line ends in ` count`, so semicolons and line breaks in names are
 * replaced.
 */
export function collapsedFrame(fn: FunctionKey): string {
  const where = fn.url ? ` (${fn.url}${fn.line > 0 ? `:${fn.line}` : ''})` : '';
  return `${displayName(fn.name)}${where}`.replace(/;/g, ':').replace(/[\r\n]+/g, ' ');
}

/**
 * Brendan Gregg's collapsed ("folded") stacks: one line per call path with self weight,
 * `outer;inner;leaf weight`, outermost caller first, the root pseudo-frame left out. Weights are
 * rounded to integers (give a tree of sample counts for the classic form).
 */
export function collapsedStacks(tree: CallTree): string {
  const names = tree.functions.map(collapsedFrame);
  const lines: string[] = [];
  walkCallTree(tree.root, (node, path) => {
    const weight = Math.round(node.self);
    if (weight <= 0 || path.length < 2) return;
    let line = names[path[1]!.fn]!;
    for (let i = 2; i < path.length; i++) line += `;${names[path[i]!.fn]!}`;
    lines.push(`${line} ${weight}`);
  });
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
