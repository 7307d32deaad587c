/**
 * The dashboard's only door to the engine: every request the pages make goes through here.
 */

import { authHeaders } from './auth.js';
import { openEventStream, type EventStream } from './sse.js';

/** Chart ranges up to this long read raw samples; longer ones the range query API (tiers). */
const RAW_RANGE_MS = 3 * 3_600_000;

export interface Source { source: string; host: string | null; labels: Record<string, string>; firstSeen: string; lastSeen: string }
export interface Alert { alert_id: string; source: string; metric: string; rule: string; severity: string; state: string; value: number | null; threshold: number | null; started_at: string; fired_at: string | null; resolved_at: string | null; message: string }
export interface Recommendation { action: string; params: Record<string, unknown>; rationale: string }
export interface Related { source: string; relation: string; kind: string; metric: string; value: number | null; baseline: number | null; ratio: number | null }
export interface Bottleneck {
  bottleneck_id: string; source: string; kind: string; severity: string; metric: string | null; status: string;
  started_at: string; detected_at: string; updated_at: string; resolved_at: string | null; resolve_reason: string | null;
  summary: string; evidence: Record<string, unknown>; recommendations: Recommendation[]; related_sources: Related[]; host: string | null;
}
export interface Hotspot { function: string; url: string; line: number; self_ms: number; self_pct: number; total_ms: number; total_pct: number }
export interface Profile {
  profile_id: string; source: string | null; kind: string; trigger: string; status: string; started_at: string; target: unknown;
  duration_ms: number | null; sample_count: number | null; hotspots: Hotspot[]; error: string | null; raw_format: string | null; raw_bytes: number | null;
}
export interface RunningProfile { profile_id: string; status: 'running'; kind: string; trigger: string; started_at: string; ends_at: string; target: unknown }
/** A series as the charts take it: times in seconds, values (null for gaps). */
export interface Series { times: number[]; values: (number | null)[] }
/** A stored report (scheduled or kept), as GET /api/v1/reports lists it. */
export interface StoredReport { report_id: string; created_at: string; trigger: string; since: string; until: string; formats: string[]; summary: Record<string, unknown> }
/** A sample the anomaly detector flagged (GET /api/v1/anomalies). */
export interface Anomaly { source: string; metric: string; timestamp: string; value: number; score: number; direction: string | null; cause: string | null; baseline: number | null }
export interface LiveSnapshot { source: string; timestamp: number; health: string | null; metrics: Record<string, number> }

/** Every export format of a stored profile (the download route's `format`). */
export const DOWNLOAD_FORMATS = ['raw', 'cpuprofile', 'pprof', 'speedscope', 'collapsed', 'svg', 'html'] as const;

export class ApiFailure extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, { ...init, headers: { accept: 'application/json', ...authHeaders(), ...(init?.body ? { 'content-type': 'application/json' } : {}) } });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
    throw new ApiFailure(res.status, body?.error?.code ?? 'http', body?.error?.message ?? `${res.status} ${res.statusText}`);
  }
  return (await res.json()) as T;
}

const q = (params: Record<string, string | number | boolean | undefined>) =>
  new URLSearchParams(Object.entries(params).filter((e): e is [string, string | number | boolean] => e[1] !== undefined).map(([k, v]) => [k, String(v)])).toString();

