import type { Static } from '@sinclair/typebox';
import type {
  CapacityTrend,
  Health,
  Report,
  ReportAlertSchema,
  ReportBottleneckSchema,
  ReportChart,
  ReportOptimizationSchema,
  ReportProfileSchema,
  SourceHealthSchema,
} from './report-schema.js';
import { REPORT_VERSION } from './report-schema.js';

/** An alert as the report takes it. */
export type ReportAlert = Static<typeof ReportAlertSchema>;
/** A bottleneck as the report takes it. */
export type ReportBottleneck = Static<typeof ReportBottleneckSchema>;
/** A profile as the report takes it. */
export type ReportProfile = Static<typeof ReportProfileSchema>;
/** An optimization as the report takes it. */
export type ReportOptimization = Static<typeof ReportOptimizationSchema>;
type SourceHealth = Static<typeof SourceHealthSchema>;

/** Everything gathered for a period, before it is summarised. */
export interface ReportInput {
  readonly generatedAt: number;
  readonly since: number;
  readonly until: number;
  readonly sourcesFilter: readonly string[] | null;
  readonly sources: readonly { source: string; host: string | null; lastSeen: string | null }[];
  /** Bucketed series, without marks (the report adds them). */
  readonly charts: readonly Omit<ReportChart, 'marks'>[];
  /** Flagged samples of the charted series (anomaly_events); absent: none stored. */
  readonly anomalies?: readonly ReportAnomaly[];
  readonly alerts: readonly ReportAlert[];
  readonly bottlenecks: readonly ReportBottleneck[];
  readonly profiles: readonly ReportProfile[];
  /** null when the store has no optimization loop yet. */
  readonly optimizations: readonly ReportOptimization[] | null;
}

/** A stored anomaly event as the report takes it. */
export interface ReportAnomaly {
  readonly source: string;
  readonly metric: string;
  readonly timestamp: string;
  readonly score: number;
  readonly direction: string | null;
}

/** Metrics whose growth towards a limit the capacity outlook follows, with that limit. */
export const CAPACITY_METRICS: Readonly<Record<string, number>> = Object.freeze({ memory_usage: 100, cpu_usage: 100, disk_usage: 100, heap_usage: 100 });

/** A source not heard from for this long before the period's end is `silent`. */
const SILENT_AFTER_MS = 5 * 60_000;
/** A trend must explain at least this share of the variance (R²) to be projected. */
const MIN_FIT = 0.5;

const iso = (ms: number) => new Date(ms).toISOString();

/** Health from the period's alerts and bottlenecks: critical beats warning beats silent beats ok. */
function healthOf(s: ReportInput['sources'][number], alerts: readonly ReportAlert[], bns: readonly ReportBottleneck[], until: number): Health {
  const open = [...alerts.filter((a) => a.state === 'firing'), ...bns.filter((b) => b.status === 'active')];
  if (open.some((x) => x.severity === 'critical')) return 'critical';
  if (open.length > 0) return 'warning';
  if (s.lastSeen === null || Date.parse(s.lastSeen) < until - SILENT_AFTER_MS) return 'silent';
  return 'ok';
}

/** Least-squares line through the bucket means; null with fewer than three points. */
export function fitLine(points: readonly (readonly [number, number, number, number])[]): { slopePerMs: number; fit: number; fittedLast: number } | null {
  if (points.length < 3) return null;
  const n = points.length;
  const t0 = points[0]![0];
  let st = 0, sx = 0, stt = 0, stx = 0, sxx = 0;
  for (const [t, , x] of points) {
    const d = t - t0;
    st += d; sx += x; stt += d * d; stx += d * x; sxx += x * x;
  }
  const vt = n * stt - st * st;
  const vx = n * sxx - sx * sx;
  if (!(vt > 0)) return null;
  const c = n * stx - st * sx;
  const slope = c / vt;
  const fit = vx > 1e-12 ? Math.min(1, (c * c) / (vt * vx)) : 0;
  const intercept = (sx - slope * st) / n;
  return { slopePerMs: slope, fit, fittedLast: intercept + slope * (points[n - 1]![0] - t0) };
}

/** Capacity outlook of one chart, or null when its metric has no limit or too few points. */
export function capacityOf(chart: Omit<ReportChart, 'marks'>): CapacityTrend | null {
  const limit = CAPACITY_METRICS[chart.metric];
  if (limit === undefined) return null;
  const line = fitLine(chart.points);
  if (!line) return null;
  const latest = chart.points[chart.points.length - 1]![2];
  const towards = line.slopePerMs > 0 && line.fit >= MIN_FIT && line.fittedLast < limit;
  return {
    source: chart.source,
    metric: chart.metric,
    latest,
    limit,
    slope_per_hour: line.slopePerMs * 3_600_000,
    fit: line.fit,
    time_to_limit_s: towards ? (limit - line.fittedLast) / line.slopePerMs / 1000 : null,
  };
}

