import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Static, TSchema } from '@sinclair/typebox';
import { wireAjv } from '../wire/wire-ajv.js';
import type { Logger } from 'pino';
import { encodeJson } from '../wire/json.js';
import { SUBJECTS } from '../wire/subjects.js';
import { isValidName, toValidName } from '../model/metric-names.js';
import { MAX_LABEL_VALUE_LENGTH } from '../model/limits.js';
import { LABEL_VALUE_PATTERN } from '../wire/realtime-metrics.js';
import { BaseAgent, type BaseAgentOptions } from './base-agent.js';
import { HandlerRunner, type Handler, type HandlerOptions } from './handler-runner.js';
import { AgentInstrumentation } from './instrumentation/agent-instrumentation.js';
import { instrumentDb } from './instrumentation/instrumented-db.js';
import { createLogger } from '../lifecycle/logger.js';
import { ProfileResponder, type ProfilerOptions } from './profiler/profile-responder.js';
import { AgentTunables, type Tunable, type TunableOptions, type TunableValueOf } from './tunables.js';
import type { Db } from '../store/db.js';
import type { TunableType } from '../model/agent-tunable.js';

/** Control of a served subject, returned by `handle`. */
export interface HandlerControl {
  /** Calls allowed to run at once. */
  readonly concurrency: number;
  /** Changes it at run time (an integer ≥ 1), e.g. from a `concurrency` tunable. */
  setConcurrency(n: number): void;
}

/** Settings of the built-in instrumentation. */
export interface InstrumentationSettings {
  /** A number above 0; default 256. */
  readonly timedCallsPerSecond?: number;
}

const LABEL_VALUE_RE = new RegExp(LABEL_VALUE_PATTERN, 'u');

/** Options of an SDK agent: those of the base agent, with a default logger and the SDK's extras. */
export interface AgentOptions extends Omit<BaseAgentOptions, 'log'> {
  /** Default: JSON lines on stdout at `info`, named after the agent. */
  readonly log?: Logger;
  /**
   * Built-in metrics on `monitoring.realtime_metrics`; on by default. `false` measures nothing at
   * all. `{timedCallsPerSecond}`: handler calls and queries timed per second once they are more
   * than twice as many (default 256; more steadies the p95, fewer cost less; every call is counted).
   */
  readonly instrumentation?: boolean | InstrumentationSettings;
  /** How often the agent publishes its snapshot, ms. Default 15,000 (the engine's default interval). */
  readonly metricsIntervalMs?: number;
  /** Answer `agent.<agent_id>.profile`; on by default. */
  readonly profiling?: boolean | ProfilerOptions;
  /** Host name on the snapshots; default the OS host name. */
  readonly host?: string;
}

/**
 * An agent of the platform built on the SDK: the base agent (bus, logging, database, lifecycle,
 * health) plus request handlers declared with a schema, a database handle whose queries are
 * timed, the built-in metrics snapshot every interval and in-process profiling on request.
 *
 * ```ts
 * const agent = new Agent({ agentId: 'order-agent-1', bus: { url: process.env.NATS_URL ?? null, name: 'order-agent-1' } });
 * agent.handle('orders.get', Type.Object({ id: Type.Integer() }), async ({ id }) => ({ id }));
 * await agent.start();
 * ```
 */
export class Agent extends BaseAgent {
  readonly instrumentation: AgentInstrumentation | null;
  /** The agent's tunables, published on `agent.<agent_id>.tunables` and set by `config.<agent_id>.updated`. */
  readonly tunables: AgentTunables;
  readonly #runners: HandlerRunner<unknown>[] = [];
  readonly #labels: Record<string, string> = {};
  #handlersStarted = false;

