import type { ExpectedMove, OptimizationProposal } from '../proposal.js';
import { DecayingHistogram } from './decaying-histogram.js';
import { ceilTo, type LimitSample, type LimitsAdvisorSettings, type LimitsTarget } from './limits-target.js';

const MIB = 1024 * 1024;
/** Memory buckets: 1 MiB wide at first, 5 % wider each, up to 1 TiB. */
const MEMORY_SHAPE = { firstBucketSize: MIB, ratio: 1.05, maxValue: 2 ** 40 } as const;

/**
 * The peak of each interval, as far as the kernel tells it: the working set at the end of the
 * interval (usage without the page cache the kernel may drop; the usage itself where the working
 * set is unknown), or the cgroup's recorded peak, less that cache, when the peak rose during the
 * interval (the new peak was reached then).
 */
export function intervalPeaks(samples: readonly LimitSample[]): { atMs: number; bytes: number }[] {
  const out: { atMs: number; bytes: number }[] = [];
  let lastPeak: number | undefined;
  for (const { atMs, metrics } of samples) {
    const current = metrics.cgroup_memory_current_bytes;
    const used = metrics.cgroup_memory_working_set_bytes ?? current;
    const peak = metrics.cgroup_memory_peak_bytes;
    const rose = peak !== undefined && lastPeak !== undefined && peak > lastPeak;
    if (peak !== undefined) lastPeak = peak;
    if (used === undefined) continue;
    const cache = current === undefined ? 0 : current - used;
    out.push({ atMs, bytes: rose ? Math.max(used, peak - cache) : used });
  }
  return out;
}

const mib = (bytes: number): number => Math.round(bytes / MIB);

/**
 * The memory limit rule. The recommendation is the decayed percentile of interval peaks plus the
 * margin, rounded up to a MiB; after an OOM kill in the samples it is at least the limit plus the
 * OOM bump. A limit below the recommendation (by more than `minChange`) is raised; a limit at least
 * `lowerRatio` times the recommendation, without an OOM kill, is lowered to it. A cgroup without a
 * limit gets none.
 */
export function memoryLimitProposal(t: LimitsTarget, s: LimitsAdvisorSettings): OptimizationProposal | undefined {
  const cg = t.memory;
  if (cg === undefined || cg.limit === null) return undefined;
  const peaks = intervalPeaks(t.samples);
  if (peaks.length < s.minSamples) return undefined;
  const hist = new DecayingHistogram({ ...MEMORY_SHAPE, halfLifeMs: s.halfLifeMs });
  for (const p of peaks) hist.add(p.bytes, p.atMs);
  const oomKills = t.samples.reduce((n, x) => n + (x.metrics.cgroup_memory_oom_kills ?? 0), 0);
  const limit = cg.limit;
  const pctValue = hist.percentile(s.memoryPercentile)!;
  let recommended = Math.max(s.minMemoryBytes, ceilTo(pctValue * (1 + s.memoryMargin), MIB));
  if (oomKills > 0) recommended = Math.max(recommended, ceilTo(limit * (1 + s.oomBump), MIB));
  let next: number;
  if (recommended > limit * (1 + s.minChange)) next = recommended;
  else if (oomKills === 0 && limit >= recommended * s.lowerRatio) next = recommended;
  else return undefined;
  const raise = next > limit;
  const pctLabel = `p${Math.round(s.memoryPercentile * 100)}`;
  const basis = `${pctLabel} of interval peaks is ${mib(pctValue)} MiB over ${peaks.length} samples; + ${Math.round(s.memoryMargin * 100)}% margin`;
  const rationale = raise
    ? oomKills > 0
      ? `the OOM killer ended ${oomKills} process(es) at a limit of ${mib(limit)} MiB; ${basis}, and at least +${Math.round(s.oomBump * 100)}% after an OOM kill, gives ${mib(next)} MiB`
      : `memory use nears its limit of ${mib(limit)} MiB: ${basis} gives ${mib(next)} MiB`
    : `the limit of ${mib(limit)} MiB is ${(limit / next).toFixed(1)}x what is used: ${basis} gives ${mib(next)} MiB`;
  const expect: ExpectedMove[] = raise
    ? [
        { metric: 'cgroup_memory_usage', direction: 'decrease', source: t.source },
        ...(oomKills > 0 ? [{ metric: 'cgroup_memory_oom_kills', direction: 'decrease' as const, source: t.source }] : []),
      ]
    : [{ metric: 'cgroup_memory_usage', direction: 'increase', source: t.source }];
  return {
    action: 'set_memory_limit',
    params: { source: t.source, cgroup: cg.cgroup, bytes: next, previous: limit },
    undo: { action: 'set_memory_limit', params: { source: t.source, cgroup: cg.cgroup, bytes: limit, previous: next } },
    source: t.source,
    bottleneckId: t.bottleneckId ?? null,
    rationale,
    predicted: {
      percentile: s.memoryPercentile,
      margin: s.memoryMargin,
      oom_bump: s.oomBump,
      half_life_s: s.halfLifeMs / 1000,
      samples: peaks.length,
      peak_percentile_bytes: Math.round(pctValue),
      oom_kills: oomKills,
      bytes_before: limit,
      bytes_after: next,
      expected_usage_pct: Number(((100 * pctValue) / next).toFixed(1)),
    },
    expect,
    key: `set_memory_limit:${cg.cgroup}`,
  };
}
