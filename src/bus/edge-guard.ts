import type { RateLimitedLog } from '../lifecycle/rate-limited-log.js';
import { encodeJson } from '../wire/json.js';
import { DEFAULT_JSON_LIMITS, checkJsonLimits, type JsonLimits } from '../wire/json-limits.js';
import type { BusMessage, MessageHandler, SubscribeOptions, SubscriptionHealth } from './bus.js';

/** Longest text of an error repeated in a reply or in the health report. */
const MAX_ERROR_TEXT = 200;

/** Sends a reply payload; supplied by the transport. */
export type ReplySender = (subject: string, data: Uint8Array) => void;

function clip(text: string): string {
  return text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT - 3)}...` : text;
}

function errorText(err: unknown): string {
  try {
    return clip(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
  } catch {
    return 'unprintable error';
  }
}

/**
 * The edge every subscription of a bus goes through, so that no inbound message, however
 * shaped, stops the consumer: the payload's size, nesting depth and widest object are checked by
 * an iterative scan before the handler (and so any parser or validator) sees it; whatever the
 * handler throws, or its promise rejects with, is caught, counted, logged rate-limited and
 * answered with `{"ok": false, "error": {"code": "internal", ...}}`. Nothing escapes into the
 * transport's reader, which would otherwise stop delivering everything.
 */
export class EdgeGuard {
  readonly #limits: JsonLimits;
  #received = 0;
  #refused = 0;
  #failed = 0;
  #lastFailure: string | undefined;

  constructor(
    readonly subject: string,
    private readonly handler: MessageHandler,
    private readonly opts: SubscribeOptions,
    private readonly reply: ReplySender,
    private readonly log: RateLimitedLog,
  ) {
    this.#limits = { ...DEFAULT_JSON_LIMITS, ...stripUndefined(opts.limits ?? {}) };
  }

  /** Delivers one message to the handler, or refuses it; never throws. */
  readonly deliver = (msg: BusMessage): void => {
    this.#received++;
    try {
      const violation = checkJsonLimits(msg.data, this.#limits);
      if (violation) {
        this.#refused++;
        this.#refuse(msg, this.opts.limitCode ?? violation.code, violation.message);
        return;
      }
      const result = this.handler(msg) as unknown;
      if (result instanceof Promise) result.catch((err: unknown) => this.#fail(msg, err));
    } catch (err) {
      this.#fail(msg, err);
    }
  };

  #refuse(msg: BusMessage, code: string, reason: string): void {
    // A subscriber with its own rejection path logs there (rate-limited too); one line is enough.
    if (this.opts.onRefused) {
      this.opts.onRefused(msg, code, reason);
      return;
    }
    this.log.warn(`refused ${this.subject} ${code}`, { subject: msg.subject, code, reason, sizeBytes: msg.data.byteLength }, 'message refused at the edge');
    this.#answer(msg, code, reason);
  }

  #fail(msg: BusMessage, err: unknown): void {
    this.#failed++;
    const text = errorText(err);
    this.#lastFailure = text;
    this.log.error(`failed ${this.subject}`, () => ({ err, subject: msg.subject, sizeBytes: msg.data.byteLength }), 'message handler failed; answered with internal');
    try {
      this.#answer(msg, 'internal', `the message could not be handled: ${text}`);
    } catch {
      // The reply itself failed (connection closing): the failure is counted, nothing more to do.
    }
  }

  #answer(msg: BusMessage, code: string, message: string): void {
    if (msg.reply) this.reply(msg.reply, encodeJson({ ok: false, error: { code, message } }));
  }

  /** Counters and liveness; `alive` is the transport's to say. */
  health(alive: boolean): SubscriptionHealth {
    return {
      subject: this.subject,
      ...(this.opts.queue ? { queue: this.opts.queue } : {}),
      alive,
      received: this.#received,
      refused: this.#refused,
      failed: this.#failed,
      ...(this.#lastFailure !== undefined ? { lastFailure: this.#lastFailure } : {}),
    };
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
