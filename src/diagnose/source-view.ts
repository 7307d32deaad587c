import type { SourceScope } from './diagnostic-metrics.js';
import type { SourceWindow } from './source-window.js';
import { median } from './stats.js';

/** A label whose value changed while the source was watched (a deployment, a version). */
export interface LabelChange {
  readonly from: string | null;
  readonly to: string | null;
}

/**
 * What a signature sees of one source at one frame: the latest values, the reference (baseline
 * before the departure) of each metric, and the recent frames. Values are NaN when unknown.
 */
export interface SourceView {
  readonly source: string;
  /** The host, as a source name, or null. */
  readonly host: string | null;
  readonly scope: SourceScope;
  /** Event time of the frame (epoch ms). */
  readonly timestamp: number;
  /** Time since the source's previous snapshot (ms), NaN when unknown. */
  readonly intervalMs: number;
  /** Latest value of a metric. */
  cur(metric: string): number;
  /** Reference baseline of a metric. */
  ref(metric: string): number;
  /** Spread of normal values around the reference. */
  spread(metric: string): number;
  /** Snapshots the reference was learned from (0 when unknown): a young reference has not seen the series' full range. */
  refSamples(metric: string): number;
  /** Median of the latest `frames` values (frames without the metric are skipped). */
  median(metric: string, frames: number): number;
  /** The frames held of a metric, oldest first, with their timestamps. */
  series(metric: string): { ts: number[]; values: number[] };
  /** Labels changed since the watch of the source began. */
  readonly labelChanges: Readonly<Record<string, LabelChange>>;
}

/** A view over a watched source's window. */
export function windowView(
  w: SourceWindow,
  info: { source: string; host: string | null; scope: SourceScope; intervalMs: number; labelChanges: Readonly<Record<string, LabelChange>> },
): SourceView {
  return {
    ...info,
    timestamp: w.lastTs,
    cur: (m) => w.value(m, 0),
    ref: (m) => w.ref(m)?.baseline ?? Number.NaN,
    spread: (m) => w.ref(m)?.spread ?? Number.NaN,
    refSamples: (m) => w.ref(m)?.samples ?? 0,
    median: (m, frames) => {
      const v: number[] = [];
      for (let back = 0; back < Math.min(frames, w.size); back++) v.push(w.value(m, back));
      return median(v);
    },
    series: (m) => w.series(m),
  };
}

/** One metric of a {@link plainView}: its latest values (oldest first) and reference. */
export interface PlainMetric {
  /** Values of the recent frames, oldest first; the last is the latest. */
  readonly values: readonly number[];
  readonly ref?: number;
  readonly spread?: number;
  /** Snapshots behind the reference (default 1000). */
  readonly refSamples?: number;
}

/**
 * A view from plain numbers, for diagnosing one frame outside the engine (tests, recorded frames):
 * every metric has values at the same frames, `intervalMs` apart, ending at `timestamp`.
 */
export function plainView(spec: {
  source?: string;
  host?: string | null;
  scope?: SourceScope;
  timestamp?: number;
  intervalMs?: number;
  metrics: Readonly<Record<string, PlainMetric>>;
  labelChanges?: Readonly<Record<string, LabelChange>>;
}): SourceView {
  const interval = spec.intervalMs ?? 10_000;
  const end = spec.timestamp ?? Date.UTC(2026, 0, 1);
  const get = (m: string) => spec.metrics[m];
  return {
    source: spec.source ?? 'agent-1',
    host: spec.host ?? null,
    scope: spec.scope ?? 'agent',
    timestamp: end,
    intervalMs: interval,
    labelChanges: spec.labelChanges ?? {},
    cur: (m) => get(m)?.values.at(-1) ?? Number.NaN,
    ref: (m) => get(m)?.ref ?? Number.NaN,
    spread: (m) => get(m)?.spread ?? Number.NaN,
    refSamples: (m) => (get(m)?.ref === undefined ? 0 : (get(m)?.refSamples ?? 1000)),
    median: (m, frames) => median((get(m)?.values ?? []).slice(-frames)),
    series: (m) => {
      const values = [...(get(m)?.values ?? [])];
      return { ts: values.map((_, i) => end - (values.length - 1 - i) * interval), values };
    },
  };
}
