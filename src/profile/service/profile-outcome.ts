import { analyzeProfileBytes } from '../analysis/analyze-profile.js';
import { summarizeEventLoop } from '../analysis/event-loop-report.js';
import type { Hotspot } from '../analysis/hotspots.js';
import type { CapturedProfile } from '../capture/capture-types.js';

/** What a finished profile is reported and stored with, besides its raw bytes. */
export interface ProfileOutcome {
  readonly durationMs: number;
  readonly sampleCount: number;
  /** PROTOCOL.md hotspots, heaviest self time first (CPU profiles; empty for the other kinds). */
  readonly hotspots: readonly Hotspot[];
  /** Kind-specific digest: CPU totals and hot paths, heap allocation sites and statistics, event-loop percentiles and blocks. */
  readonly summary: Readonly<Record<string, unknown>>;
}

/** Hotspots a report carries. */
export const REPORT_HOTSPOTS = 20;
/** Hot paths, allocation sites and blocks a summary keeps. */
const SUMMARY_TOP = 10;

/**
 * Analyses a captured profile for its report: hotspots for CPU (the existing analysis, heaviest
 * self first), allocation sites for heap, the delay summary for the event loop. The capture's
 * own measurements (`extra`) go into the summary. Throws ProfileFormatError on bytes that are no profile.
 */
export function profileOutcome(captured: CapturedProfile): ProfileOutcome {
  const analyzed = analyzeProfileBytes(captured.raw, { top: REPORT_HOTSPOTS, hotPaths: SUMMARY_TOP });
  const extra = captured.extra;
  switch (analyzed.kind) {
    case 'cpu': {
      const r = analyzed.analysis.report;
      return {
        durationMs: r.duration_ms,
        sampleCount: r.sample_count,
        hotspots: r.hotspots,
        summary: { ...extra, totals: r.totals, node_count: r.node_count, function_count: r.function_count, hot_paths: r.hot_paths },
      };
    }
    case 'heap': {
      const r = analyzed.analysis.report;
      return {
        durationMs: captured.durationMs,
        sampleCount: r.sample_count,
        hotspots: [],
        summary: {
          ...extra,
          total_bytes: r.total_bytes,
          allocation_sites: r.allocation_sites.slice(0, SUMMARY_TOP),
          by_total: r.by_total.slice(0, SUMMARY_TOP),
          hot_paths: r.hot_paths.slice(0, SUMMARY_TOP),
        },
      };
    }
    case 'event_loop':
      return {
        durationMs: analyzed.report.duration_ms,
        sampleCount: analyzed.report.delay.count,
        hotspots: [],
        summary: { ...extra, delay: analyzed.report.delay, ...summarizeEventLoop(analyzed.report, { top: SUMMARY_TOP }) },
      };
  }
}
