import { analyzeCpuProfile, type CpuAnalysis } from './cpu-analysis.js';
import type { CpuProfileIndex } from './cpu-profile.js';
import { readCpuProfile } from './cpu-profile-reader.js';
import { looksLikeEventLoopReport, parseEventLoopReport, type EventLoopReport } from './event-loop-report.js';
import { analyzeHeapProfile, indexHeapProfile, looksLikeHeapProfile, type HeapAnalysis, type HeapProfileIndex } from './heap-profile.js';
import { ProfileFormatError } from './profile-format-error.js';


/** A profile file read and analysed, by kind. */
export type AnalyzedProfile =
  | { readonly kind: 'cpu'; readonly profile: CpuProfileIndex; readonly analysis: CpuAnalysis }
  | { readonly kind: 'heap'; readonly profile: HeapProfileIndex; readonly analysis: HeapAnalysis }
  | { readonly kind: 'event_loop'; readonly report: EventLoopReport };

/** Options of `analyzeProfileBytes`. */
export interface AnalyzeOptions {
  readonly top?: number;
  readonly hotPaths?: number;
}

function isNotCpu(err: unknown): boolean {
  return err instanceof ProfileFormatError && err.message.startsWith('not a CPU profile');
}

/**
 * Reads a profile file's bytes, recognises its kind (`.cpuprofile`, sampling `.heapprofile`, or an
 * event-loop report) and analyses it. CPU profiles go through the byte reader (no `JSON.parse`, so
 * large files stay cheap); the other kinds are small and parsed as JSON. Throws ProfileFormatError when it is none of them.
 */
export function analyzeProfileBytes(bytes: Uint8Array, options: AnalyzeOptions = {}): AnalyzedProfile {
  try {
    const profile = readCpuProfile(bytes);
    return { kind: 'cpu', profile, analysis: analyzeCpuProfile(profile, options) };
  } catch (err) {
    if (!isNotCpu(err)) throw err;
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw new ProfileFormatError(`not JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (looksLikeHeapProfile(value)) {
    const profile = indexHeapProfile(value);
    return { kind: 'heap', profile, analysis: analyzeHeapProfile(profile, options) };
  }
  if (looksLikeEventLoopReport(value)) return { kind: 'event_loop', report: parseEventLoopReport(value) };
  throw new ProfileFormatError('not a profile: expected a .cpuprofile (nodes), a heap profile (head) or an event-loop report');
}
