import type { AnalyzedProfile } from '../analysis/analyze-profile.js';
import { buildCallTree } from '../analysis/call-tree.js';
import { nodeSampleCounts } from '../analysis/sample-timeline.js';
import { renderFlameHtml } from '../render/flame-html.js';
import { flameFromCallTree } from '../render/flame-model.js';
import { renderFlameSvg } from '../render/flame-svg.js';
import { collapsedLines } from './collapsed-export.js';
import { cpuProfileChunks } from './cpuprofile-export.js';
import { cpuToPprof, heapToPprof } from './pprof-export.js';
import { callTreeToSpeedscope, cpuToSpeedscope } from './speedscope-export.js';

/** The formats `profile analyze --format` writes. */
export const EXPORT_FORMATS = ['svg', 'html', 'pprof', 'speedscope', 'collapsed', 'cpuprofile'] as const;
/** An export format. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Whether a string names an export format. */
export function isExportFormat(value: string): value is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(value);
}

/** Guesses the format from a file name (`.svg`, `.html`, `.pb.gz`/`.pprof`, `.speedscope.json`, `.collapsed`/`.folded`, `.cpuprofile`). */
export function formatFromPath(path: string): ExportFormat | undefined {
  const p = path.toLowerCase();
  if (p.endsWith('.svg')) return 'svg';
  if (p.endsWith('.html') || p.endsWith('.htm')) return 'html';
  if (p.endsWith('.pb.gz') || p.endsWith('.pprof')) return 'pprof';
  if (p.endsWith('.speedscope.json')) return 'speedscope';
  if (p.endsWith('.collapsed') || p.endsWith('.folded')) return 'collapsed';
  if (p.endsWith('.cpuprofile')) return 'cpuprofile';
  return undefined;
}

/** Whether a profile of this kind can be written in this format. */
export function canExport(kind: AnalyzedProfile['kind'], format: ExportFormat): boolean {
  if (kind === 'event_loop') return false;
  return format !== 'cpuprofile' || kind === 'cpu';
}

/** An export's content: text, bytes, or text in pieces (formats whose text can outgrow one string). */
export type ExportOutput = string | Uint8Array | Iterable<string>;

/**
 * Writes an analysed profile in the given format; `name` titles the output. Flame graphs and
 * speedscope take CPU and heap profiles; collapsed stacks count samples for CPU and bytes for heap;
 * `.cpuprofile` is for CPU profiles only; those two come in pieces. Throws when the format does not
 * fit the kind.
 */
export function exportProfile(loaded: AnalyzedProfile, format: ExportFormat, name: string): ExportOutput {
  if (loaded.kind === 'event_loop') throw new Error('an event-loop report has no call tree to export');
  const tree = loaded.analysis.callTree;
  switch (format) {
    case 'svg':
      return renderFlameSvg(flameFromCallTree(tree, { title: name }));
    case 'html':
      return renderFlameHtml(flameFromCallTree(tree, { title: name, minFraction: 1 / 5000 }));
    case 'pprof':
      return loaded.kind === 'cpu' ? cpuToPprof(loaded.profile, loaded.analysis.timeline) : heapToPprof(loaded.profile);
    case 'speedscope':
      return JSON.stringify(
        loaded.kind === 'cpu' ? cpuToSpeedscope(loaded.profile, loaded.analysis.timeline, name) : callTreeToSpeedscope(tree, name),
      );
    case 'collapsed':
      if (loaded.kind === 'heap') return collapsedLines(tree);
      return collapsedLines(buildCallTree(loaded.profile, nodeSampleCounts(loaded.profile, loaded.analysis.timeline), 'samples'));
    case 'cpuprofile':
      if (loaded.kind !== 'cpu') throw new Error('only a CPU profile can be written as .cpuprofile');
      return cpuProfileChunks(loaded.profile);
  }
}