  constructor(opts: AgentOptions) {
    if (!isValidName(opts.agentId)) throw new Error(`agent id "${opts.agentId}" must be 1-128 characters of A-Z a-z 0-9 _ . : -`);
    const log = opts.log ?? createLogger({ level: 'info', name: opts.agentId });
    const instrumented = opts.instrumentation !== false;
    const timedCallsPerSecond = typeof opts.instrumentation === 'object' && opts.instrumentation !== null ? opts.instrumentation.timedCallsPerSecond : undefined;
    if (timedCallsPerSecond !== undefined && !(Number.isFinite(timedCallsPerSecond) && timedCallsPerSecond > 0)) {
      throw new Error(`instrumentation.timedCallsPerSecond must be a finite number above 0, not ${timedCallsPerSecond}`);
    }
    let instrumentation: AgentInstrumentation | null = null;
    let opened: Db | undefined;
    const openDb = opts.openDb && (async () => (opened = await opts.openDb!()));
    super({
      ...opts,
      log,
      ...(openDb ? { openDb: instrumented ? async () => instrumentDb(await openDb(), instrumentation!.queries) : openDb } : {}),
    });
    if (instrumented) {
      instrumentation = new AgentInstrumentation({
        source: opts.agentId,
        host: toValidName(opts.host ?? hostname()),
        intervalMs: opts.metricsIntervalMs ?? 15_000,
        hasDb: openDb !== undefined,
        pool: () => opened?.pool,
        labels: () => this.#labels,
        // A message id per snapshot: JetStream and the engine recognise it if it ever comes twice.
        publish: (s) => this.bus.publish(SUBJECTS.realtimeMetrics, encodeJson(s), { msgId: randomUUID() }),
        log: this.logger('instrumentation'),
        ...(timedCallsPerSecond !== undefined ? { timedCallsPerSecond } : {}),
      });
      this.use(instrumentation);
    }
    this.instrumentation = instrumentation;
    this.tunables = this.use(new AgentTunables(opts.agentId, () => this.bus, this.logger('tunables')));
    this.use({
      name: 'handlers',
      start: async () => {
        this.#handlersStarted = true;
        for (const r of this.#runners) r.start(this.bus);
        // Once start resolves, the server knows the subscriptions: a request sent then finds them.
        await this.bus.flush();
      },
      stop: async () => {
        this.#handlersStarted = false;
        await Promise.all(this.#runners.map((r) => r.stop(this.bus)));
      },
    });
    if (opts.profiling !== false) {
      const profilerOpts = typeof opts.profiling === 'object' ? opts.profiling : {};
      this.use(new ProfileResponder(opts.agentId, () => this.bus, this.logger('profiler'), profilerOpts));
    }
  }

  /**
   * Serves requests on `subject` (under the agent's subject prefix): each JSON body is validated
   * against `schema` (TypeBox or any JSON Schema) before `handler` sees it, and the reply is
   * `{"ok": true, ...result}`, or `{"ok": false, "error": {code, message}}` when the body is
   * invalid (`invalid_json`, `invalid_request`), the handler throws (`HandlerError`'s code, else
   * `internal`) or too many requests wait (`overloaded`). May be called before or after `start`.
   */
  handle<S extends TSchema>(subject: string, schema: S, handler: Handler<Static<S>>, options: HandlerOptions = {}): HandlerControl {
    const runner = new HandlerRunner<Static<S>>(
      subject,
      wireAjv.compile<Static<S>>(schema),
      handler,
      options,
      this.instrumentation?.handlers ?? null,
      this.logger(`handler:${subject}`),
    );
    this.#runners.push(runner as HandlerRunner<unknown>);
    if (this.#handlersStarted) runner.start(this.bus);
    return runner;
  }

  /**
   * Declares a tunable (docs/sdk.md#tunables): a setting with a type, bounds and a starting value
   * that the engine, the optimizing engine or an operator may change at run time through
   * `config.<agent_id>.updated`, within the bounds declared here. `apply` puts a new value into
   * effect. Declare before `start`, or any time after.
   */
  tunable<K extends TunableType>(name: string, options: TunableOptions<K>): Tunable<TunableValueOf<K>> {
    return this.tunables.declare(name, options);
  }

  /**
   * Sets labels carried by every later snapshot (e.g. `version`); an empty value removes one.
   * Throws, changing nothing, on a label the engine would reject with the whole snapshot: a name
   * outside the name rule, a value over 1024 characters or holding NUL or an unpaired surrogate.
   */
  setLabels(labels: Readonly<Record<string, string>>): void {
    for (const [k, v] of Object.entries(labels)) {
      if (!isValidName(k)) throw new Error(`label name ${JSON.stringify(k.slice(0, 140))} must be 1-128 characters of A-Z a-z 0-9 _ . : -`);
      if ([...v].length > MAX_LABEL_VALUE_LENGTH || !LABEL_VALUE_RE.test(v)) {
        throw new Error(`label ${k}: the value must be at most ${MAX_LABEL_VALUE_LENGTH} characters, without NUL or unpaired surrogates`);
      }
    }
    for (const [k, v] of Object.entries(labels)) {
      if (v === '') delete this.#labels[k];
      else this.#labels[k] = v;
    }
  }
}
