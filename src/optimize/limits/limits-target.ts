/** One snapshot of a watched process: its `cgroup_*` metrics (docs/metrics.md) at an event time. */
export interface LimitSample {
  readonly atMs: number;
  readonly metrics: Readonly<Record<string, number>>;
}

/** A cgroup whose limit can be written: the directory that holds the binding limit, and that limit. */
export interface LimitCgroup<L> {
  /** Absolute cgroup directory of the controller (v2 cgroup, v1 cpu or memory controller cgroup). */
  readonly cgroup: string;
  /** Its current limit; null when it has none. */
  readonly limit: L | null;
}

/** What the resource-limits advisor is told of one watched process. */
export interface LimitsTarget {
  /** The process's source, whose snapshots carry the `cgroup_*` metrics. */
  readonly source: string;
  /** The SDK agent running in the process, when known: its `handler_latency_p95_ms` judges a CPU raise too. */
  readonly agentSource?: string;
  /** The bottleneck that led here, if any. */
  readonly bottleneckId?: string | null;
  readonly cpu?: LimitCgroup<number>;
  readonly memory?: LimitCgroup<number>;
  /** The process's recent snapshots, in time order. */
  readonly samples: readonly LimitSample[];
}

/** How the advisor turns usage into limits; {@link LIMITS_ADVISOR_DEFAULTS} documents each value. */
export interface LimitsAdvisorSettings {
  /** Percentile of CPU demand (used + throttled cores per interval) the limit covers. */
  readonly cpuPercentile: number;
  /** Margin added above that percentile (0.15 = +15 %). */
  readonly cpuMargin: number;
  /** Percentile of memory peaks the limit covers. */
  readonly memoryPercentile: number;
  readonly memoryMargin: number;
  /** After an OOM kill in the window, the limit grows by at least this share (0.2 = +20 %). */
  readonly oomBump: number;
  /** Samples lose half their weight every this many ms of event time. */
  readonly halfLifeMs: number;
  /** Fewer samples than this: no recommendation (the usage is not known well enough). */
  readonly minSamples: number;
  /** The throttling of the last `recentMs` decides whether a CPU limit throttles. */
  readonly recentMs: number;
  /** A CPU limit throttles when at least this share of its periods were throttled (%). */
  readonly throttledPeriodsPct: number;
  /** A limit at least this many times the recommendation is far above use and is lowered. */
  readonly lowerRatio: number;
  /** Changes smaller than this share of the current limit are not proposed. */
  readonly minChange: number;
  /** Smallest limits ever proposed. */
  readonly minCpuCores: number;
  readonly minMemoryBytes: number;
  /** Largest CPU limit proposed (the host's cores, when the caller knows them). */
  readonly maxCpuCores: number;
}

/**
 * The defaults. CPU: the 90th percentile of demand plus 15 %, VPA's target; unlike VPA, demand
 * counts throttled time, so a throttled process is seen to want more than its quota. Memory: the
 * 99th percentile of peaks plus 15 %, high because crossing a memory limit is an OOM kill where
 * crossing a CPU limit only throttles, and +20 % after an OOM kill (VPA's bump). Half-life one day
 * (VPA's), with at least 20 samples (5 minutes at the engine's 15 s interval).
 */
export const LIMITS_ADVISOR_DEFAULTS: LimitsAdvisorSettings = Object.freeze({
  cpuPercentile: 0.9,
  cpuMargin: 0.15,
  memoryPercentile: 0.99,
  memoryMargin: 0.15,
  oomBump: 0.2,
  halfLifeMs: 24 * 3600_000,
  minSamples: 20,
  recentMs: 10 * 60_000,
  throttledPeriodsPct: 20,
  lowerRatio: 2,
  minChange: 0.1,
  minCpuCores: 0.05,
  minMemoryBytes: 32 * 1024 * 1024,
  maxCpuCores: 1024,
});

/** Mean of `metric` over the samples of the last `recentMs` before the last sample; undefined without any. */
export function recentMean(samples: readonly LimitSample[], metric: string, recentMs: number): number | undefined {
  const last = samples[samples.length - 1];
  if (last === undefined) return undefined;
  let sum = 0;
  let n = 0;
  for (let i = samples.length - 1; i >= 0 && samples[i]!.atMs >= last.atMs - recentMs; i--) {
    const v = samples[i]!.metrics[metric];
    if (v !== undefined && Number.isFinite(v)) {
      sum += v;
      n++;
    }
  }
  return n === 0 ? undefined : sum / n;
}

/** Rounds up to a multiple of `step`, tolerating binary noise (0.30000000000000004 stays 0.3). */
export function ceilTo(value: number, step: number): number {
  const units = value / step;
  const up = Math.abs(units - Math.round(units)) < 1e-9 ? Math.round(units) : Math.ceil(units);
  return Number((up * step).toFixed(10));
}
