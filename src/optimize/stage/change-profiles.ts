import { gunzipSync } from 'node:zlib';
import type { Logger } from 'pino';
import { analyzeProfileBytes } from '../../profile/analysis/analyze-profile.js';
import { compareProfiles, type FunctionChange } from '../../profile/analysis/profile-diff.js';
import { ProfilingBudget, type BudgetLimits } from '../../profile/service/profiling-budget.js';
import { getRawProfile } from '../../profile/service/profile-repository.js';
import type { ProfileJob, StartResult } from '../../profile/service/profile-service.js';
import type { Queryable } from '../../store/db.js';
import type { OptimizationRecord } from '../optimization-record.js';

/** Functions kept in a stored difference: the largest moves of self time. */
export const PROFILE_DIFF_TOP = 10;

/** What the profiles of agent changes read from the configuration. */
export interface ChangeProfileSettings {
  /** Length of each profile; 0: agent changes are not profiled. */
  readonly seconds: number;
  /** The automatic-profiling budget the pair of profiles counts against (cooldown left out: the pair is one use). */
  readonly limits: BudgetLimits;
}

/** The stored profiles of an agent change (table `optimization_profiles`). */
export interface ChangeProfiles {
  readonly status: 'pending' | 'complete' | 'skipped';
  readonly before_profile_id: string | null;
  readonly after_profile_id: string | null;
  /** Largest moves of self time first: shares of each profile, in percent, and the move in points. */
  readonly changes: readonly FunctionChange[] | null;
  readonly reason: string | null;
}

/** What the profiler is built from. */
export interface ChangeProfilerDeps {
  readonly db: Queryable;
  /** The profiling service (`Profiling.service`): its limits (one profile per target, concurrency) hold. */
  readonly profiles: { start(job: ProfileJob): StartResult };
  readonly settings: () => ChangeProfileSettings;
  readonly log: Pick<Logger, 'info' | 'warn'>;
  readonly now?: () => number;
}

/** The stored profiles and difference of an optimization, or null when it was not profiled. */
export async function getChangeProfiles(q: Queryable, optimizationId: string): Promise<ChangeProfiles | null> {
  const r = await q.query<ChangeProfiles>(
    'SELECT status, before_profile_id::text, after_profile_id::text, changes, reason FROM optimization_profiles WHERE optimization_id = $1',
    [optimizationId],
  );
  return r.rows[0] ?? null;
}

async function save(q: Queryable, id: string, p: Partial<ChangeProfiles> & { status: ChangeProfiles['status'] }): Promise<void> {
  await q.query(
    `INSERT INTO optimization_profiles (optimization_id, status, before_profile_id, after_profile_id, changes, reason)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (optimization_id) DO UPDATE SET status = $2, before_profile_id = coalesce($3, optimization_profiles.before_profile_id),
       after_profile_id = coalesce($4, optimization_profiles.after_profile_id), changes = $5, reason = $6, updated_at = now()`,
    [id, p.status, p.before_profile_id ?? null, p.after_profile_id ?? null, p.changes ? JSON.stringify(p.changes) : null, p.reason ?? null],
  );
}

/**
 * CPU profiles of an agent around a configuration change the engine applies (docs/optimization.md):
 * one before it is applied, one once it has settled, through the profiling service and within the
 * automatic-profiling budget (the pair counted as one use of twice the length), and the
 * per-function difference of self time stored with the optimization. A profile that cannot be
 * taken leaves the optimization as it is, with the reason stored.
 */
export class ChangeProfiler {
  readonly #budget: ProfilingBudget;
  readonly #running = new Set<Promise<void>>();
  readonly #now: () => number;

  constructor(private readonly deps: ChangeProfilerDeps) {
    this.#now = deps.now ?? Date.now;
    this.#budget = new ProfilingBudget(deps.settings().limits);
  }

