import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { Command } from 'commander';
import { analyzeProfileBytes, type AnalyzedProfile } from '../profile/analysis/analyze-profile.js';
import { summarizeEventLoop } from '../profile/analysis/event-loop-report.js';
import { compareProfiles, diffCallTrees } from '../profile/analysis/profile-diff.js';
import { ProfileFormatError } from '../profile/analysis/profile-format-error.js';
import {
  canExport,
  EXPORT_FORMATS,
  exportProfile,
  formatFromPath,
  isExportFormat,
  type ExportFormat,
  type ExportOutput,
} from '../profile/export/export-profile.js';
import { renderFlameHtml } from '../profile/render/flame-html.js';
import { flameFromDiff } from '../profile/render/flame-model.js';
import { renderFlameSvg } from '../profile/render/flame-svg.js';
import { formatChanges, formatCpuReport, formatEventLoopSummary, formatHeapReport } from '../profile/render/report-table.js';
import { CliError, usageError } from './cli-error.js';
import type { CommandFactory } from './command-factory.js';

interface AnalyzeOptions {
  json?: boolean;
  top: string;
  format?: string;
  out?: string;
}

interface DiffOptions {
  json?: boolean;
  top: string;
  out?: string;
}

function errorCode(err: unknown): string {
  return err instanceof Error && 'code' in err ? String(err.code) : String(err);
}

function parseTop(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw usageError(`--top must be a positive integer, got "${value}"`);
  return n;
}

/** Reads and analyses one profile file; a missing, unreadable or malformed file is a one-line CliError. */
function load(file: string, top: number): AnalyzedProfile {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new CliError(`${file}: cannot read (${errorCode(err)})`);
  }
  try {
    return analyzeProfileBytes(bytes, { top, hotPaths: Math.min(top, 10) });
  } catch (err) {
    if (err instanceof ProfileFormatError) throw new CliError(`${file}: ${err.message}`);
    throw err;
  }
}

/** Writes an export (pieces one after another, so no single string has to hold it); returns its size in bytes. */
function write(file: string, content: ExportOutput): number {
  try {
    if (typeof content === 'string' || content instanceof Uint8Array) {
      writeFileSync(file, content);
      return typeof content === 'string' ? Buffer.byteLength(content) : content.length;
    }
    const fd = openSync(file, 'w');
    let bytes = 0;
    try {
      for (const piece of content) bytes += writeSync(fd, piece);
    } finally {
      closeSync(fd);
    }
    return bytes;
  } catch (err) {
    throw new CliError(`${file}: cannot write (${errorCode(err)})`);
  }
}

function outputFormat(options: AnalyzeOptions): ExportFormat | undefined {
  if (options.format === undefined && options.out === undefined) return undefined;
  if (options.out === undefined) throw usageError('--format needs --out FILE');
  const format = options.format ?? formatFromPath(options.out);
  if (format === undefined) throw usageError(`cannot tell the format of ${options.out}: give --format ${EXPORT_FORMATS.join('|')}`);
  if (!isExportFormat(format)) throw usageError(`unknown --format "${format}": expected ${EXPORT_FORMATS.join('|')}`);
  return format;
}

function analyze(file: string, options: AnalyzeOptions): void {
  const top = parseTop(options.top);
  const format = outputFormat(options);
  printProfile(load(file, top), file, { top, ...(format !== undefined ? { format } : {}), ...(options.out !== undefined ? { out: options.out } : {}), json: options.json === true });
}

/** How `printProfile` shows a profile. */
export interface PrintOptions {
  readonly top: number;
  readonly json: boolean;
  /** With `out`: write this export there first. */
  readonly format?: ExportFormat;
  readonly out?: string;
}

/**
 * Shows an analysed profile as `profile analyze` does (the table, or `--json`), after writing its
 * export to `out` when a format is given. `label` names it (a file path, or the profiled target).
 */
