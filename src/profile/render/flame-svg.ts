import type { FlameFrame, FlameGraph } from './flame-model.js';

/** Options of `renderFlameSvg`. */
export interface SvgOptions {
  /** Image width in pixels (default 1200). */
  readonly width?: number;
  /** Height of one frame row in pixels (default 18). */
  readonly rowHeight?: number;
}

/** Escapes text for XML content and attribute values. */
export function escapeXml(text: string): string {
  // Copies clean runs with slice: building the result a character at a time makes one string per
  // character, which for tens of thousands of tooltips is hundreds of MB of garbage.
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const special = code === 0x3c || code === 0x3e || code === 0x26 || code === 0x22 || code === 0x27;
    // XML 1.0 forbids most control characters even as references: they are dropped.
    const control = code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d;
    if (!special && !control) continue;
    out += text.slice(from, i) + (special ? `&#${code};` : '');
    from = i + 1;
  }
  return from === 0 ? text : out + text.slice(from);
}

const FONT_SIZE = 12;
/** Average advance of a 12 px monospace glyph: used to truncate labels to their frame. */
const CHAR_WIDTH = 7.2;
const MARGIN = 10;
const HEADER = 46;

function fitLabel(label: string, width: number): string {
  const chars = Math.floor((width - 6) / CHAR_WIDTH);
  if (chars < 3) return '';
  return label.length <= chars ? label : `${label.slice(0, chars - 2)}..`;
}

/**
 * Renders a flame graph as a standalone SVG document in icicle orientation (the root on top,
 * callees below). Each frame is a `<g>` with a `<title>` (the tooltip browsers show on hover), a
 * `<rect>` and, when it fits, a truncated label.
 */
export function renderFlameSvg(graph: FlameGraph, options: SvgOptions = {}): string {
  const width = options.width ?? 1200;
  const row = options.rowHeight ?? 18;
  const inner = width - 2 * MARGIN;
  const scale = graph.root.value > 0 ? inner / graph.root.value : 0;
  const parts: string[] = [];
  let maxDepth = 0;
  const stack: { frame: FlameFrame; x: number; depth: number }[] = [{ frame: graph.root, x: MARGIN, depth: 0 }];
  while (stack.length > 0) {
    const { frame, x, depth } = stack.pop()!;
    maxDepth = Math.max(maxDepth, depth);
    const w = frame.value * scale;
    const y = HEADER + depth * row;
    const label = fitLabel(frame.label, w);
    parts.push(
      `<g><title>${escapeXml(frame.tooltip)}</title>` +
        `<rect x="${x.toFixed(2)}" y="${y}" width="${Math.max(0.1, w).toFixed(2)}" height="${row - 1}" fill="${frame.color}" rx="2"/>` +
        (label ? `<text x="${(x + 3).toFixed(2)}" y="${y + row - 5}">${escapeXml(label)}</text>` : '') +
        '</g>',
    );
    let childX = x;
    const next: { frame: FlameFrame; x: number; depth: number }[] = [];
    for (const child of frame.children) {
      next.push({ frame: child, x: childX, depth: depth + 1 });
      childX += child.value * scale;
    }
    for (let i = next.length - 1; i >= 0; i--) stack.push(next[i]!);
  }
  const height = HEADER + (maxDepth + 1) * row + MARGIN;
  return [
    '<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<style>text { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: ${FONT_SIZE}px; fill: #1a1a1a; pointer-events: none; } ` +
      'g:hover rect { stroke: #000; stroke-width: 0.8; } .title { font-size: 16px; font-weight: bold; } .sub { fill: #555; }</style>',
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#fdfdfd"/>`,
    `<text class="title" x="${MARGIN}" y="20">${escapeXml(graph.title)}</text>`,
    `<text class="sub" x="${MARGIN}" y="38">${escapeXml(graph.subtitle)}${graph.prunedCount > 0 ? escapeXml(`; ${graph.prunedCount} frames too narrow to draw left out`) : ''}</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
