import { encodeJson } from '../wire/json.js';
import type { JsonLimits } from '../wire/json-limits.js';
/** A message as delivered to a subscriber. */
export interface BusMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  /** Reply subject, when the publisher waits for an answer. */
  readonly reply?: string;
  /** The publisher's message id (NATS header `Nats-Msg-Id`), when it set one. */
  readonly msgId?: string;
}

/** Options of a publication. */
export interface PublishOptions {
  readonly reply?: string;
  /** Sent as the `Nats-Msg-Id` header: a retry with the same id is recognised as the same message. */
  readonly msgId?: string;
}

/**
 * Handler of delivered messages. It should not throw; if it does (or its promise rejects), the
 * bus edge catches, counts, logs (rate-limited) and answers the message with `internal`.
 */
export type MessageHandler = (msg: BusMessage) => void;

/** Health of one subscription, as `/readyz` reports it. */
export interface SubscriptionHealth {
  readonly subject: string;
  readonly queue?: string;
  /** Still subscribed, and the connection's reader still delivers (false makes `/readyz` answer 503). */
  readonly alive: boolean;
  readonly received: number;
  /** Refused at the edge: over a size, depth or key limit. */
  readonly refused: number;
  /** Handler threw or rejected; answered with `internal`. */
  readonly failed: number;
  readonly lastFailure?: string;
}

/** Connection state reported by `/readyz` and `perf-engine status`. */
export interface BusStatus {
  readonly kind: 'nats' | 'memory';
  readonly connected: boolean;
  /** Server address, or `in-process` for the embedded bus. */
  readonly server: string;
  readonly reconnects: number;
  readonly lastError?: string;
  /**
   * Whether the last round trip to the server came back. A connection whose reader died is still
   * "connected" but delivers nothing; this is how `/readyz` tells.
   */
  readonly readerAlive: boolean;
  readonly subscriptions: readonly SubscriptionHealth[];
}

/** Subscription options. */
export interface SubscribeOptions {
  /** Queue group: each message goes to one member of the group (scale-out over several engines). */
  readonly queue?: string;
  /** Size, depth and key bounds checked before the handler runs; unset ones are `DEFAULT_JSON_LIMITS`. */
  readonly limits?: Partial<JsonLimits>;
  /** Code replied for a message over the limits, instead of `too_large`/`too_deep`/`too_many_keys` (subjects with a closed set of codes). */
  readonly limitCode?: string;
  /**
   * How the subscriber rejects a message refused at the edge (count, announce, reply). Default:
   * reply `{"ok": false, "error": {code, message}}` when the message has a reply subject.
   */
  readonly onRefused?: (msg: BusMessage, code: string, reason: string) => void;
}

/**
 * The transport the engine and agents use: NATS, or an in-process bus with the same semantics
 * (subject wildcards `*` and `>`, queue groups, request/reply).
 */
export interface Bus {
  readonly kind: 'nats' | 'memory';
  publish(subject: string, data: Uint8Array | string, opts?: PublishOptions): void;
  subscribe(subject: string, handler: MessageHandler, opts?: SubscribeOptions): () => void;
  /** Sends a request and waits for the first reply; rejects with `BusTimeoutError` after `timeoutMs`. */
  request(subject: string, data: Uint8Array | string, timeoutMs: number): Promise<BusMessage>;
  /** Resolves once everything published so far has reached the server. */
  flush(): Promise<void>;
  /** Makes a round trip to the server within `timeoutMs`; false when none came back (the reader is dead or the link down). */
  probe(timeoutMs: number): Promise<boolean>;
  status(): BusStatus;
  /** Whether the link is up now: `status().connected` without building the whole report (asked on every publish). */
  connected(): boolean;
  /** Drains subscriptions and closes. */
  close(): Promise<void>;
}

/** A request got no reply in time. */
export class BusTimeoutError extends Error {
  override readonly name = 'BusTimeoutError';
  constructor(subject: string, timeoutMs: number) {
    super(`no reply on ${subject} within ${timeoutMs} ms`);
  }
}

/** A request found nobody subscribed to its subject. */
export class NoRespondersError extends Error {
  override readonly name = 'NoRespondersError';
  constructor(subject: string) {
    super(`no responders on ${subject}`);
  }
}

/** Replies to a message (or to what was kept of it: its reply subject) when it has a reply subject; does nothing otherwise. */
export function replyJson(bus: Bus, msg: Pick<BusMessage, 'reply'>, value: unknown): void {
  if (msg.reply) bus.publish(msg.reply, encodeJson(value));
}