export function printProfile(loaded: AnalyzedProfile, label: string, options: PrintOptions): void {
  const { top, format } = options;
  if (format !== undefined && !canExport(loaded.kind, format)) throw usageError(`a ${loaded.kind} profile cannot be written as ${format}`);
  if (format !== undefined && options.out !== undefined) {
    const bytes = write(options.out, exportProfile(loaded, format, basename(label)));
    process.stderr.write(`wrote ${options.out} (${format}, ${bytes} bytes)\n`);
  }
  if (loaded.kind === 'event_loop') {
    const summary = summarizeEventLoop(loaded.report, { top });
    process.stdout.write(options.json ? `${JSON.stringify({ kind: 'event_loop', ...summary })}\n` : formatEventLoopSummary(summary, label));
    return;
  }
  const report = loaded.analysis.report;
  if (options.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else process.stdout.write(report.kind === 'cpu' ? formatCpuReport(report, label) : formatHeapReport(report, label));
}

function diff(fileA: string, fileB: string, options: DiffOptions): void {
  const top = parseTop(options.top);
  const out = options.out;
  const outFormat = out === undefined ? undefined : formatFromPath(out);
  if (out !== undefined && outFormat !== 'svg' && outFormat !== 'html') throw usageError(`--out must end in .svg or .html, got ${out}`);
  const a = load(fileA, top);
  const b = load(fileB, top);
  if (a.kind === 'event_loop' || b.kind === 'event_loop') throw usageError('diff compares CPU or heap profiles, not event-loop reports');
  if (a.kind !== b.kind) throw usageError(`cannot compare a ${a.kind} profile with a ${b.kind} profile`);
  const before = { functions: a.profile.functions, totals: a.analysis.totals, callTree: a.analysis.callTree };
  const after = { functions: b.profile.functions, totals: b.analysis.totals, callTree: b.analysis.callTree };
  const changes = compareProfiles(before, after).slice(0, top);
  if (out !== undefined) {
    const graph = flameFromDiff(diffCallTrees(before.callTree, after.callTree), { title: `${basename(fileA)} -> ${basename(fileB)}` });
    write(out, outFormat === 'svg' ? renderFlameSvg(graph) : renderFlameHtml(graph));
    process.stderr.write(`wrote ${out}\n`);
  }
  if (options.json) process.stdout.write(`${JSON.stringify({ kind: a.kind, before: fileA, after: fileB, changes })}\n`);
  else process.stdout.write(formatChanges(changes, fileA, fileB));
}

/**
 * Adds the offline subcommands `analyze` and `diff` to a `profile` command, so the capture form
 * (`profile --agent ID ...`) can be declared on the same command and keep these beside it.
 */
export function addProfileAnalysisCommands(profile: Command): Command {
  profile
    .command('analyze')
    .description('hotspots, hot paths and exports of a .cpuprofile, heap profile or event-loop report')
    .argument('<file>', 'profile file')
    .option('--json', 'print the report as JSON (hotspots as in performance.profile_report)')
    .option('--top <n>', 'how many hotspots to show', '20')
    .option('--format <format>', `export format: ${EXPORT_FORMATS.join('|')} (default: from --out's extension)`)
    .option('--out <file>', 'write the export or flame graph to this file')
    .exitOverride()
    .action((file: string, options: AnalyzeOptions) => analyze(file, options));
  profile
    .command('diff')
    .description('compare two profiles of the same target: per-function self share before and after')
    .argument('<before>', 'first profile')
    .argument('<after>', 'second profile')
    .option('--json', 'print the comparison as JSON')
    .option('--top <n>', 'how many functions to show', '20')
    .option('--out <file>', 'write a differential flame graph (.svg or .html)')
    .exitOverride()
    .action((before: string, after: string, options: DiffOptions) => diff(before, after, options));
  return profile;
}

/** The `profile` command group with its offline subcommands. */
const profileCommand: CommandFactory = () =>
  addProfileAnalysisCommands(new Command('profile').description('analyse, export and compare profiles'));

export default profileCommand;