  /** Before the engine applies `r` (a `set_agent_config`): records the agent's profile, within the budget. */
  async before(r: OptimizationRecord): Promise<void> {
    const s = this.deps.settings();
    const agent = agentOf(r);
    if (agent === null || s.seconds <= 0) return;
    this.#budget.setLimits({ ...s.limits, cooldownSeconds: 0 });
    const ms = s.seconds * 1000;
    const decision = this.#budget.check(`agent:${agent}`, 2 * ms, this.#now());
    if (!decision.ok) return save(this.deps.db, r.id, { status: 'skipped', reason: `profiling budget: ${decision.reason}, retry in ${Math.ceil(decision.retryInMs / 1000)} s` });
    this.#budget.record(`agent:${agent}`, 2 * ms, this.#now());
    const before = await this.#profile(agent, s.seconds, r.id, 'before');
    if ('error' in before) return save(this.deps.db, r.id, { status: 'skipped', reason: `profile before the change: ${before.error}` });
    await save(this.deps.db, r.id, { status: 'pending', before_profile_id: before.id });
  }

  /** Once `r` is applied: after `settleMs`, the second profile and the difference (in the background). */
  after(r: OptimizationRecord, settleMs: number): void {
    const agent = agentOf(r);
    if (agent === null) return;
    const p = this.#after(r, agent, settleMs)
      .catch((err: unknown) => this.deps.log.warn({ err, optimization_id: r.id }, 'profile after the change failed'))
      .finally(() => this.#running.delete(p));
    this.#running.add(p);
  }

  /** Resolves once the profiles under way are stored. */
  async settled(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  async #after(r: OptimizationRecord, agent: string, settleMs: number): Promise<void> {
    const stored = await getChangeProfiles(this.deps.db, r.id);
    if (stored?.status !== 'pending' || stored.before_profile_id === null) return;
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    const after = await this.#profile(agent, this.deps.settings().seconds, r.id, 'after');
    if ('error' in after) return save(this.deps.db, r.id, { status: 'skipped', reason: `profile after the change: ${after.error}` });
    const changes = await this.#diff(stored.before_profile_id, after.id);
    if (typeof changes === 'string') return save(this.deps.db, r.id, { status: 'skipped', after_profile_id: after.id, reason: changes });
    await save(this.deps.db, r.id, { status: 'complete', after_profile_id: after.id, changes });
    this.deps.log.info({ optimization_id: r.id, top: changes[0]?.function ?? null }, 'agent change profiled before and after');
  }

  async #profile(agent: string, seconds: number, optimizationId: string, side: 'before' | 'after'): Promise<{ id: string } | { error: string }> {
    const started = this.deps.profiles.start({ target: { agent_id: agent }, kind: 'cpu', durationSeconds: seconds, trigger: 'auto', context: { optimization_id: optimizationId, side } });
    if (!started.ok) return { error: `${started.code}: ${started.message}` };
    const report = await started.done;
    return report.error === null ? { id: report.profile_id } : { error: report.error };
  }

  async #diff(beforeId: string, afterId: string): Promise<FunctionChange[] | string> {
    const sides = [];
    for (const id of [beforeId, afterId]) {
      const raw = await getRawProfile(this.deps.db, id);
      if (!raw) return `profile ${id} has no stored raw profile`;
      const a = analyzeProfileBytes(gunzipSync(raw.gzip));
      if (a.kind !== 'cpu') return `profile ${id} is not a CPU profile`;
      sides.push({ functions: a.profile.functions, totals: a.analysis.totals, callTree: a.analysis.callTree });
    }
    return largestSelfTimeMoves(compareProfiles(sides[0]!, sides[1]!));
  }
}

/**
 * The functions whose self time moved most (milliseconds, the two profiles being of the same
 * length), idle time left out (it is not work), with their shares of each profile.
 */
export function largestSelfTimeMoves(changes: readonly FunctionChange[], top = PROFILE_DIFF_TOP): FunctionChange[] {
  return changes
    .filter((c) => !(c.function === '(idle)' && c.url === ''))
    .sort((a, b) => Math.abs(b.after_self - b.before_self) - Math.abs(a.after_self - a.before_self))
    .slice(0, top);
}

function agentOf(r: OptimizationRecord): string | null {
  const id = r.params.agent_id;
  return r.action === 'set_agent_config' && typeof id === 'string' ? id : null;
}
