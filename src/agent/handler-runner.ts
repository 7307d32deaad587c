import { performance } from 'node:perf_hooks';
import type { ValidateFunction } from 'ajv';
import type { Logger } from 'pino';
import { type Bus, type BusMessage } from '../bus/bus.js';
import { encodeJsonTransient } from '../wire/json.js';
import { HandlerError } from './handler-error.js';
import type { JsonLimits } from '../wire/json-limits.js';
import { RateLimitedLog } from '../lifecycle/rate-limited-log.js';
import type { WorkStats } from './instrumentation/work-stats.js';

/** What a handler is given besides the validated body. */
export interface HandlerContext {
  /** The subject the request came on (without the platform prefix). */
  readonly subject: string;
  readonly log: Logger;
}

/** A handler's answer: an object whose fields are added to `{"ok": true}`, or nothing. */
export type HandlerResult = Record<string, unknown> | undefined | void;

/** A request handler: a validated body in, a result (or a promise of one) out. */
export type Handler<B> = (body: B, ctx: HandlerContext) => HandlerResult | Promise<HandlerResult>;

/** How a handler is served. */
export interface HandlerOptions {
  /** NATS queue group, so that several instances of the agent share the requests. */
  readonly queue?: string;
  /** Calls running at once (async handlers); more wait in a queue. Default 64. */
  readonly concurrency?: number;
  /** Calls waiting beyond `concurrency` before new ones are refused with `overloaded`. Default 1000. */
  readonly maxQueued?: number;
  /**
   * Size, depth and width bounds of a request body, checked before it is parsed; a body over them
   * is answered `invalid_request`. Default 1 MiB, 64 levels, 10,000 keys per object.
   */
  readonly limits?: Partial<JsonLimits>;
}

interface Pending {
  readonly msg: BusMessage;
  /** Arrival time when the call is timed, else -1. */
  readonly t0: number;
}

const decoder = new TextDecoder('utf-8', { fatal: true });
const OK = { ok: true } as const;

/**
 * Serves one subject: decodes and validates each request, runs the handler under a concurrency
 * limit with a bounded queue, and replies `{"ok": true, ...result}` or `{"ok": false, "error"}`.
 * With `stats`, each call is counted and timed (sampled at high rates, see `WorkStats`) from
 * arrival to reply, queue wait included, and failures are counted; without, nothing is measured.
 */
export class HandlerRunner<B> {
  readonly #queue: Pending[] = [];
  #queueHead = 0;
  #running = 0;
  #unsubscribe: (() => void) | null = null;
  #idle: (() => void) | null = null;
  readonly #limited: RateLimitedLog;
  #concurrency: number;
  #bus: Bus | null = null;
  readonly #maxQueued: number;
  readonly #ctx: HandlerContext;

  constructor(
    readonly subject: string,
    private readonly validate: ValidateFunction<B>,
    private readonly fn: Handler<B>,
    readonly options: HandlerOptions,
    private readonly stats: WorkStats | null,
    private readonly log: Logger,
  ) {
    this.#concurrency = Math.max(1, options.concurrency ?? 64);
    this.#maxQueued = Math.max(0, options.maxQueued ?? 1000);
    this.#ctx = { subject, log };
    this.#limited = new RateLimitedLog(log);
  }

  /** Calls allowed to run at once. */
  get concurrency(): number {
    return this.#concurrency;
  }

  /**
   * Changes how many calls may run at once (an integer ≥ 1): a higher limit starts queued calls at
   * once; a lower one lets running calls finish and starts no more until fewer run.
   */
  setConcurrency(n: number): void {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`concurrency must be an integer >= 1, not ${n}`);
    this.#concurrency = n;
    if (this.#bus) this.#next(this.#bus);
  }

