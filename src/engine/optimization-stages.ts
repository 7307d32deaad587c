import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.js';
import type { InvalidMessageReporter } from '../bus/invalid-messages.js';
import type { NotificationSink } from '../alert/notification-queue.js';
import type { Config } from '../config/schema.js';
import type { MetricSnapshot } from '../model/snapshot.js';
import type { ActionApplier } from '../optimize/proposal.js';
import { ApplierRegistry } from '../optimize/stage/appliers.js';
import { DbAdvisorStage, dbAdvisorSettings } from '../optimize/stage/db/db-advisor-stage.js';
import { changeProfileSettings, OptimizationStage, optimizationSettings } from '../optimize/stage/optimization-stage.js';
import { OptimizingSubscriber } from '../optimize/stage/optimizing-subscriber.js';
import type { Profiling } from '../profile/service/profiling.js';
import type { Db } from '../store/db.js';
import type { MetricWriter } from '../store/metric-writer.js';
import { openPgSession } from '../store/pg-session.js';
import { buildAdvisors } from './advisors.js';

/** What the optimization loop is built from. */
export interface OptimizationDeps {
  readonly db: Db;
  readonly bus: Bus;
  readonly sink: NotificationSink;
  readonly invalid: InvalidMessageReporter;
  readonly writer: MetricWriter;
  readonly profiling: Profiling;
  readonly settings: () => Config;
  readonly logger: (component: string) => Logger;
  /** Appliers added to the installed ones (tests, embedding). */
  readonly appliers?: readonly ActionApplier[];
}

/** The optimization loop: the database advisor, the other advisors, the loop itself and the subscriber of the optimizing engine's announcements. */
export interface OptimizationStages {
  readonly dbAdvisor: DbAdvisorStage;
  readonly advisors: ReturnType<typeof buildAdvisors>;
  readonly optimization: OptimizationStage;
  readonly optimizing: OptimizingSubscriber;
}

/**
 * Builds the loop: the advisors propose to it, their appliers (and any given ones) apply for it,
 * the database advisor's statement readings are stored like any series and move the loop's event
 * time, and a look reads only after what arrived before it is stored.
 */
export function buildOptimization(deps: OptimizationDeps): OptimizationStages {
  const { db, logger, settings, writer } = deps;
  const c = settings();
  const dbAdvisor = new DbAdvisorStage({
    open: (url) => openPgSession(url, { applicationName: `${c.agent_id} db-advisor` }),
    settings: () => dbAdvisorSettings(settings()),
    log: logger('db-advisor'),
    // Stored like any series; the loop notes their event time, so judgements on them become due.
    append: (s: readonly MetricSnapshot[]) => {
      writer.append(s);
      optimization.observe(s);
    },
    // Bound late: the loop is built after the advisor, with the advisor's applier.
    proposals: (p) => optimization.propose(p),
  });
  const advisors = buildAdvisors({ db, bus: deps.bus, logger, sink: (p) => optimization.propose(p), indexApplier: dbAdvisor.applier, settings });
  const optimization: OptimizationStage = new OptimizationStage({
    db,
    bus: deps.sink,
    log: logger('optimize'),
    settings: () => optimizationSettings(settings()),
    appliers: new ApplierRegistry(withOverrides(advisors.appliers, deps.appliers ?? [])),
    // What arrived before a look is stored before it is read; what arrives meanwhile does not hold it up.
    flushWrites: () => writer.written(),
    retentionDays: () => settings().data_retention_days,
    profiling: { service: deps.profiling.service, settings: () => changeProfileSettings(settings()) },
  });
  const optimizing = new OptimizingSubscriber(deps.bus, optimization.service, deps.invalid, logger('optimize'));
  return { dbAdvisor, advisors, optimization, optimizing };
}

/** The installed appliers, less those whose actions a given applier (tests, embedding) takes over. */
function withOverrides(installed: readonly ActionApplier[], given: readonly ActionApplier[]): ActionApplier[] {
  const taken = new Set(given.flatMap((a) => a.actions));
  return [...installed.filter((a) => !a.actions.some((action) => taken.has(action))), ...given];
}
