/** Deepest nesting a configuration file may have; the engine's own keys need five levels at most. */
export const MAX_CONFIG_NESTING = 64;

/** How a line opens YAML block nodes before its content: `- `, `? ` and `: ` indicators in a row. */
const LEADING_INDICATORS = /^(?:[-?:][ \t]+)*/;

/**
 * An upper bound of the nesting depth of a JSON or YAML text, found without parsing it: the YAML
 * parser recurses once per level, and overflowing its stack deep inside it has aborted Node.js
 * outright (V8 compiling a regular expression with no stack left: `RegExpCompiler Allocation
 * failed`, which no `catch` sees). Counted: brackets `[` `{` open at once anywhere in the text
 * (quoted or not, so a bracket in a string can only raise the bound), plus, per line, the block
 * levels of its indentation and the `- `, `? `, `: ` indicators that start it.
 */
export function nestingBound(text: string): number {
  let flow = 0;
  let maxFlow = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) maxFlow = Math.max(maxFlow, ++flow);
    else if ((c === 0x5d || c === 0x7d) && flow > 0) flow--;
  }
  const indents: number[] = [];
  let maxBlock = 0;
  for (const line of text.split(/\r?\n/)) {
    const content = line.trimStart();
    if (content === '' || content.startsWith('#')) continue;
    const indent = line.length - content.length;
    while (indents.length > 0 && indents.at(-1)! >= indent) indents.pop();
    indents.push(indent);
    const indicators = (LEADING_INDICATORS.exec(content)?.[0] ?? '').replace(/[ \t]/g, '').length;
    maxBlock = Math.max(maxBlock, indents.length + indicators);
  }
  return maxFlow + maxBlock;
}
