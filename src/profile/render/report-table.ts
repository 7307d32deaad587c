import type { CpuReport } from '../analysis/cpu-analysis.js';
import type { EventLoopSummary } from '../analysis/event-loop-report.js';
import type { AllocationSite, HeapReport } from '../analysis/heap-profile.js';
import type { HotPath, PathFrame } from '../analysis/hot-paths.js';
import type { FunctionChange } from '../analysis/profile-diff.js';
import { formatWeight } from './flame-model.js';

/** Lays out rows as a plain-text table: numeric columns right-aligned, the last column left free. */
export function textTable(headers: readonly string[], rows: readonly (readonly string[])[], rightAligned: readonly boolean[]): string {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, c) => (c === cells.length - 1 ? cell : rightAligned[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

function where(f: { url: string; line: number }): string {
  if (!f.url) return '';
  return f.line > 0 ? `${f.url}:${f.line}` : f.url;
}

function frameText(f: PathFrame): string {
  return f.function;
}

function pathLines(paths: readonly HotPath[], weight: (p: HotPath) => string): string[] {
  return paths.map((p) => {
    const stack = p.stack.length > 6 ? [...p.stack.slice(0, 2).map(frameText), '...', ...p.stack.slice(-3).map(frameText)] : p.stack.map(frameText);
    return `  ${p.self_pct.toFixed(2).padStart(6)}%  ${weight(p).padStart(10)}  ${stack.join(' > ')}`;
  });
}

/** The readable form of a CPU report: a header, the hotspot table and the hot paths. */
export function formatCpuReport(report: CpuReport, file: string): string {
  const t = report.totals;
  const header =
    `CPU profile ${file}: ${report.duration_ms.toFixed(1)} ms, ${report.sample_count} samples, ${report.node_count} nodes, ${report.function_count} functions\n` +
    `idle ${t.idle_ms.toFixed(1)} ms, (program) ${t.program_ms.toFixed(1)} ms, GC ${t.gc_ms.toFixed(1)} ms`;
  const rows = report.hotspots.map((h) => [
    h.self_ms.toFixed(1),
    h.self_pct.toFixed(2),
    h.total_ms.toFixed(1),
    h.total_pct.toFixed(2),
    h.function,
    where(h),
  ]);
  const table = textTable(['self ms', 'self %', 'total ms', 'total %', 'function', 'location'], rows, [true, true, true, true, false, false]);
  const paths = pathLines(report.hot_paths, (p) => `${p.self.toFixed(1)} ms`);
  return [header, '', table, '', 'Hot paths (heaviest stacks, outermost caller first):', ...paths, ''].join('\n');
}

function siteRows(sites: readonly AllocationSite[]): string[][] {
  return sites.map((s) => [
    formatWeight(s.self_bytes, 'bytes'),
    s.self_pct.toFixed(2),
    formatWeight(s.total_bytes, 'bytes'),
    s.total_pct.toFixed(2),
    s.function,
    where(s),
  ]);
}

/** The readable form of a heap report: allocation sites by self bytes, then hot paths. */
export function formatHeapReport(report: HeapReport, file: string): string {
  const header = `Heap profile ${file}: ${formatWeight(report.total_bytes, 'bytes')} allocated (estimated), ${report.sample_count} samples, ${report.node_count} nodes`;
  const table = textTable(['self', 'self %', 'total', 'total %', 'function', 'location'], siteRows(report.allocation_sites), [true, true, true, true, false, false]);
  const paths = pathLines(report.hot_paths, (p) => formatWeight(p.self, 'bytes'));
  return [header, '', 'Top allocation sites:', table, '', 'Hot paths (heaviest allocating stacks):', ...paths, ''].join('\n');
}

/** The readable form of a comparison: per function, self share before and after and the change. */
export function formatChanges(changes: readonly FunctionChange[], before: string, after: string): string {
  const rows = changes.map((c) => [
    c.before_self_pct.toFixed(2),
    c.after_self_pct.toFixed(2),
    `${c.delta_pct > 0 ? '+' : ''}${c.delta_pct.toFixed(2)}`,
    c.function,
    where(c),
  ]);
  const table = textTable(['before %', 'after %', 'delta pts', 'function', 'location'], rows, [true, true, true, false, false]);
  return [`Self-time share per function, ${before} -> ${after} (largest change first):`, '', table, ''].join('\n');
}

/** The readable form of an event-loop summary. */
export function formatEventLoopSummary(s: EventLoopSummary, file: string): string {
  const lines = [
    `Event-loop report ${file}: ${s.duration_ms.toFixed(0)} ms`,
    `delay p50 ${s.p50_ms.toFixed(2)} ms, p99 ${s.p99_ms.toFixed(2)} ms, max ${s.max_ms.toFixed(2)} ms, mean ${s.mean_ms.toFixed(2)} ms`,
    `${s.over_threshold_pct.toFixed(2)}% of delay samples above ${s.threshold_ms} ms; blocked ${s.blocked_ms.toFixed(1)} ms (${s.blocked_pct.toFixed(2)}%)`,
    '',
    'Longest blocks:',
    ...s.longest.map((b) => `  ${b.duration_ms.toFixed(1).padStart(8)} ms at ${b.at_ms.toFixed(0)} ms  ${b.stack.map(frameText).join(' > ')}`),
    '',
  ];
  return lines.join('\n');
}
