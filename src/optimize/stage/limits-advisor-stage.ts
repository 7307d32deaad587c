import type { Logger } from 'pino';
import type { Component } from '../../lifecycle/component.js';
import { adviseLimits, type LimitSample, type LimitsAdvisorSettings } from '../limits/limits-advisor.js';
import type { ProposalSink } from '../proposal.js';
import type { WatchedProcess } from './advisor-inputs.js';
import type { ProcessLimits } from './process-limits.js';

/** The `cgroup_*` metrics the limits advisor reads from a process's snapshots. */
export const LIMIT_METRICS = [
  'cgroup_cpu_used_cores',
  'cgroup_cpu_throttled_cores',
  'cgroup_cpu_throttled_periods_pct',
  'cgroup_memory_current_bytes',
  'cgroup_memory_working_set_bytes',
  'cgroup_memory_peak_bytes',
  'cgroup_memory_oom_kills',
] as const;

/** What a round of the limits advisor needs, as narrow functions (the store and /proc behind them). */
export interface LimitsRoundDeps {
  /** Watched processes to examine (e.g. `listWatchedProcesses` over the store). */
  listProcesses(): Promise<readonly WatchedProcess[]>;
  /** A process's snapshots of the window with `LIMIT_METRICS` (e.g. `loadSnapshots` over the store). */
  loadSamples(source: string, fromMs: number, untilMs: number): Promise<readonly LimitSample[]>;
  /** The cgroups binding a process now (`readProcessLimits`). */
  readLimits(pid: number): ProcessLimits | undefined;
  /** The SDK agent running in a process, when known: its latency judges a CPU raise too. */
  agentOf?(p: WatchedProcess): string | undefined;
  readonly sink: ProposalSink;
  readonly settings?: Partial<LimitsAdvisorSettings>;
  /** Samples looked at, ms back from now; default one day (the histogram's half-life). */
  readonly windowMs?: number;
  readonly now?: () => number;
  readonly log?: Pick<Logger, 'info' | 'warn'>;
}

/** What one round did. */
export interface LimitsRoundResult {
  readonly examined: number;
  readonly proposed: number;
  /** Proposals the sink took as new (the others were already open under their key). */
  readonly created: number;
}

/**
 * One round of the resource-limits advisor: for each watched process in a cgroup, its samples of
 * the window and its current limits go through `adviseLimits`, and each proposal to the sink (which
 * deduplicates by key). A process that fails (gone, unreadable) is skipped and the round goes on.
 */
export async function runLimitsRound(d: LimitsRoundDeps): Promise<LimitsRoundResult> {
  const now = (d.now ?? Date.now)();
  const windowMs = d.windowMs ?? 24 * 3600_000;
  let examined = 0;
  let proposed = 0;
  let created = 0;
  for (const p of await d.listProcesses()) {
    try {
      const limits = d.readLimits(p.pid);
      if (limits === undefined || (limits.cpu?.limit == null && limits.memory?.limit == null)) continue;
      examined++;
      const samples = await d.loadSamples(p.source, now - windowMs, now);
      const agentSource = d.agentOf?.(p);
      const proposals = adviseLimits({ source: p.source, ...(agentSource ? { agentSource } : {}), cpu: limits.cpu, memory: limits.memory, samples }, d.settings);
      for (const proposal of proposals) {
        proposed++;
        if ((await d.sink(proposal)).created) {
          created++;
          d.log?.info({ source: p.source, action: proposal.action, params: proposal.params }, proposal.rationale);
        }
      }
    } catch (err) {
      d.log?.warn({ err, source: p.source }, 'limits advisor skipped a process');
    }
  }
  return { examined, proposed, created };
}

/**
 * The limits advisor as a component: a round every `intervalMs` (default 15 minutes), one at a
 * time, its timer unref'd; stop waits for a round in progress.
 */
export function createLimitsAdvisorStage(d: LimitsRoundDeps & { readonly intervalMs?: number }): Component {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  const tick = (): void => {
    if (running) return;
    running = runLimitsRound(d)
      .catch((err: unknown) => d.log?.warn({ err }, 'limits advisor round failed'))
      .finally(() => (running = null));
  };
  return {
    name: 'limits-advisor',
    start() {
      timer = setInterval(tick, d.intervalMs ?? 15 * 60_000);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
}