  /** Subscribes on the bus. */
  start(bus: Bus): void {
    this.#bus = bus;
    this.#unsubscribe = bus.subscribe(this.subject, (m) => this.dispatch(bus, m), {
      ...(this.options.queue ? { queue: this.options.queue } : {}),
      ...(this.options.limits ? { limits: this.options.limits } : {}),
      limitCode: 'invalid_request',
    });
  }

  /** Unsubscribes, refuses what is still queued, and resolves once the running calls have answered. */
  async stop(bus: Bus): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    while (this.#queueHead < this.#queue.length) {
      const p = this.#queue[this.#queueHead++]!;
      this.#fail(bus, p, 'unavailable', 'the agent is stopping');
    }
    this.#queue.length = 0;
    this.#queueHead = 0;
    if (this.#running > 0) await new Promise<void>((resolve) => (this.#idle = resolve));
  }

  /** Handles one delivered request (public so benchmarks can drive it without a transport). */
  dispatch(bus: Bus, msg: BusMessage): void {
    const t0 = this.stats?.begin() ? performance.now() : -1;
    const pending: Pending = { msg, t0 };
    if (this.#running < this.#concurrency) this.#run(bus, pending);
    else if (this.#queue.length - this.#queueHead < this.#maxQueued) this.#queue.push(pending);
    else this.#fail(bus, pending, 'overloaded', `more than ${this.#maxQueued} requests waiting`);
  }

  #run(bus: Bus, p: Pending): void {
    let body: unknown;
    try {
      body = JSON.parse(decoder.decode(p.msg.data));
    } catch (err) {
      this.#fail(bus, p, 'invalid_json', `request is not UTF-8 JSON: ${(err as Error).message}`);
      return;
    }
    if (!this.validate(body)) {
      const e = this.validate.errors?.[0];
      this.#fail(bus, p, 'invalid_request', `request${e?.instancePath.replace(/\//g, '.') ?? ''}: ${e?.message ?? 'invalid'}`);
      return;
    }
    this.#running++;
    let result: HandlerResult | Promise<HandlerResult>;
    try {
      result = this.fn(body, this.#ctx);
    } catch (err) {
      this.#finish(bus, p, err, true);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (r) => this.#finish(bus, p, r, false),
        (err: unknown) => this.#finish(bus, p, err, true),
      );
    } else this.#finish(bus, p, result, false);
  }

  #finish(bus: Bus, p: Pending, outcome: unknown, threw: boolean): void {
    this.#running--;
    if (threw) this.#answerError(bus, p, outcome);
    else {
      let payload: Uint8Array;
      try {
        payload = encodeJsonTransient(outcome && typeof outcome === 'object' ? Object.assign({ ok: true }, outcome, OK) : OK);
      } catch (err) {
        this.#answerError(bus, p, err);
        this.#next(bus);
        return;
      }
      if (p.msg.reply) bus.publish(p.msg.reply, payload);
      if (this.stats) this.stats.end(p.t0 >= 0 ? performance.now() - p.t0 : -1, false);
    }
    this.#next(bus);
  }

  #next(bus: Bus): void {
    while (this.#running < this.#concurrency && this.#queueHead < this.#queue.length) {
      this.#run(bus, this.#queue[this.#queueHead++]!);
    }
    if (this.#queueHead > 1024 && this.#queueHead * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#queueHead);
      this.#queueHead = 0;
    }
    if (this.#running === 0 && this.#idle) {
      this.#idle();
      this.#idle = null;
    }
  }

  #answerError(bus: Bus, p: Pending, err: unknown): void {
    if (err instanceof HandlerError) {
      this.#fail(bus, p, err.code, err.message);
      return;
    }
    this.#limited.warn('handler failed', { err, subject: this.subject }, 'handler failed');
    this.#fail(bus, p, 'internal', err instanceof Error ? err.message : String(err));
  }

  #fail(bus: Bus, p: Pending, code: string, message: string): void {
    if (p.msg.reply) bus.publish(p.msg.reply, encodeJsonTransient({ ok: false, error: { code, message } }));
    if (this.stats) this.stats.end(p.t0 >= 0 ? performance.now() - p.t0 : -1, true);
  }
}
