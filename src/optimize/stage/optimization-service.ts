import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AutoApplyName } from '../../config/optimization-schema.js';
import type { ExpectDirection, OptimizationActor, OptimizationOrigin } from '../../model/optimization.js';
import type { Db } from '../../store/db.js';
import type { OptimizationAppliedMessage } from '../../wire/optimizing.js';
import { parseInboundTimestamp } from '../../wire/common.js';
import type { JudgeSettings } from '../impact-judge.js';
import { stepOptimization, type OptimizationEvent, type Transition } from '../optimization-machine.js';
import type { OptimizationRecord } from '../optimization-record.js';
import type { ActionStep, OptimizationProposal } from '../proposal.js';
import { isChanging, mayAutoApply, proposalProblem, proposedRecord } from '../proposals.js';
import { deriveUndo, stepProblem } from '../undo.js';
import type { ApplierRegistry } from './appliers.js';
import { getOptimization, insertOptimization, saveOptimization } from './optimization-repo.js';

/** The optimization settings of the running configuration, times in milliseconds. */
export interface OptimizationSettings {
  readonly judge: JudgeSettings;
  readonly autoApply: readonly AutoApplyName[];
  readonly maxWaitMs: number;
  readonly insightsIntervalMs: number;
  readonly baselineMs: number;
}

/** Why a command was refused: a stable code (the API's error code) and a sentence. */
export type CommandError = { readonly ok: false; readonly code: 'not_found' | 'conflict' | 'not_applied' | 'no_applier' | 'advice' | 'no_undo' | 'invalid' | 'apply_failed'; readonly message: string };
/** The outcome of a command: the optimization as it now is, or why not. */
export type CommandResult = { readonly ok: true; readonly record: OptimizationRecord } | CommandError;

/** A proposal that does not fit the contract (parameters, undo, judging metrics). */
export class ProposalError extends Error {
  override readonly name = 'ProposalError';
}

/** What the service is built from. */
export interface OptimizationServiceDeps {
  readonly db: Db;
  readonly appliers: ApplierRegistry;
  readonly settings: () => OptimizationSettings;
  readonly log: Pick<Logger, 'info' | 'warn' | 'error'>;
  readonly now?: () => number;
  readonly newId?: () => string;
  /** Told of every stored transition (the stage publishes from its outbox, and follows verdicts). */
  readonly onTransition?: (r: OptimizationRecord, t: Transition) => void;
  /**
   * Whether the metrics that will judge a proposal have a before window yet (the stage reads the
   * store); until they do, the engine does not apply it on its own. Absent: always ready.
   */
  readonly readyToApply?: (r: OptimizationRecord) => Promise<boolean>;
  /** Profiles an agent before the engine changes its configuration, and after the change settles. */
  readonly changeProfiles?: { before(r: OptimizationRecord): Promise<void>; after(r: OptimizationRecord, settleMs: number): void };
}

const fail = (code: CommandError['code'], message: string): CommandError => ({ ok: false, code, message });
const digest = (v: unknown) => createHash('sha256').update(JSON.stringify(v)).digest('hex').slice(0, 16);

/**
 * The optimizations' commands, shared by the stage, the bus, the API and the CLI: take proposals
 * (deduplicated by key), record what others applied or undid, and carry out changes and undos
 * with the registered appliers. Every write is a step of the state machine saved under an
 * optimistic version check, retried on a concurrent write; the engine's own actions are written
 * as an intent first, so a restart finishes them rather than applying twice.
 */
export class OptimizationService {
  readonly #now: () => number;
  readonly #newId: () => string;
  readonly #running = new Set<Promise<void>>();
  /** Proposals the configuration allows the engine to apply, waiting for their before window. */
  readonly #waiting = new Set<string>();

  constructor(private readonly deps: OptimizationServiceDeps) {
    this.#now = deps.now ?? Date.now;
    this.#newId = deps.newId ?? randomUUID;
  }