function marksFor(chart: Omit<ReportChart, 'marks'>, alerts: readonly ReportAlert[], bns: readonly ReportBottleneck[], anomalies: readonly ReportAnomaly[]): ReportChart['marks'] {
  const a = alerts
    .filter((x) => x.source === chart.source && x.metric === chart.metric)
    .map((x) => ({ kind: 'alert' as const, id: x.alert_id, severity: x.severity, from: x.started_at, to: x.resolved_at, label: `${x.rule} ${x.severity}` }));
  const b = bns
    .filter((x) => x.source === chart.source && (x.metric === null || x.metric === chart.metric))
    .map((x) => ({ kind: 'bottleneck' as const, id: x.bottleneck_id, severity: x.severity, from: x.detected_at, to: x.resolved_at, label: x.kind }));
  const n = anomalies
    .filter((x) => x.source === chart.source && x.metric === chart.metric)
    .map((x) => ({ kind: 'anomaly' as const, id: `${x.metric}@${x.timestamp}`, severity: 'info', from: x.timestamp, to: x.timestamp, label: `anomaly ${x.score.toFixed(2)}${x.direction ? ` ${x.direction}` : ''}` }));
  return [...a, ...b, ...n];
}

/** What was done about a bottleneck: each optimization tied to it with its outcome, then how it ended. */
function doneFor(b: ReportBottleneck, opts: readonly ReportOptimization[]): string[] {
  const out = opts
    .filter((o) => o.bottleneck_id === b.bottleneck_id)
    .map((o) => `${o.action} ${o.status}${o.change_pct === null ? '' : ` (${o.metric ?? 'metric'} ${o.change_pct > 0 ? '+' : ''}${o.change_pct.toFixed(1)} %)`}`);
  if (b.resolved_at !== null) out.push(`resolved: ${b.resolve_reason ?? 'resolved'}`);
  return out;
}

const WORST: Record<Health, number> = { critical: 0, warning: 1, silent: 2, ok: 3 };

/** Turns gathered data into the report document (pure: same input, same report). */
export function buildReport(input: ReportInput): Report {
  const sources: SourceHealth[] = input.sources.map((s) => {
    const alerts = input.alerts.filter((a) => a.source === s.source);
    const bns = input.bottlenecks.filter((b) => b.source === s.source);
    return {
      source: s.source,
      host: s.host,
      health: healthOf(s, alerts, bns, input.until),
      last_seen: s.lastSeen,
      alerts: alerts.length,
      alerts_firing: alerts.filter((a) => a.state === 'firing').length,
      bottlenecks: bns.length,
      bottlenecks_active: bns.filter((b) => b.status === 'active').length,
    };
  });
  sources.sort((x, y) => WORST[x.health] - WORST[y.health] || x.source.localeCompare(y.source));
  const charts = input.charts.map((c) => ({ ...c, marks: marksFor(c, input.alerts, input.bottlenecks, input.anomalies ?? []) }));
  const capacity = input.charts.map(capacityOf).filter((c): c is CapacityTrend => c !== null);
  capacity.sort((x, y) => (x.time_to_limit_s ?? Infinity) - (y.time_to_limit_s ?? Infinity) || y.latest - x.latest);
  const rank: Record<string, number> = { critical: 0, warning: 1, info: 2 };
  const bottlenecks = input.bottlenecks.map((b) => ({ ...b, done: [...doneFor(b, input.optimizations ?? [])] })).sort((x, y) => (rank[x.severity] ?? 3) - (rank[y.severity] ?? 3) || y.detected_at.localeCompare(x.detected_at));
  return {
    version: REPORT_VERSION,
    generated_at: iso(input.generatedAt),
    period: { since: iso(input.since), until: iso(input.until) },
    sources_filter: input.sourcesFilter === null ? null : [...input.sourcesFilter],
    summary: {
      sources: sources.length,
      alerts: input.alerts.length,
      alerts_firing: input.alerts.filter((a) => a.state === 'firing').length,
      bottlenecks: input.bottlenecks.length,
      bottlenecks_active: input.bottlenecks.filter((b) => b.status === 'active').length,
      profiles: input.profiles.length,
      optimizations: input.optimizations === null ? null : input.optimizations.length,
    },
    sources,
    charts,
    alerts: [...input.alerts],
    bottlenecks,
    profiles: [...input.profiles],
    optimizations: { available: input.optimizations !== null, items: input.optimizations === null ? [] : [...input.optimizations] },
    capacity,
  };
}
