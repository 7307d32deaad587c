import type { Logger } from 'pino';
import type { Config } from '../../../config/schema.js';
import type { MetricSnapshot } from '../../../model/snapshot.js';
import { nextPlanLimit, type DbFindings, type MissingPiece } from '../../db/db-findings.js';
import { resolveDbTargets, type ResolvedTargets } from '../../db/db-targets.js';
import type { OptimizationProposal, ProposalSink } from '../../proposal.js';
import { toValidName } from '../../../model/metric-names.js';
import { adviseTarget } from './advise-target.js';
import { DatabaseDirectory } from './database-directory.js';
import type { DbAdvisorMemory, DbAdvisorSettings } from './db-advisor.js';
import { IndexApplier } from './index-applier.js';
import type { SessionOpener } from './sql-session.js';
import { StatementSeriesReader } from './statement-series-reader.js';

/** What the stage reads from the configuration at each pass. */
export interface DbAdvisorStageSettings {
  readonly databases: readonly string[];
  readonly engineUrl: string | null;
  /** Seconds between passes; 0: no pass. */
  readonly intervalSeconds: number;
  /** Seconds between readings of the followed statements' series. */
  readonly seriesIntervalSeconds: number;
  readonly advisor: DbAdvisorSettings;
}

/** The stage's settings from the configuration. */
export function dbAdvisorSettings(c: Config): DbAdvisorStageSettings {
  return {
    databases: c.optimize_databases,
    engineUrl: c.database_url,
    intervalSeconds: c.optimize_db_interval_seconds,
    seriesIntervalSeconds: c.optimize_db_series_interval_seconds > 0 ? Math.max(0.1, c.optimize_db_series_interval_seconds) : c.monitoring_interval_seconds,
    advisor: advisorSettings(c),
  };
}

/** The advisor's thresholds from the configuration (also what `perf-engine advise db` uses). */
export function advisorSettings(c: Config): DbAdvisorSettings {
  return {
    minGain: c.optimize_db_min_gain,
    writeHeavyFactor: c.optimize_db_write_heavy_factor,
    maxStatements: c.optimize_db_max_statements,
    unusedMinDays: c.optimize_db_unused_min_days,
  };
}

/** What the stage is built from. */
export interface DbAdvisorStageDeps {
  readonly open: SessionOpener;
  readonly settings: () => DbAdvisorStageSettings;
  readonly log: Logger;
  /** Where proposals go (the optimization lifecycle); without one they are only logged. */
  readonly proposals?: ProposalSink;
  /** Where the statement series go (the metric writer). */
  readonly append: (snapshots: readonly MetricSnapshot[]) => void;
}

/** Queryids of the statement series (`<database>:<queryid>`) a proposal is judged on. */
function judgedStatements(database: string, p: OptimizationProposal): string[] {
  const prefix = `${toValidName(database)}:`;
  return p.expect.flatMap((e) => (e.source?.startsWith(prefix) ? [e.source.slice(prefix.length)] : []));
}

interface TargetState {
  memory: DbAdvisorMemory | null;
  planLimit: number;
  missing: string;
  latest: DbFindings | null;
}

/**
 * The database advisor in the engine: every `optimize_db_interval_seconds`, one pass over each
 * watched database (findings kept for the API, proposals handed to the lifecycle, what is missing
 * logged when it changes), and, every monitoring interval, the series of the statements its index
 * proposals are for. Passes never overlap; a pass over its 1 % budget plans fewer statements next time.
 */
export class DbAdvisorStage {
  readonly name = 'db-advisor';
  readonly directory: DatabaseDirectory;
  readonly series: StatementSeriesReader;
  readonly applier: IndexApplier;
  readonly #targets = new Map<string, TargetState>();
  #passTimer: NodeJS.Timeout | null = null;
  #seriesTimer: NodeJS.Timeout | null = null;
  #running: Promise<readonly DbFindings[]> | null = null;
  #resolved: ResolvedTargets;

