import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.js';
import type { BottleneckRecord } from '../diagnose/bottleneck-record.js';
import type { Component } from '../lifecycle/component.js';
import type { ActionApplier, ProposalSink } from '../optimize/proposal.js';
import { createAgentConfigApplier } from '../optimize/stage/agent-config-applier.js';
import { adviseAgentOnBottleneck, AGENT_CONFIG_METRICS } from '../optimize/stage/agent-config-advice.js';
import { listWatchedProcesses, loadSnapshots } from '../optimize/stage/advisor-inputs.js';
import { createCgroupLimitApplier } from '../optimize/stage/cgroup-limit-applier.js';
import { createLimitsAdvisorStage, LIMIT_METRICS } from '../optimize/stage/limits-advisor-stage.js';
import { readProcessLimits } from '../optimize/stage/process-limits.js';
import type { Config } from '../config/schema.js';
import type { Queryable } from '../store/db.js';

/** What the advisors beside the database advisor are built from. */
export interface AdvisorDeps {
  readonly db: Queryable;
  readonly bus: Bus;
  readonly logger: (component: string) => Logger;
  /** The optimization loop's sink; bound late, since the loop is built with the appliers. */
  readonly sink: ProposalSink;
  /** The database advisor's index applier. */
  readonly indexApplier: ActionApplier;
  /** The configuration in effect (the limits advisor's interval and minimum of samples). */
  readonly settings: () => Config;
}

/** The advisors' appliers, the periodic limits advisor, and the advice asked when a bottleneck opens. */
export interface Advisors {
  /** The install list of appliers (docs/optimization.md#applying): one per action. */
  readonly appliers: readonly ActionApplier[];
  readonly limits: Component;
  /** Asks an agent whose bottleneck just opened for its tunables and proposes changes from the evidence. */
  onBottleneckOpened(r: BottleneckRecord): void;
}

/** Where the resource-limits advisor looks: processes seen in the last hour, their last day of samples. */
const WATCHED_WINDOW_MS = 3_600_000;

/**
 * Builds the advisors that propose resource limits and agent configuration, and the appliers of
 * every family (indexes, cgroup limits, agent configuration). Whether the engine may use an applier
 * itself is decided by the loop from the local `optimization_auto_apply`.
 */
export function buildAdvisors(d: AdvisorDeps): Advisors {
  const log = d.logger('advisors');
  const appliers = [d.indexApplier, createCgroupLimitApplier({ log }), createAgentConfigApplier({ bus: d.bus, log })];
  const limits = createLimitsAdvisorStage({
    listProcesses: () => listWatchedProcesses(d.db, Date.now() - WATCHED_WINDOW_MS),
    loadSamples: (source, fromMs, untilMs) => loadSnapshots(d.db, source, LIMIT_METRICS, fromMs, untilMs),
    readLimits: (pid) => readProcessLimits(pid),
    sink: d.sink,
    settings: { minSamples: d.settings().optimize_limits_min_samples },
    intervalMs: d.settings().optimize_limits_interval_seconds * 1000,
    log: d.logger('limits-advisor'),
  });
  const onBottleneckOpened = (r: BottleneckRecord): void => {
    if (r.scope !== 'agent') return;
    const window = { bottleneckId: r.id, source: r.source, fromMs: r.startedAt - 10 * 60_000, untilMs: r.detectedAt };
    const deps = { bus: d.bus, loadSamples: (s: string, from: number, until: number) => loadSnapshots(d.db, s, AGENT_CONFIG_METRICS, from, until), sink: d.sink, log };
    adviseAgentOnBottleneck(deps, window).catch((err: unknown) => log.warn({ err, source: r.source }, 'agent configuration advice failed'));
  };
  return { appliers, limits, onBottleneckOpened };
}
