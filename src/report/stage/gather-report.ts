import { gunzipSync } from 'node:zlib';
import { analyzeProfileBytes } from '../../profile/analysis/analyze-profile.js';
import { flameFromCallTree } from '../../profile/render/flame-model.js';
import { renderFlameSvg } from '../../profile/render/flame-svg.js';
import { getRawProfile, listProfiles } from '../../profile/service/profile-repository.js';
import type { Queryable } from '../../store/db.js';
import { buildReport, type ReportProfile } from '../report-build.js';
import type { Report } from '../report-schema.js';
import { listAnomalies } from '../../detect/stage/anomaly-log.js';
import type { StoreLayout } from '../../store/range-plan.js';
import { periodAlerts, periodBottlenecks, periodOptimizations, periodSources, type PeriodFilter } from './report-queries.js';
import { chartStepMs, periodSeries } from './report-series.js';

/** Metrics charted for every source, beside those its alerts and bottlenecks name. */
export const DEFAULT_CHART_METRICS = Object.freeze(['cpu_usage', 'memory_usage']);

/** Anomaly events marked on a report's charts at most (the highest scores of the period). */
const MAX_ANOMALY_MARKS = 5000;

/** What a report covers. */
export interface ReportRequest {
  readonly since: number;
  readonly until: number;
  /** Only these sources; empty or absent: every source. */
  readonly sources?: readonly string[];
  /** Points per chart at most (default 120; the step is the next usual one, 15 minutes over a day). */
  readonly maxPoints?: number;
  /** The tiers kept and the retentions (storeLayout of the configuration): where the charts are read from. */
  readonly layout: StoreLayout;
  /** Profiles shown at most, newest first (default 10); each with its flame graph when it has a call tree. */
  readonly maxProfiles?: number;
  /** Report time (default now). */
  readonly now?: number;
}

/** Draws a stored profile's flame graph, or null when its raw form has no call tree to draw. */
async function flameOf(q: Queryable, profileId: string): Promise<string | null> {
  const raw = await getRawProfile(q, profileId);
  if (!raw) return null;
  try {
    const analyzed = analyzeProfileBytes(gunzipSync(raw.gzip), { top: 10 });
    if (analyzed.kind === 'event_loop') return null;
    return renderFlameSvg(flameFromCallTree(analyzed.analysis.callTree, { title: `profile ${profileId}`, minFraction: 1 / 400 }), { width: 1000, rowHeight: 16 });
  } catch {
    return null;
  }
}

async function periodProfiles(q: Queryable, f: PeriodFilter, max: number): Promise<ReportProfile[]> {
  const wanted = f.sources === null ? null : new Set(f.sources);
  const list = (await listProfiles(q, { status: 'completed', sinceMs: f.since, untilMs: f.until, limit: wanted ? 500 : max }))
    .filter((p) => wanted === null || (p.source !== null && wanted.has(p.source)))
    .slice(0, max);
  const out: ReportProfile[] = [];
  for (const p of list) {
    out.push({
      profile_id: p.profileId,
      source: p.source,
      kind: p.kind,
      trigger: p.trigger,
      started_at: new Date(p.startedAt).toISOString(),
      duration_ms: p.durationMs,
      hotspots: p.hotspots.slice(0, 10).map((h) => ({ function: h.function, url: h.url, line: h.line, self_pct: h.self_pct, total_pct: h.total_pct })),
      flame_svg: await flameOf(q, p.profileId),
    });
  }
  return out;
}

/** Reads a period's data from the store and builds its report. */
export async function gatherReport(q: Queryable, req: ReportRequest): Promise<Report> {
  const f: PeriodFilter = { since: req.since, until: req.until, sources: req.sources && req.sources.length > 0 ? [...req.sources] : null };
  const [sources, alerts, bottlenecks, optimizations] = await Promise.all([periodSources(q, f), periodAlerts(q, f), periodBottlenecks(q, f), periodOptimizations(q, f)]);
  const metrics = new Set<string>(DEFAULT_CHART_METRICS);
  for (const a of alerts) metrics.add(a.metric);
  for (const b of bottlenecks) if (b.metric !== null) metrics.add(b.metric);
  const now = req.now ?? Date.now();
  const charts = await periodSeries(q, req.layout, f, [...metrics], chartStepMs(req.since, req.until, req.maxPoints ?? 120), now);
  const profiles = await periodProfiles(q, f, req.maxProfiles ?? 10);
  const charted = new Set(charts.map((c) => `${c.source}\u0000${c.metric}`));
  // The highest-scored flagged samples of the period, then those of the charted series.
  const anomalies = (await listAnomalies(q, { startMs: req.since, endMs: req.until, sources: f.sources, limit: MAX_ANOMALY_MARKS })).filter((a) => charted.has(`${a.source}\u0000${a.metric}`));
  return buildReport({ generatedAt: now, since: req.since, until: req.until, sourcesFilter: f.sources, sources, charts, anomalies, alerts, bottlenecks, profiles, optimizations });
}