  /** Stores an advisor's proposal unless its key is open; a new one the configuration allows is applied at once. */
  async propose(p: OptimizationProposal, origin: OptimizationOrigin = 'advisor'): Promise<{ optimizationId: string; created: boolean }> {
    const problem = proposalProblem(p);
    if (problem) throw new ProposalError(`proposal ${p.key}: ${problem}`);
    const r = proposedRecord(p, this.#newId(), origin, this.#now());
    const { id, created } = await insertOptimization(this.deps.db, r, true);
    if (created) {
      this.deps.onTransition?.(r, { event: 'proposed', status: 'proposed', at: r.proposedAt, by: 'engine', reason: null });
      if (this.#allowed(p.action)) await this.#autoApply(r);
    }
    return { optimizationId: id, created };
  }

  /**
   * Applies, in the background, proposals the configuration allows whose judging metrics now have
   * a before window; `stored` adds those found in the table (at start: proposed, no intent).
   */
  async applyWaiting(stored: readonly OptimizationRecord[] = []): Promise<void> {
    for (const r of stored) if (r.status === 'proposed' && r.intent === null && this.#allowed(r.action)) this.#waiting.add(r.id);
    for (const id of [...this.#waiting]) {
      const r = await getOptimization(this.deps.db, id);
      if (!r || r.status !== 'proposed' || r.intent !== null) this.#waiting.delete(id);
      else if (await this.#ready(r)) {
        this.#waiting.delete(id);
        this.#background(this.apply(id, 'optimization_auto_apply'), id);
      }
    }
  }

  /** Proposals waiting for their before window before the engine applies them. */
  waiting(): number {
    return this.#waiting.size;
  }

  async #autoApply(r: OptimizationRecord): Promise<void> {
    if (await this.#ready(r)) this.#background(this.apply(r.id, 'optimization_auto_apply'), r.id);
    else {
      this.#waiting.add(r.id);
      this.deps.log.info({ optimization_id: r.id, key: r.key }, 'applied once its judging metrics have a before window');
    }
  }

  async #ready(r: OptimizationRecord): Promise<boolean> {
    return this.deps.readyToApply ? this.deps.readyToApply(r) : true;
  }

  /** `optimizing.optimization_applied`: a proposal the optimizing engine applied, or a change of its own, judged the same way. */
  async announceApplied(m: OptimizationAppliedMessage): Promise<CommandResult> {
    const at = parseInboundTimestamp(m.applied_at);
    if (m.optimization_id !== undefined) {
      const known = await getOptimization(this.deps.db, m.optimization_id);
      if (!known) return fail('not_found', `no optimization ${m.optimization_id}`);
      if (m.action !== undefined && m.action !== known.action) return fail('conflict', `optimization ${known.id} is ${known.action}, not ${m.action}`);
      return this.#record(known.id, () => this.#applied(at, 'optimizing_engine', m.params));
    }
    const undoGiven = (m as { undo?: ActionStep }).undo;
    if (undoGiven !== undefined && stepProblem(undoGiven) !== null) return fail('invalid', `undo: ${stepProblem(undoGiven)}`);
    const params = m.params ?? {};
    const step = { action: m.action!, params };
    const p: OptimizationProposal = {
      ...step,
      source: m.source!,
      bottleneckId: null,
      undo: undoGiven ?? deriveUndo(step),
      rationale: 'a change the optimizing engine made on its own',
      predicted: {},
      expect: m.expect!.map((e) => {
        const source = (e as { source?: unknown }).source;
        return { metric: e.metric, direction: e.direction as ExpectDirection, ...(typeof source === 'string' ? { source } : {}) };
      }),
      key: `announced:${m.source}:${m.action}:${at}:${digest(params)}`,
    };
    // Announced as already made: stored without a `proposed` step of its own.
    const { id } = await insertOptimization(this.deps.db, proposedRecord(p, this.#newId(), 'optimizing_engine', at), false);
    return this.#record(id, () => this.#applied(at, 'optimizing_engine'));
  }

  /** Records that someone applied the optimization at `at` (an operator by hand, or the optimizing engine). */
  markApplied(id: string, at: number, by: OptimizationActor): Promise<CommandResult> {
    return this.#record(id, () => this.#applied(at, by));
  }

  /** Records that the optimization's undo was applied at `at`; its rollback is judged from then on. */
  markRolledBack(id: string, at: number, by: OptimizationActor): Promise<CommandResult> {
    return this.#record(id, () => ({ type: 'rolled_back', at, by, wall: this.#now(), settings: this.deps.settings().judge }));
  }

  /** Applies a proposed optimization with its applier (an operator's request, or what the configuration allows). */
  async apply(id: string, why: 'operator' | 'optimization_auto_apply' = 'operator'): Promise<CommandResult> {
    const r = await getOptimization(this.deps.db, id);
    if (!r) return fail('not_found', `no optimization ${id}`);
    if (!isChanging(r.action)) return fail('advice', `${r.action} is advice: people or the orchestrator act on it, never the engine`);
    if (r.status !== 'proposed' || r.intent !== null) return fail('conflict', `optimization ${id} is ${r.status}${r.intent ? ` (being ${r.intent === 'apply' ? 'applied' : 'rolled back'})` : ''}`);
    const applier = this.deps.appliers.get(r.action);
    if (!applier) return fail('no_applier', `no applier for ${r.action} is installed in this engine`);
    const marked = await this.#record(id, (x) => (x.status === 'proposed' && x.intent === null ? { type: 'intent', intent: 'apply' } : fail('conflict', `optimization ${id} is ${x.status}`)));
    if (!marked.ok) return marked;
    return this.#carryOut(marked.record, 'apply', why);
  }

  /** Undoes an applied optimization with the applier of its undo (an operator's request, or after a regression the configuration allows to roll back). */
  async rollback(id: string, why: 'operator' | 'optimization_auto_apply' = 'operator'): Promise<CommandResult> {
    const r = await getOptimization(this.deps.db, id);
    if (!r) return fail('not_found', `no optimization ${id}`);
    if (r.appliedAt === null) return fail('not_applied', `optimization ${id} was never applied`);
    if (r.status === 'rolled_back' || r.status === 'failed') return fail('conflict', `optimization ${id} is ${r.status}`);
    if (r.undo === null) return fail('no_undo', `optimization ${id} has no known undo`);
    if (!this.deps.appliers.get(r.undo.action)) return fail('no_applier', `no applier for ${r.undo.action} is installed in this engine`);
    const marked = await this.#record(id, (x) => (x.intent === null ? { type: 'intent', intent: 'rollback' } : fail('conflict', `optimization ${id} is being ${x.intent === 'apply' ? 'applied' : 'rolled back'}`)));
    if (!marked.ok) return marked;
    return this.#carryOut(marked.record, 'rollback', why);
  }

  /** Finishes the engine's own actions a stop interrupted (appliers are idempotent: applying what is in place changes nothing). */
  async resume(r: OptimizationRecord): Promise<CommandResult> {
    if (r.intent === 'apply' && r.status === 'proposed') return this.#carryOut(r, 'apply', 'optimization_auto_apply');
    if (r.intent === 'rollback' && r.status !== 'rolled_back') return this.#carryOut(r, 'rollback', 'optimization_auto_apply');
    return this.#record(r.id, () => ({ type: 'intent', intent: null }));
  }

  /** After a regression: rolls the change back (in the background) when the configuration allows its undo and an applier exists. */
  afterRegression(r: OptimizationRecord): void {
    if (r.undo === null || !this.#allowed(r.undo.action)) return;
    this.#background(this.rollback(r.id, 'optimization_auto_apply'), r.id);
  }

  /** Resolves once the engine's own actions under way have finished. */
  async settled(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  /** Runs an action of the engine's own without holding its caller up (applying an index can take minutes). */
  #background(op: Promise<CommandResult>, id: string): void {
    const p = op
      .then((done) => {
        if (!done.ok) this.deps.log.warn({ optimization_id: id, code: done.code, reason: done.message }, 'automatic action not done');
      })
      .catch((err: unknown) => this.deps.log.error({ err, optimization_id: id }, 'automatic action failed unexpectedly'))
      .finally(() => this.#running.delete(p));
    this.#running.add(p);
  }

  #allowed(action: OptimizationRecord['action']): boolean {
    return mayAutoApply(action, this.deps.settings().autoApply) && this.deps.appliers.get(action) !== null;
  }

  #applied(at: number, by: OptimizationActor, params?: Readonly<Record<string, unknown>>, note?: string): OptimizationEvent {
    return { type: 'applied', at, by, wall: this.#now(), settings: this.deps.settings().judge, ...(params ? { params } : {}), ...(note ? { note } : {}) };
  }

  /** Runs the applier for the change or its undo, then records the outcome. */
  async #carryOut(r: OptimizationRecord, what: 'apply' | 'rollback', why: 'operator' | 'optimization_auto_apply'): Promise<CommandResult> {
    const step = what === 'apply' ? { action: r.action, params: r.params } : r.undo!;
    const note = why === 'operator' ? "by the engine at an operator's request" : 'by the engine (optimization_auto_apply)';
    // Profiled only when the engine changes an agent on its own: an operator's apply is not held up by a profile.
    const profiled = what === 'apply' && why === 'optimization_auto_apply';
    if (profiled) await this.deps.changeProfiles?.before(r).catch((err: unknown) => this.deps.log.warn({ err, optimization_id: r.id }, 'profile before the change failed'));
    try {
      await this.deps.appliers.get(step.action)!.apply(step);
    } catch (err) {
      const reason = `${what === 'apply' ? 'applying' : 'undoing'} ${step.action} failed: ${(err as Error).message}`;
      this.deps.log.error({ err, optimization_id: r.id }, reason);
      const event: OptimizationEvent = what === 'apply' ? { type: 'failed', at: this.#now(), reason } : { type: 'rollback_failed', reason };
      const recorded = await this.#record(r.id, () => event);
      return recorded.ok ? fail('apply_failed', reason) : recorded;
    }
    this.deps.log.info({ optimization_id: r.id, action: step.action, why }, what === 'apply' ? 'optimization applied' : 'optimization rolled back');
    const at = this.#now();
    const done = await this.#record(r.id, () => (what === 'apply' ? this.#applied(at, 'engine', undefined, `applied ${note}`) : { type: 'rolled_back', at, by: 'engine', wall: at, settings: this.deps.settings().judge, note: `undone ${note}` }));
    if (profiled && done.ok) this.deps.changeProfiles?.after(done.record, this.deps.settings().judge.settleMs);
    return done;
  }

  /**
   * Reads the optimization, steps it with the event `make` gives (or its refusal), and saves it if
   * nobody wrote it meanwhile; on a concurrent write, reads it again (a few times).
   */
  async #record(id: string, make: (r: OptimizationRecord) => OptimizationEvent | CommandError): Promise<CommandResult> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const r = await getOptimization(this.deps.db, id);
      if (!r) return fail('not_found', `no optimization ${id}`);
      const e = make(r);
      if ('ok' in e) return e;
      const s = stepOptimization(r, e);
      if (!s.ok) return fail(s.code, s.message);
      if (s.record === r) return { ok: true, record: r };
      if (await saveOptimization(this.deps.db, r.version, s.record, s.transition)) {
        const saved = { ...s.record, version: r.version + 1 };
        if (s.transition) this.deps.onTransition?.(saved, s.transition);
        return { ok: true, record: saved };
      }
    }
    return fail('conflict', `optimization ${id} keeps changing under concurrent writes`);
  }

  /** Steps an optimization with an event of the judging (the stage's looks and verdicts). */
  step(id: string, e: OptimizationEvent): Promise<CommandResult> {
    return this.#record(id, () => e);
  }
}
