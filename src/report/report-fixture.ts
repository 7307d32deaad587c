import { buildReport, type ReportInput } from './report-build.js';
import type { Report } from './report-schema.js';

const T0 = Date.parse('2026-12-05T00:00:00Z');
const HOUR = 3_600_000;

/** A small period's data with one of everything (for renderer tests and docs examples). */
export function fixtureInput(overrides: Partial<ReportInput> = {}): ReportInput {
  const points = (base: number, slope: number): [number, number, number, number][] =>
    Array.from({ length: 24 }, (_, i) => [T0 + i * HOUR, base + slope * i - 2, base + slope * i, base + slope * i + 2]);
  return {
    generatedAt: T0 + 24 * HOUR,
    since: T0,
    until: T0 + 24 * HOUR,
    sourcesFilter: null,
    sources: [
      { source: 'api-1', host: 'web-a', lastSeen: new Date(T0 + 24 * HOUR - 10_000).toISOString() },
      { source: 'worker-1', host: 'web-b', lastSeen: new Date(T0 + 2 * HOUR).toISOString() },
    ],
    charts: [
      { source: 'api-1', metric: 'memory_usage', step_ms: HOUR, points: points(40, 1.5) },
      { source: 'api-1', metric: 'cpu_usage', step_ms: HOUR, points: points(30, 0) },
    ],
    alerts: [
      {
        alert_id: 'a-1', source: 'api-1', metric: 'cpu_usage', rule: 'threshold', severity: 'critical', state: 'firing',
        started_at: new Date(T0 + 20 * HOUR).toISOString(), resolved_at: null, message: 'cpu_usage 97 > 90 <script>',
      },
    ],
    bottlenecks: [
      {
        bottleneck_id: 'b-1', source: 'api-1', kind: 'memory_leak', severity: 'warning', status: 'resolved', metric: 'memory_usage',
        detected_at: new Date(T0 + 5 * HOUR).toISOString(), resolved_at: new Date(T0 + 9 * HOUR).toISOString(), resolve_reason: 'recovered',
        summary: 'memory grows 1.5 %/h', evidence: { slope_per_hour: 1.5 }, recommendations: [{ action: 'restart_before_exhaustion', rationale: 'heap grows steadily' }],
        done: [],
      },
    ],
    profiles: [
      {
        profile_id: 'p-1', source: 'api-1', kind: 'cpu', trigger: 'auto', started_at: new Date(T0 + 6 * HOUR).toISOString(), duration_ms: 10_000,
        hotspots: [{ function: 'parseJson', url: 'file:///app/lib.js', line: 12, self_pct: 41.5, total_pct: 60 }],
        flame_svg: '<svg viewBox="0 0 10 10"><rect width="10" height="10"/></svg>',
      },
    ],
    optimizations: null,
    ...overrides,
  };
}

/** The fixture's report. */
export function fixtureReport(overrides: Partial<ReportInput> = {}): Report {
  return buildReport(fixtureInput(overrides));
}
