import type { AnomalyLog } from '../detect/stage/anomaly-log.js';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { BaseAgent, type BusSource } from '../agent/base-agent.js';
import type { Bus } from '../bus/bus.js';
import { natsAuth } from '../bus/nats-settings.js';
import type { Collector } from '../collect/collector.js';
import { maskValue, type ConfigStore } from '../config/config-store.js';
import { checkedHttpTokens } from '../config/http-access.js';
import { CONFIG_KEYS, type ConfigKey } from '../config/schema.js';
import { buildApi, type EnginePhase } from '../api/build-api.js';
import type { HttpAccess } from '../api/http-auth.js';
import type { DetectionEvents } from '../detect/stream/detection-events.js';
import type { DiagnosisStage } from '../diagnose/stage/diagnosis-stage.js';
import type { ActionApplier } from '../optimize/proposal.js';
import type { OptimizationStage } from '../optimize/stage/optimization-stage.js';
import type { AutoDecision, BottleneckEvent } from '../profile/service/auto-profiler.js';
import { componentLogger } from '../lifecycle/logger.js';
import { withTimeout } from '../lifecycle/lifecycle.js';
import { acquireLock } from '../store/data-dir-lock.js';
import { storeLayout } from '../store/history-query.js';
import { migrate } from '../store/migrate.js';
import { describeDb, openDb } from '../store/open-db.js';
import { EngineMetrics, readStages } from './engine-metrics.js';
import { buildStages, type EngineStages } from './stages.js';

export { engineHostName } from './stages.js';

/** What the engine can be given instead of building it itself (tests, embedding). */
export interface EngineOverrides {
  /** An open bus to use instead of connecting. */
  readonly bus?: Bus;
  /** Collectors to run instead of the host and process collectors. */
  readonly collectors?: readonly Collector[];
  /** Address tried when no NATS URL is configured (tests point it at a closed port). */
  readonly defaultNatsUrl?: string;
  /** Appliers added to the installed ones. */
  readonly appliers?: readonly ActionApplier[];
  /**
   * Collection interval in seconds instead of `monitoring_interval_seconds` (whole seconds): tests
   * and embeddings that need sub-second collection. Live changes of the key then leave it alone.
   */
  readonly monitorIntervalSeconds?: number;
}

/** Builds the effective configuration report: value (secrets masked) and origin of every key. */
export function describeConfig(store: ConfigStore): Record<string, { value: unknown; origin: string }> {
  const cfg = store.current;
  return Object.fromEntries(
    CONFIG_KEYS.map((k) => [k, { value: maskValue(k, cfg[k]), origin: store.origins[k] }]),
  );
}

/**
 * The Performance Engine Agent: the composition root. Builds every stage, hands each its
 * dependencies, starts them in pipeline order (store before ingest and collection) and stops
 * them in reverse, so the writer flushes after the last sample has come in.
 */