export const api = {
  status: () => call<Record<string, unknown> & { ready: boolean; agent_id: string }>('/api/v1/status'),
  sources: async () => (await call<{ sources: Source[] }>('/api/v1/sources')).sources,
  metrics: async (source: string) => (await call<{ metrics: string[] }>(`/api/v1/metrics?${q({ source })}`)).metrics,
  alerts: async (state?: string) => (await call<{ alerts: Alert[] }>(`/api/v1/alerts?${q({ state, limit: 1000 })}`)).alerts,
  bottlenecks: async (opts: { active?: boolean; source?: string; since?: string } = {}) => (await call<{ bottlenecks: Bottleneck[] }>(`/api/v1/bottlenecks?${q({ ...opts, limit: 500 })}`)).bottlenecks,
  bottleneck: async (id: string) => (await call<{ bottleneck: Bottleneck }>(`/api/v1/bottlenecks/${encodeURIComponent(id)}`)).bottleneck,
  profiles: (opts: { source?: string } = {}) => call<{ running: RunningProfile[]; profiles: Profile[] }>(`/api/v1/profiles?${q({ ...opts, limit: 200 })}`),
  profile: (id: string) => call<Profile | RunningProfile>(`/api/v1/profiles/${encodeURIComponent(id)}`),
  requestProfile: (body: Record<string, unknown>) => call<{ profile_id: string; duration_seconds: number }>('/api/v1/profiles', { method: 'POST', body: JSON.stringify(body) }),
  downloadUrl: (id: string, format: string) => `/api/v1/profiles/${encodeURIComponent(id)}/download?format=${format}`,
  /** Folded stacks ("a;b;c 12" per line) of a stored profile, for the flame graph and the diff. */
  collapsed: async (id: string) => {
    const res = await fetch(`/api/v1/profiles/${encodeURIComponent(id)}/download?format=collapsed`, { headers: authHeaders() });
    if (!res.ok) throw new ApiFailure(res.status, 'download', `collapsed export refused (${res.status})`);
    return res.text();
  },
  /** The optimization loop's records, or null while the engine has no such route ("none yet"). */
  optimizations: async (bottleneckId?: string): Promise<Record<string, unknown>[] | null> => {
    try {
      const body = await call<{ optimizations?: Record<string, unknown>[] }>(`/api/v1/optimizations?${q({ bottleneck_id: bottleneckId })}`);
      return body.optimizations ?? [];
    } catch (err) {
      if (err instanceof ApiFailure && (err.status === 404 || err.status === 400)) return null;
      throw err;
    }
  },
  /**
   * One metric of one source over [from, until] (ms), at most about `points` points. Ranges up to
   * {@link RAW_RANGE_MS} come from the raw samples (first, min and max kept per bucket, so every
   * spike shows); longer ones from the range query API, which reads the tier the step allows, each
   * point the largest sample of its step (spikes survive there too).
   */
  series: async (source: string, metric: string, fromMs: number, untilMs: number, points = 1200): Promise<Series> => {
    if (untilMs - fromMs <= RAW_RANGE_MS) {
      const body = await call<{ samples: { timestamp: string; value: number | null }[] }>(
        `/api/v1/series?${q({ source, metric, since: new Date(fromMs).toISOString(), until: new Date(untilMs).toISOString(), limit: 200_000 })}`,
      );
      return decimate(body.samples.map((s) => [Date.parse(s.timestamp) / 1000, s.value] as const), points);
    }
    const stepS = Math.max(1, Math.ceil((untilMs - fromMs) / 1000 / points));
    // A point stands for the step that ends at its time, and the engine answers points up to
    // `end`: one step more keeps the step now under way (the newest samples) on the chart.
    const body = await call<{ series: { stored_metric: string; timestamps: number[]; values: (number | null)[] }[] }>(
      `/api/v1/query_range?${q({ source, metric, start: new Date(fromMs).toISOString(), end: new Date(untilMs + stepS * 1000).toISOString(), step: String(stepS), agg: 'max', limit: 20 })}`,
    );
    const found = body.series.find((x) => x.stored_metric === metric) ?? body.series[0];
    return found ? { times: found.timestamps.map((t) => t / 1000), values: found.values } : { times: [], values: [] };
  },
  /** Stored reports, newest first. */
  reports: async () => (await call<{ reports: StoredReport[] }>('/api/v1/reports?limit=200')).reports,
  reportUrl: (id: string, format: string) => `/api/v1/reports/${encodeURIComponent(id)}?format=${format}`,
  /** Flagged samples of a source over [from, until] (ms), oldest first. */
  anomalies: async (source: string, fromMs: number, untilMs: number, metric?: string) =>
    (await call<{ anomalies: Anomaly[] }>(`/api/v1/anomalies?${q({ source, metric, start: new Date(fromMs).toISOString(), end: new Date(untilMs).toISOString(), limit: 5000 })}`)).anomalies,
  /**
   * One stream for all live data; the callback gets each coalesced batch. Read with fetch rather
   * than EventSource so that it carries the token (src/web/sse.ts).
   */
  live: (onBatch: (batch: LiveSnapshot[]) => void, onState: (open: boolean) => void, source?: string): EventStream =>
    openEventStream(`/api/v1/live${source ? `?${q({ source })}` : ''}`, authHeaders, {
      onState,
      onEvent: (name, data) => {
        if (name === 'snapshots') onBatch(JSON.parse(data) as LiveSnapshot[]);
      },
    }),
};

/** Keeps the first, min and max of each bucket so spikes survive; at most about `points` points. */
export function decimate(samples: readonly (readonly [number, number | null])[], points: number): Series {
  if (samples.length <= points) return { times: samples.map((s) => s[0]), values: samples.map((s) => s[1]) };
  const per = Math.ceil(samples.length / (points / 2));
  const times: number[] = [];
  const values: (number | null)[] = [];
  for (let i = 0; i < samples.length; i += per) {
    let lo: readonly [number, number | null] | null = null;
    let hi: readonly [number, number | null] | null = null;
    for (let j = i; j < Math.min(i + per, samples.length); j++) {
      const s = samples[j]!;
      if (s[1] === null) continue;
      if (!lo || s[1] < lo[1]!) lo = s;
      if (!hi || s[1] > hi[1]!) hi = s;
    }
    if (!lo || !hi) {
      times.push(samples[i]![0]);
      values.push(null);
      continue;
    }
    for (const s of lo[0] <= hi[0] ? [lo, hi] : [hi, lo]) {
      if (times.at(-1) === s[0]) continue;
      times.push(s[0]);
      values.push(s[1]);
    }
  }
  return { times, values };
}
