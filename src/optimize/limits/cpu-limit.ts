import type { ExpectedMove, OptimizationProposal } from '../proposal.js';
import { DecayingHistogram } from './decaying-histogram.js';
import { ceilTo, type LimitsAdvisorSettings, type LimitsTarget, recentMean } from './limits-target.js';

/** CPU buckets: 10 millicores wide at first (the quota's 1 ms per 100 ms period), 5 % wider each. */
const CPU_SHAPE = { firstBucketSize: 0.01, ratio: 1.05, maxValue: 1024 } as const;

/** What the CPU rule found, before it decides. */
interface CpuFigures {
  readonly samples: number;
  readonly demandPct: number;
  readonly usedPct: number;
  readonly recommended: number;
  readonly throttledPeriodsPct: number;
  readonly demand: DecayingHistogram;
}

function cpuFigures(t: LimitsTarget, s: LimitsAdvisorSettings): CpuFigures | undefined {
  const demand = new DecayingHistogram({ ...CPU_SHAPE, halfLifeMs: s.halfLifeMs });
  const used = new DecayingHistogram({ ...CPU_SHAPE, halfLifeMs: s.halfLifeMs });
  let n = 0;
  for (const { atMs, metrics } of t.samples) {
    const u = metrics.cgroup_cpu_used_cores;
    if (u === undefined) continue;
    demand.add(u + (metrics.cgroup_cpu_throttled_cores ?? 0), atMs);
    used.add(u, atMs);
    n++;
  }
  if (n < s.minSamples) return undefined;
  const demandPct = demand.percentile(s.cpuPercentile)!;
  const recommended = Math.min(s.maxCpuCores, Math.max(s.minCpuCores, ceilTo(demandPct * (1 + s.cpuMargin), 0.01)));
  return {
    samples: n,
    demandPct,
    usedPct: used.percentile(s.cpuPercentile)!,
    recommended,
    throttledPeriodsPct: recentMean(t.samples, 'cgroup_cpu_throttled_periods_pct', s.recentMs) ?? 0,
    demand,
  };
}

const round = (v: number, d = 3): number => Number(v.toFixed(d));

/**
 * The CPU limit rule. Demand per interval is the CPU used plus the CPU denied by throttling
 * (`cgroup_cpu_used_cores + cgroup_cpu_throttled_cores`); the recommendation is its decayed
 * percentile plus the margin. A limit that throttles (a recent share of throttled periods at or
 * above the threshold) is raised to the recommendation, and by at least a quarter when throttling
 * comes in bursts shorter than an interval that the percentile does not see; a limit that does
 * not throttle and is at least `lowerRatio` times the recommendation is lowered to it. A process
 * without a limit gets none.
 */
export function cpuLimitProposal(t: LimitsTarget, s: LimitsAdvisorSettings): OptimizationProposal | undefined {
  const cg = t.cpu;
  if (cg === undefined || cg.limit === null) return undefined;
  const f = cpuFigures(t, s);
  if (f === undefined) return undefined;
  const limit = cg.limit;
  const throttles = f.throttledPeriodsPct >= s.throttledPeriodsPct;
  let next: number;
  if (throttles) next = Math.min(s.maxCpuCores, Math.max(f.recommended, ceilTo(limit * 1.25, 0.01)));
  else if (f.throttledPeriodsPct < 1 && limit >= f.recommended * s.lowerRatio) next = f.recommended;
  else return undefined;
  if (Math.abs(next - limit) < limit * s.minChange) return undefined;
  const raise = next > limit;
  const expect: ExpectedMove[] = raise
    ? [
        { metric: 'cgroup_cpu_throttled_pct', direction: 'decrease', source: t.source },
        ...(t.agentSource ? [{ metric: 'handler_latency_p95_ms', direction: 'decrease' as const, source: t.agentSource }] : []),
      ]
    : [{ metric: 'cgroup_cpu_usage', direction: 'increase', source: t.source }];
  const pctLabel = `p${Math.round(s.cpuPercentile * 100)}`;
  const rationale = raise
    ? `${round(f.throttledPeriodsPct, 1)}% of CPU periods were throttled at a limit of ${limit} cores; demand (used + throttled) ` +
      `${pctLabel} is ${round(f.demandPct)} cores over ${f.samples} samples, so ${pctLabel} + ${Math.round(s.cpuMargin * 100)}% margin gives ${next} cores`
    : `the limit of ${limit} cores is ${round(limit / f.recommended, 1)}x the ${pctLabel} demand of ${round(f.demandPct)} cores ` +
      `+ ${Math.round(s.cpuMargin * 100)}% margin over ${f.samples} samples, with no throttling: lowering it to ${next} cores frees the rest`;
  return {
    action: 'set_cpu_limit',
    params: { source: t.source, cgroup: cg.cgroup, cpu_cores: next, previous: limit },
    undo: { action: 'set_cpu_limit', params: { source: t.source, cgroup: cg.cgroup, cpu_cores: limit, previous: next } },
    source: t.source,
    bottleneckId: t.bottleneckId ?? null,
    rationale,
    predicted: {
      percentile: s.cpuPercentile,
      margin: s.cpuMargin,
      half_life_s: s.halfLifeMs / 1000,
      samples: f.samples,
      demand_percentile_cores: round(f.demandPct),
      used_percentile_cores: round(f.usedPct),
      recommended_cores: f.recommended,
      cpu_cores_before: limit,
      cpu_cores_after: next,
      throttled_periods_pct_before: round(f.throttledPeriodsPct, 2),
      // Share of intervals whose demand exceeded the new limit: those would still be throttled.
      expected_throttled_intervals_pct: round(100 * f.demand.shareAbove(next), 2),
    },
    expect,
    key: `set_cpu_limit:${cg.cgroup}`,
  };
}
