import { Type, type Static } from '@sinclair/typebox';

/**
 * The report document: what `perf-engine report --format json` prints, what `GET /api/v1/reports/:id`
 * serves and what the Markdown and HTML renderers draw. docs/reports.md describes every field;
 * `perf-engine schemas` exports it as schemas/report.json. Times are RFC 3339 strings.
 */
export const REPORT_VERSION = 1;

const Str = Type.String();
const Num = Type.Number();
const Time = Type.String({ format: 'date-time' });
const NTime = Type.Union([Time, Type.Null()]);
const NNum = Type.Union([Num, Type.Null()]);
const NStr = Type.Union([Str, Type.Null()]);

/** Health of a source over the period, worst first. */
export const HEALTH_STATES = ['critical', 'warning', 'silent', 'ok'] as const;
/** A source's health. */
export type Health = (typeof HEALTH_STATES)[number];

/** A time span marked on a chart: an alert or a bottleneck; or an instant: a sample the anomaly detector flagged (`to` equals `from`). */
export const ChartMarkSchema = Type.Object({
  kind: Type.Union([Type.Literal('alert'), Type.Literal('bottleneck'), Type.Literal('anomaly')]),
  id: Str,
  severity: Str,
  from: Time,
  to: NTime,
  label: Str,
});

/** One metric of one source over the period, in buckets: [epoch ms, min, mean, max]. */
export const ChartSchema = Type.Object({
  source: Str,
  metric: Str,
  step_ms: Num,
  points: Type.Array(Type.Tuple([Num, Num, Num, Num])),
  marks: Type.Array(ChartMarkSchema),
});

/** Per-source health. */
export const SourceHealthSchema = Type.Object({
  source: Str,
  host: NStr,
  health: Type.Union(HEALTH_STATES.map((h) => Type.Literal(h))),
  last_seen: NTime,
  alerts: Num,
  alerts_firing: Num,
  bottlenecks: Num,
  bottlenecks_active: Num,
});

/** An alert that was open during the period. */
export const ReportAlertSchema = Type.Object({
  alert_id: Str,
  source: Str,
  metric: Str,
  rule: Str,
  severity: Str,
  state: Str,
  started_at: Time,
  resolved_at: NTime,
  message: Str,
});

/** A bottleneck open during the period, with its evidence, advice and what happened to it. */
export const ReportBottleneckSchema = Type.Object({
  bottleneck_id: Str,
  source: Str,
  kind: Str,
  severity: Str,
  status: Str,
  metric: NStr,
  detected_at: Time,
  resolved_at: NTime,
  resolve_reason: NStr,
  summary: Str,
  evidence: Type.Record(Str, Type.Unknown()),
  recommendations: Type.Array(Type.Object({ action: Str, rationale: Str })),
  done: Type.Array(Str, { description: 'what was done: optimizations applied for it and how it ended' }),
});

/** A profile taken during the period with its hottest functions and (when it has a call tree) a flame graph. */
export const ReportProfileSchema = Type.Object({
  profile_id: Str,
  source: NStr,
  kind: Str,
  trigger: Str,
  started_at: Time,
  duration_ms: NNum,
  hotspots: Type.Array(Type.Object({ function: Str, url: Str, line: Num, self_pct: Num, total_pct: Num })),
  flame_svg: Type.Union([Str, Type.Null()], { description: 'a self-contained SVG flame graph, or null' }),
});

/** An optimization tried during the period with its before/after figures and verdict. */
export const ReportOptimizationSchema = Type.Object({
  optimization_id: Str,
  bottleneck_id: NStr,
  source: NStr,
  action: Str,
  status: Str,
  verdict: Type.Union([Str, Type.Null()], { description: 'verified, ineffective or regressed once judged; null before' }),
  metric: Type.Union([Str, Type.Null()], { description: 'the judging metric' }),
  before: Type.Union([Num, Type.Null()], { description: 'p95 of the judging metric before the change' }),
  after: Type.Union([Num, Type.Null()], { description: 'p95 of the judging metric after the change' }),
  change_pct: NNum,
  applied_at: NTime,
});

/** A capacity trend: a straight line fitted over the period and when it reaches its limit. */
export const CapacityTrendSchema = Type.Object({
  source: Str,
  metric: Str,
  latest: Num,
  limit: Num,
  slope_per_hour: Num,
  fit: Num,
  time_to_limit_s: Type.Union([Num, Type.Null()], { description: 'null: not moving steadily towards the limit' }),
});

/** The whole report. */
export const ReportSchema = Type.Object(
  {
    version: Type.Literal(REPORT_VERSION),
    generated_at: Time,
    period: Type.Object({ since: Time, until: Time }),
    sources_filter: Type.Union([Type.Array(Str), Type.Null()]),
    summary: Type.Object({
      sources: Num,
      alerts: Num,
      alerts_firing: Num,
      bottlenecks: Num,
      bottlenecks_active: Num,
      profiles: Num,
      optimizations: NNum,
    }),
    sources: Type.Array(SourceHealthSchema),
    charts: Type.Array(ChartSchema),
    alerts: Type.Array(ReportAlertSchema),
    bottlenecks: Type.Array(ReportBottleneckSchema),
    profiles: Type.Array(ReportProfileSchema),
    optimizations: Type.Object({
      available: Type.Boolean({ description: 'false until the optimization loop exists in this store' }),
      items: Type.Array(ReportOptimizationSchema),
    }),
    capacity: Type.Array(CapacityTrendSchema),
  },
  { $id: 'report', title: 'perf-engine report', additionalProperties: false },
);

/** A report document. */
export type Report = Static<typeof ReportSchema>;
/** A chart of a report. */
export type ReportChart = Static<typeof ChartSchema>;
/** A capacity trend of a report. */
export type CapacityTrend = Static<typeof CapacityTrendSchema>;
/** The formats a report is rendered in. */
export const REPORT_FORMATS = ['json', 'md', 'html'] as const;
/** A report format. */
export type ReportFormat = (typeof REPORT_FORMATS)[number];