export class PerformanceEngine {
  readonly agent: BaseAgent;
  readonly startedAt = new Date();
  /** Every stage, built at once by `buildStages` when the connections are open; null before. */
  #stages: EngineStages | null = null;
  #lock: ReturnType<typeof acquireLock> | null = null;
  #phase: EnginePhase = 'starting';
  /** The HTTP tokens, read and checked at start; null before (every route refuses, though nothing listens yet). */
  #access: HttpAccess | null = null;
  /** The Prometheus exposition of `GET /metrics`. */
  readonly metrics = new EngineMetrics({
    readings: () => (this.#stages ? readStages(this.#stages, this.agent.bus.status()) : null),
    latestTick: () => this.#stages?.latestTick() ?? [],
  });

  constructor(
    readonly config: ConfigStore,
    readonly log: Logger,
    private readonly overrides: EngineOverrides = {},
  ) {
    const c = config.current;
    const bus: BusSource = overrides.bus
      ? { bus: overrides.bus }
      : {
          url: c.nats_url,
          name: c.agent_id,
          ...natsAuth(c),
          ...(overrides.defaultNatsUrl ? { defaultUrl: overrides.defaultNatsUrl } : {}),
        };
    this.agent = new BaseAgent({
      agentId: c.agent_id,
      log,
      bus,
      openDb: () => openDb({ databaseUrl: c.database_url, schema: c.database_schema, dataDir: c.data_dir }),
      http: { host: c.http_host, port: c.http_port, app: this.#api(log) },
      subjectPrefix: c.nats_subject_prefix,
    });
  }

  #api(log: Logger): FastifyInstance {
    return buildApi({
      phase: () => this.#phase,
      db: () => this.agent.db,
      layout: () => {
        const tiers = this.#stages?.tiers;
        return tiers ? { ...storeLayout(this.config.current), unstoredSince: tiers.unstoredSince() } : storeLayout(this.config.current);
      },
      status: () => this.status(),
      config: () => describeConfig(this.config),
      profiles: () => this.#stages?.profiling.service ?? null,
      alerting: () => this.#stages?.alerting ?? null,
      log: componentLogger(log, 'api'),
      dbAdvisor: () => this.#running().dbAdvisor,
      access: () => this.#access,
      metrics: this.metrics,
      optimizations: () => this.#running().optimization.service,
      live: () => this.#stages?.live ?? null,
    });
  }

  /** The stages; only the data routes call it, and they answer 503 until the stages are built. */
  #running(): EngineStages {
    if (!this.#stages) throw new Error('the engine is still starting');
    return this.#stages;
  }

  /** The diagnosis stage (open bottlenecks, flush); null before start. */
  get diagnosis(): DiagnosisStage | null {
    return this.#stages?.diagnosis ?? null;
  }

  /** The optimization loop (proposals, judging, commands); null before start. */
  get optimization(): OptimizationStage | null {
    return this.#stages?.optimization ?? null;
  }

  /** The anomaly log (anomaly_events: flush, counters); null before start. */
  get anomalyLog(): AnomalyLog | null {
    return this.#stages?.anomalyLog ?? null;
  }

  /** The streaming detection stage's anomalies and followed series (for diagnosis); null before start. */
  get detection(): DetectionEvents | null {
    return this.#stages?.detection.events ?? null;
  }

  /**
   * Opens connections, migrates, wires the stages and starts them. Refuses, before anything
   * listens, an HTTP address beyond loopback without the tokens that protect it (ConfigError).
   */
  async start(): Promise<void> {
    const c = this.config.current;
    const tokens = checkedHttpTokens(c, (k) => this.config.origins[k as ConfigKey]);
    this.#access = { readToken: tokens.read, writeToken: tokens.write };
    if (!c.database_url) this.#lock = acquireLock(c.data_dir);
    this.log.info(
      { agentId: c.agent_id, database: describeDb({ databaseUrl: c.database_url, schema: c.database_schema, dataDir: c.data_dir }) },
      'starting performance engine',
    );
    try {
      await this.agent.open();
      this.#lock?.setHttp(this.agent.httpAddress());
      const { db, bus } = this.agent;
      const migrated = await migrate(db);
      if (migrated.applied.length > 0) this.log.info({ applied: migrated.applied }, 'migrations applied');
      const stages = buildStages({
        db,
        bus,
        config: this.config,
        log: this.log,
        logger: (name) => this.agent.logger(name),
        collectors: this.overrides.collectors,
        onWriterCommit: this.metrics.onWriterCommit,
        appliers: this.overrides.appliers,
        monitorIntervalSeconds: this.overrides.monitorIntervalSeconds,
      });
      for (const component of stages.components) this.agent.use(component);
      this.agent.use({ name: 'lock', stop: () => this.#lock?.release() });
      this.#stages = stages;
      await this.agent.startComponents();
      await subscriptionsReached(bus);
      this.#phase = 'running';
      this.log.info(
        { http: this.agent.httpAddress(), bus: bus.status(), intervalSeconds: c.monitoring_interval_seconds },
        'performance engine started',
      );
    } catch (err) {
      this.#lock?.release();
      throw err;
    }
  }

  /**
   * Tells the engine a bottleneck was detected (the diagnosis stage calls this): with
   * `enable_auto_profiling`, the affected source is profiled, within the auto-profiling budget.
   */
  onBottleneck(e: BottleneckEvent): AutoDecision {
    return this.#stages?.profiling.onBottleneck(e) ?? { started: false, reason: 'starting' };
  }

  /** Everything `perf-engine status` shows. */
  async status(): Promise<Record<string, unknown>> {
    const readiness = await this.agent.readiness();
    return {
      agent_id: this.config.current.agent_id,
      pid: process.pid,
      started_at: this.startedAt.toISOString(),
      ready: readiness.ready,
      status: readiness.status,
      bus: readiness.bus,
      database: readiness.database,
      ...stageStatus(this.#stages),
    };
  }

  /** Stops every stage in reverse order, flushing the writer, then closes connections. */
  async stop(): Promise<void> {
    this.#phase = 'stopping';
    await this.agent.stop();
    this.#lock?.release();
  }
}

/** The status of every stage, null for each before the stages are built. */
function stageStatus(s: EngineStages | null): Record<string, unknown> {
  return {
    monitor: s?.monitor.status() ?? null,
    ingest: s?.ingest.stats() ?? null,
    writer: s?.writer.stats() ?? null,
    outbox: s?.outbox.stats() ?? null,
    tiers: s?.tiers?.stats() ?? null,
    invalid_messages: s ? { total: s.invalid.total, by_reason: s.invalid.counts() } : null,
    config_updates: s?.liveConfig.stats() ?? null,
    retention: s?.retention.status() ?? null,
    partitions: s?.partitions.status() ?? null,
    profiling: s?.profiling.status() ?? null,
    detection: s?.detection.status() ?? null,
    anomaly_events: s?.anomalyLog.stats() ?? null,
    alerting: s?.alerting.status() ?? null,
    diagnosis: s?.diagnosis.status() ?? null,
    delivery: s?.delivery.status() ?? null,
    optimization: s?.optimization.status() ?? null,
  };
}

/**
 * Waits (at most 5 s) until the server has the subscriptions the stages made at start. Without it,
 * a request sent right after `start` could reach the server before the ingest subscription did:
 * then only the ingest stream, which cannot answer, takes it, and the requester waits in vain (a
 * CI run saw a 30 s timeout that way).
 */
async function subscriptionsReached(bus: Bus): Promise<void> {
  await withTimeout(bus.flush(), 5_000, 'bus flush').catch(() => undefined);
}