  constructor(private readonly deps: DbAdvisorStageDeps) {
    const s = deps.settings();
    this.#resolved = resolveDbTargets(s.databases, s.engineUrl);
    this.directory = new DatabaseDirectory(() => this.#resolved.targets, deps.open);
    this.series = new StatementSeriesReader(this.directory, deps.open, deps.append);
    this.applier = new IndexApplier(this.directory, deps.open);
  }

  start(): void {
    for (const m of this.#resolved.missing) this.deps.log.info({ fix: m.fix }, `database advisor off: ${m.detail}`);
    this.#schedulePass();
    this.#scheduleSeries();
  }

  async stop(): Promise<void> {
    for (const t of [this.#passTimer, this.#seriesTimer]) if (t) clearTimeout(t);
    this.#passTimer = this.#seriesTimer = null;
    await this.#running?.catch(() => undefined);
    await this.series.close();
  }

  /** Reschedules after a change of the interval keys. */
  applyConfig(changed: readonly string[]): void {
    if (changed.includes('optimize_db_interval_seconds') && this.#passTimer !== null) this.#schedulePass();
  }

  /** The findings of the last pass over each database. */
  latest(): DbFindings[] {
    return [...this.#targets.values()].flatMap((t) => (t.latest ? [t.latest] : []));
  }

  /** What keeps the advisor from watching any database (PGlite without optimize_databases...). */
  missing(): readonly MissingPiece[] {
    return this.#resolved.missing;
  }

  /** One pass over every watched database (joins the pass under way, if any). */
  runPass(): Promise<readonly DbFindings[]> {
    this.#running ??= this.#pass().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  #schedulePass(): void {
    if (this.#passTimer) clearTimeout(this.#passTimer);
    this.#passTimer = null;
    const seconds = this.deps.settings().intervalSeconds;
    if (seconds <= 0 || this.#resolved.targets.length === 0) return;
    this.#passTimer = setTimeout(() => {
      void this.runPass().finally(() => this.#schedulePass());
    }, seconds * 1000);
    this.#passTimer.unref();
  }

  #scheduleSeries(): void {
    this.#seriesTimer = setTimeout(() => {
      void this.series
        .sample()
        .then((errors) => errors.forEach((e) => this.deps.log.warn(e)))
        .finally(() => {
          if (this.#seriesTimer !== null) this.#scheduleSeries();
        });
    }, this.deps.settings().seriesIntervalSeconds * 1000);
    this.#seriesTimer.unref();
  }

  async #pass(): Promise<readonly DbFindings[]> {
    const s = this.deps.settings();
    const out: DbFindings[] = [];
    for (const { url } of this.#resolved.targets) {
      const t = this.#targets.get(url) ?? { memory: null, planLimit: s.advisor.maxStatements, missing: '', latest: null };
      this.#targets.set(url, t);
      const windowMs = s.intervalSeconds * 1000;
      const r = await adviseTarget(this.deps.open, url, { settings: s.advisor, planLimit: t.planLimit, memory: t.memory, windowMs });
      const f = r.findings;
      t.memory = r.memory;
      t.latest = f;
      t.planLimit = nextPlanLimit(t.planLimit, s.advisor.maxStatements, f.cost.ms, windowMs);
      if (f.error === null) this.directory.learn(f.database, url);
      this.#logMissing(t, f);
      await this.#hand(f);
      out.push(f);
    }
    return out;
  }

  #logMissing(t: TargetState, f: DbFindings): void {
    const key = JSON.stringify(f.missing);
    if (key === t.missing) return;
    t.missing = key;
    for (const m of f.missing) this.deps.log.warn({ database: f.database, fix: m.fix }, `database advisor: ${m.detail}`);
  }

  async #hand(f: DbFindings): Promise<void> {
    const log = this.deps.log;
    log.info(
      { database: f.database, statements: f.statements.length, proposals: f.proposals.length, lockWaits: f.lockWaits.length, cacheHitRatio: f.cache?.ratio, cost: f.cost, error: f.error },
      'database advisor pass',
    );
    for (const p of f.proposals) {
      // The statements each proposal is judged on (an index's own, or those writing the table of a drop).
      this.series.track(f.database, judgedStatements(f.database, p));
      if (!this.deps.proposals) continue;
      try {
        const r = await this.deps.proposals(p);
        if (r.created) log.info({ optimizationId: r.optimizationId, key: p.key }, p.rationale);
      } catch (err) {
        log.error({ err, key: p.key }, 'proposal not taken');
      }
    }
  }
}
