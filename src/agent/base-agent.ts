import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.js';
import { openBus, type OpenBusOptions } from '../bus/open-bus.js';
import { PrefixedBus } from '../bus/prefixed-bus.js';
import type { Db } from '../store/db.js';
import { componentLogger } from './logger.js';

/** A part of an agent with a lifecycle. Started in registration order, stopped in reverse. */
export interface Component {
  readonly name: string;
  start?(): Promise<void> | void;
  /** Stops work and flushes what is buffered. */
  stop?(): Promise<void> | void;
  /** Extra readiness detail; `ready: false` makes `/readyz` answer 503. */
  health?(): { ready: boolean; detail?: unknown };
}

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

/** Readiness as `/readyz` reports it. */
export interface Readiness {
  readonly ready: boolean;
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
  readonly #components: Component[] = [];
  readonly #started: Component[] = [];
  readonly #abort = new AbortController();
  #bus: Bus | null = null;
  #db: Db | null = null;
  #stopping: Promise<void> | null = null;
  #running = false;
  #signalHandler: (() => void) | null = null;

  constructor(readonly opts: BaseAgentOptions) {
    this.log = opts.log;
    this.http = opts.http ? (opts.http.app ?? Fastify({ logger: false })) : null;
    if (this.http) this.#routeHealth(this.http);
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

  /** Registers a component; call before `start`. */
  use<C extends Component>(component: C): C {
    this.#components.push(component);
    return component;
  }

  /** Address the health/API server listens on, once started. */
  httpAddress(): string | null {
    const addr = this.http?.server.address();
    if (!addr || typeof addr === 'string') return addr ?? null;
    return `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
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
      for (const c of this.#components) {
        if (this.#started.includes(c)) continue;
        await c.start?.();
        this.#started.push(c);
        this.log.debug({ component: c.name }, 'started');
      }
      this.#running = true;
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
    this.#running = false;
    this.#abort.abort(new Error('agent stopping'));
    const timeoutMs = this.opts.stopTimeoutMs ?? 15_000;
    for (const c of [...this.#started].reverse()) {
      try {
        await withTimeout(Promise.resolve(c.stop?.()), timeoutMs, `${c.name} did not stop within ${timeoutMs} ms`);
      } catch (err) {
        this.log.error({ err, component: c.name }, 'component failed to stop cleanly');
      }
    }
    this.#started.length = 0;
    await this.#bus?.close().catch((err: unknown) => this.log.error({ err }, 'bus close failed'));
    await this.#db?.close().catch((err: unknown) => this.log.error({ err }, 'database close failed'));
    await this.http?.close().catch((err: unknown) => this.log.error({ err }, 'http close failed'));
    if (this.#signalHandler) {
      process.off('SIGINT', this.#signalHandler);
      process.off('SIGTERM', this.#signalHandler);
    }
  }

  /** Stops gracefully on SIGINT/SIGTERM; a second signal exits at once. */
  handleSignals(onStopped: (code: number) => void): void {
    let count = 0;
    this.#signalHandler = () => {
      count++;
      if (count > 1) {
        this.log.warn('second signal: exiting without waiting');
        onStopped(130);
        return;
      }
      this.log.info('stopping (signal)');
      this.stop().then(
        () => onStopped(0),
        () => onStopped(1),
      );
    };
    process.on('SIGINT', this.#signalHandler);
    process.on('SIGTERM', this.#signalHandler);
  }

  /** Current readiness: bus connected, database answering, every component ready. */
  async readiness(): Promise<Readiness> {
    const bus = this.#bus?.status() ?? { connected: false, state: 'connecting' };
    const busDetail =
      this.#bus?.kind === 'memory'
        ? { ...bus, embedded: true, note: 'in-process bus: no NATS server answered and NATS_URL is not set' }
        : bus;
    let database: { ok: boolean; kind?: string; error?: string } = { ok: true };
    if (this.opts.openDb) {
      if (!this.#db) database = { ok: false, error: 'not open yet' };
      else {
        try {
          await withTimeout(this.#db.ping(), 2000, 'database ping timed out');
          database = { ok: true, kind: this.#db.kind };
        } catch (err) {
          database = { ok: false, kind: this.#db.kind, error: String(err) };
        }
      }
    }
    const components: Record<string, unknown> = {};
    let componentsReady = true;
    for (const c of this.#components) {
      const h = c.health?.();
      if (!h) continue;
      components[c.name] = h.detail ?? h.ready;
      if (!h.ready) componentsReady = false;
    }
    return {
      ready: this.#running && bus.connected && database.ok && componentsReady,
      agent_id: this.opts.agentId,
      bus: busDetail,
      database,
      components,
    };
  }

  #routeHealth(app: FastifyInstance): void {
    app.get('/healthz', async () => ({ status: 'ok', agent_id: this.opts.agentId, uptime_s: Math.round(process.uptime()) }));
    app.get('/readyz', async (_req, reply) => {
      const r = await this.readiness();
      return reply.code(r.ready ? 200 : 503).send(r);
    });
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
      timer.unref();
    }),
  ]);
}
