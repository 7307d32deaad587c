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
  /** The frames held of a metric (the latest `frames` of them when given), oldest first, with their timestamps. */
  series(metric: string, frames?: number): { ts: number[]; values: number[] };
  /** Labels changed since the watch of the source began. */
  readonly labelChanges: Readonly<Record<string, LabelChange>>;
}

/** Median of the latest `frames` values of a metric in a window (frames without it skipped), without building a list for up to three. */
function windowMedian(w: SourceWindow, metric: string, frames: number): number {
  const n = Math.min(frames, w.size);
  if (n <= 3) {
    const a = w.value(metric, 0);
    const b = n > 1 ? w.value(metric, 1) : Number.NaN;
    const c = n > 2 ? w.value(metric, 2) : Number.NaN;
    if (Number.isNaN(b) && Number.isNaN(c)) return a;
    if (Number.isNaN(c)) return Number.isNaN(a) ? b : Number.isNaN(b) ? a : (a + b) / 2;
    if (Number.isNaN(a) || Number.isNaN(b)) return median([a, b, c]);
    return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
  }
  const v: number[] = [];
  for (let back = 0; back < n; back++) v.push(w.value(metric, back));
  return median(v);
}

/** A view over a watched source's window (one small object per frame; label changes computed when read). */
class WindowView implements SourceView {
  #labels: Readonly<Record<string, LabelChange>> | null = null;
  readonly timestamp: number;

  constructor(
    private readonly w: SourceWindow,
    readonly source: string,
    readonly host: string | null,
    readonly scope: SourceScope,
    readonly intervalMs: number,
    private readonly changes: () => Readonly<Record<string, LabelChange>>,
  ) {
    this.timestamp = w.lastTs;
  }

  get labelChanges(): Readonly<Record<string, LabelChange>> {
    return (this.#labels ??= this.changes());
  }

  cur(metric: string): number {
    return this.w.value(metric, 0);
  }

  ref(metric: string): number {
    return this.w.ref(metric)?.baseline ?? Number.NaN;
  }

  spread(metric: string): number {
    return this.w.ref(metric)?.spread ?? Number.NaN;
  }

  refSamples(metric: string): number {
    return this.w.ref(metric)?.samples ?? 0;
  }

  median(metric: string, frames: number): number {
    return windowMedian(this.w, metric, frames);
  }

  series(metric: string, frames?: number): { ts: number[]; values: number[] } {
    return this.w.series(metric, frames);
  }
}

/** A view over a watched source's window; `labelChanges` is called only if a signature reads the labels. */
export function windowView(
  w: SourceWindow,
  info: { source: string; host: string | null; scope: SourceScope; intervalMs: number; labelChanges: () => Readonly<Record<string, LabelChange>> },
): SourceView {
  return new WindowView(w, info.source, info.host, info.scope, info.intervalMs, info.labelChanges);
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
    series: (m, frames) => {
      const all = get(m)?.values ?? [];
      const values = all.slice(frames === undefined ? 0 : Math.max(0, all.length - frames));
      return { ts: values.map((_, i) => end - (values.length - 1 - i) * interval), values };
    },
  };
}
