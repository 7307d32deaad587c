import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.js';
import { openBus, type OpenBusOptions } from '../bus/open-bus.js';
import { PrefixedBus } from '../bus/prefixed-bus.js';
import type { Db } from '../store/db.js';
import type { Component } from '../lifecycle/component.js';
import { createHealthServer, listeningAddress } from '../lifecycle/health-server.js';
import { Lifecycle, onStopSignals, withTimeout } from '../lifecycle/lifecycle.js';
import { componentLogger } from '../lifecycle/logger.js';

/** How the agent reaches its bus: options to open one, or one already open (tests, embedding). */
export type BusSource = Omit<OpenBusOptions, 'log' | 'signal'> | { readonly bus: Bus };

/** Options of a base agent. */
export interface BaseAgentOptions {
  readonly agentId: string;
  readonly log: Logger;
  readonly bus: BusSource;
  /** Opens the database; omitted for agents without one. */
  readonly openDb?: () => Promise<Db>;
  /** Health server address, and the app to add the health routes to (a bare one by default); omitted for none. */
  readonly http?: { readonly host: string; readonly port: number; readonly app?: FastifyInstance };
  /** Prefix of every subject (isolated platforms on one server); none by default. */
  readonly subjectPrefix?: string;
  /** Longest a component may take to stop before it is abandoned. */
  readonly stopTimeoutMs?: number;
}

/**
 * Readiness as `/readyz` reports it. `status`: `ready`; `degraded` when running with the bus or the
 * database down or a component not ready (the process keeps working on what it can: collecting,
 * buffering within its bounds); `unavailable` while starting or stopping.
 */
export interface Readiness {
  readonly ready: boolean;
  readonly status: 'ready' | 'degraded' | 'unavailable';
  readonly agent_id: string;
  readonly bus: unknown;
  readonly database: unknown;
  readonly components: Record<string, unknown>;
}

/**
 * The core every agent of the platform is built on: the NATS (or in-process) bus, structured
 * logging, the database handle, health endpoints, and an ordered lifecycle that stops in reverse
 * on SIGINT/SIGTERM, flushing what components buffer.
 */
export class BaseAgent {
  readonly log: Logger;
  readonly http: FastifyInstance | null;
  readonly #lifecycle: Lifecycle;
  readonly #abort = new AbortController();
  #bus: Bus | null = null;
  #db: Db | null = null;
  #stopping: Promise<void> | null = null;
  #removeSignalHandlers: (() => void) | null = null;

  constructor(readonly opts: BaseAgentOptions) {
    this.log = opts.log;
    this.#lifecycle = new Lifecycle(opts.log, opts.stopTimeoutMs);
    this.http = opts.http ? createHealthServer(opts.agentId, () => this.readiness(), opts.http.app) : null;
  }

  /** The bus; throws before `start` opened it. */
  get bus(): Bus {
    if (!this.#bus) throw new Error('bus not open yet');
    return this.#bus;
  }

  /** The database; throws when the agent has none or before `start` opened it. */
  get db(): Db {
    if (!this.#db) throw new Error('database not open');
    return this.#db;
  }

  /** A child logger for one component. */
  logger(component: string): Logger {
    return componentLogger(this.log, component);
  }

  /** Registers a component; call before `startComponents`. */
  use<C extends Component>(component: C): C {
    return this.#lifecycle.use(component);
  }

  /** Address the health/API server listens on, once started. */
  httpAddress(): string | null {
    return listeningAddress(this.http);
  }

  /**
   * Opens, in order, the health server (so liveness answers during a slow start), the database
   * and the bus. Components may be registered after this, using `db` and `bus`.
   */
  async open(): Promise<void> {
    try {
      if (this.http && this.opts.http) await this.http.listen({ host: this.opts.http.host, port: this.opts.http.port });
      if (this.opts.openDb) this.#db = await this.opts.openDb();
      const bus =
        'bus' in this.opts.bus
          ? this.opts.bus.bus
          : await openBus({ ...this.opts.bus, log: this.logger('bus'), signal: this.#abort.signal });
      this.#bus = this.opts.subjectPrefix ? new PrefixedBus(bus, this.opts.subjectPrefix) : bus;
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Starts the registered components in order; on a failure, what started is stopped again. */
  async startComponents(): Promise<void> {
    try {
      await this.#lifecycle.start();
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** `open` then `startComponents`. */
  async start(): Promise<void> {
    await this.open();
    await this.startComponents();
  }

  /** Stops components in reverse order, then the bus (drained), the database and the server. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stopAll();
    return this.#stopping;
  }

  async #stopAll(): Promise<void> {
    this.#abort.abort(new Error('agent stopping'));
    await this.#lifecycle.stop();
    await this.#bus?.close().catch((err: unknown) => this.log.error({ err }, 'bus close failed'));
    await this.#db?.close().catch((err: unknown) => this.log.error({ err }, 'database close failed'));
    await this.http?.close().catch((err: unknown) => this.log.error({ err }, 'http close failed'));
    this.#removeSignalHandlers?.();
  }

  /** Stops gracefully on SIGINT/SIGTERM; a second signal exits at once. */
  handleSignals(onStopped: (code: number) => void): void {
    this.#removeSignalHandlers = onStopSignals(this.log, () => this.stop(), onStopped);
  }

  /**
   * Current readiness: bus connected and delivering (a round trip to the server within 2 s, and
   * every subscription standing), database answering, every component ready.
   */
  async readiness(): Promise<Readiness> {
    const [busOk, database] = await Promise.all([this.#bus ? this.#bus.probe(2000) : false, this.#databaseHealth()]);
    const bus = this.#bus?.status() ?? { connected: false, state: 'connecting', subscriptions: [] };
    const busDetail =
      this.#bus?.kind === 'memory'
        ? { ...bus, embedded: true, note: 'in-process bus: no NATS server answered and NATS_URL is not set' }
        : bus;
    const subscriptionsOk = bus.subscriptions.every((s) => s.alive);
    const { ready: componentsReady, components } = this.#lifecycle.componentHealth();
    const running = this.#lifecycle.running;
    const ready = running && bus.connected && busOk && subscriptionsOk && database.ok && componentsReady;
    return {
      ready,
      status: ready ? 'ready' : running ? 'degraded' : 'unavailable',
      agent_id: this.opts.agentId,
      bus: busDetail,
      database,
      components,
    };
  }

  async #databaseHealth(): Promise<{ ok: boolean; kind?: string; error?: string }> {
    if (!this.opts.openDb) return { ok: true };
    if (!this.#db) return { ok: false, error: 'not open yet' };
    try {
      await withTimeout(this.#db.ping(), 2000, 'database ping timed out');
      return { ok: true, kind: this.#db.kind };
    } catch (err) {
      return { ok: false, kind: this.#db.kind, error: String(err) };
    }
  }
}
