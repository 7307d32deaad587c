import { MATCH_COLOR } from './flame-colors.js';
import { FLAME_CLIENT_SCRIPT } from './flame-html-client.js';
import type { FlameFrame, FlameGraph } from './flame-model.js';
import { escapeXml } from './flame-svg.js';

/** The frames of a flame graph flattened in preorder, as the page's script reads them. */
export interface FlamePageData {
  readonly labels: readonly string[];
  /** Index into `labels`, per frame. */
  readonly label: readonly number[];
  readonly tips: readonly string[];
  readonly depth: readonly number[];
  readonly value: readonly number[];
  readonly colors: readonly string[];
  /** Index into `colors`, per frame. */
  readonly color: readonly number[];
}

/** Flattens a flame graph's frames in preorder, sharing repeated labels and colours. */
export function flamePageData(graph: FlameGraph): FlamePageData {
  const labels: string[] = [];
  const labelIndex = new Map<string, number>();
  const colors: string[] = [];
  const colorIndex = new Map<string, number>();
  const intern = (table: string[], index: Map<string, number>, text: string): number => {
    let i = index.get(text);
    if (i === undefined) {
      i = table.length;
      table.push(text);
      index.set(text, i);
    }
    return i;
  };
  const out = { labels, label: [] as number[], tips: [] as string[], depth: [] as number[], value: [] as number[], colors, color: [] as number[] };
  const stack: { frame: FlameFrame; depth: number }[] = [{ frame: graph.root, depth: 0 }];
  while (stack.length > 0) {
    const { frame, depth } = stack.pop()!;
    out.label.push(intern(labels, labelIndex, frame.label));
    out.tips.push(frame.tooltip);
    out.depth.push(depth);
    out.value.push(frame.value);
    out.color.push(intern(colors, colorIndex, frame.color));
    for (let c = frame.children.length - 1; c >= 0; c--) stack.push({ frame: frame.children[c]!, depth: depth + 1 });
  }
  return out;
}

/** JSON safe inside a `<script>` element: `<` is escaped so no `</script>` can close it early. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * Renders a flame graph as one self-contained HTML page (inline style and script, no external
 * asset): icicle layout, click to zoom, search to highlight, Reset or Escape to go back.
 */
export function renderFlameHtml(graph: FlameGraph): string {
  const data = flamePageData(graph);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(graph.title)}</title>
<style>
  body { margin: 0; padding: 12px 16px; font: 13px system-ui, sans-serif; color: #1a1a1a; background: #fdfdfd; }
  h1 { font-size: 17px; margin: 0 0 2px; }
  .sub { color: #555; margin-bottom: 10px; }
  .bar { display: flex; gap: 8px; align-items: center; margin-bottom: 8px; }
  #search { width: 280px; padding: 3px 6px; }
  #status { color: #333; }
  #chart { position: relative; width: 100%; overflow: hidden; }
  .f { position: absolute; height: 17px; line-height: 17px; padding: 0 3px; box-sizing: border-box; overflow: hidden;
       white-space: nowrap; text-overflow: ellipsis; font: 12px ui-monospace, Menlo, Consolas, monospace; cursor: pointer;
       border-radius: 2px; }
  .f:hover { outline: 1px solid #000; }
  .f.a { opacity: 0.55; }
  .f.m { background: ${MATCH_COLOR} !important; color: #fff; }
</style>
</head>
<body>
<h1>${escapeXml(graph.title)}</h1>
<div class="sub">${escapeXml(graph.subtitle)}${graph.prunedCount > 0 ? escapeXml(`; ${graph.prunedCount} frames too narrow to matter left out`) : ''}. Click a frame to zoom.</div>
<div class="bar">
  <input id="search" type="search" placeholder="Search (regular expression)" aria-label="Search frames">
  <button id="reset" type="button">Reset</button>
  <span id="status"></span>
</div>
<div id="chart"></div>
<script type="application/json" id="flame-data">${scriptJson(data)}</script>
<script>${FLAME_CLIENT_SCRIPT}</script>
</body>
</html>
`;
}
