import type { CallTree } from '../analysis/call-tree.js';
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
 * `outer;inner;leaf weight\n`, outermost caller first, the root pseudo-frame left out. Weights are
 * rounded to integers (give a tree of sample counts for the classic form). Lines come one at a
 * time: a large profile's folded text can exceed the longest string V8 can hold.
 */
export function* collapsedLines(tree: CallTree): Generator<string> {
  const names = tree.functions.map(collapsedFrame);
  const lines: string[] = [];
  const flush = function* (): Generator<string> {
    yield* lines;
    lines.length = 0;
  };
  const path: string[] = [];
  const stack: { node: CallTree['root']; depth: number }[] = [{ node: tree.root, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    path.length = Math.max(0, depth - 1);
    if (depth > 0) path.push(names[node.fn]!);
    const weight = Math.round(node.self);
    if (weight > 0 && depth > 0) lines.push(`${path.join(';')} ${weight}\n`);
    if (lines.length >= 1024) yield* flush();
    for (let c = node.children.length - 1; c >= 0; c--) stack.push({ node: node.children[c]!, depth: depth + 1 });
  }
  yield* flush();
}

/** The whole folded text of a call tree (see `collapsedLines`), for profiles small enough to hold in one string. */
export function collapsedStacks(tree: CallTree): string {
  return [...collapsedLines(tree)].join('');
}
