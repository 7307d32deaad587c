import type { OptimizationProposal } from '../proposal.js';
import { cpuLimitProposal } from './cpu-limit.js';
import { LIMITS_ADVISOR_DEFAULTS, type LimitsAdvisorSettings, type LimitsTarget } from './limits-target.js';
import { memoryLimitProposal } from './memory-limit.js';

/**
 * The resource-limits advisor (docs/limits-advisor.md): from a watched process's cgroup figures,
 * `set_cpu_limit` and `set_memory_limit` proposals that raise a limit that throttles or OOMs and
 * lower one far above use, each with its undo, the percentile and margin it used, what it
 * predicts, and the metrics that will judge it. Pure: the caller reads the cgroup and the samples.
 */
export function adviseLimits(target: LimitsTarget, settings: Partial<LimitsAdvisorSettings> = {}): OptimizationProposal[] {
  const s = { ...LIMITS_ADVISOR_DEFAULTS, ...settings };
  return [cpuLimitProposal(target, s), memoryLimitProposal(target, s)].filter((p): p is OptimizationProposal => p !== undefined);
}

export { LIMITS_ADVISOR_DEFAULTS, type LimitCgroup, type LimitSample, type LimitsAdvisorSettings, type LimitsTarget } from './limits-target.js';
