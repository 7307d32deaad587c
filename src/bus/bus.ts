import { encodeJson } from '../wire/json.js';
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

/** Handler of delivered messages. Must not throw; errors are the handler's to count and log. */
export type MessageHandler = (msg: BusMessage) => void;

/** Connection state reported by `/readyz` and `perf-engine status`. */
export interface BusStatus {
  readonly kind: 'nats' | 'memory';
  readonly connected: boolean;
  /** Server address, or `in-process` for the embedded bus. */
  readonly server: string;
  readonly reconnects: number;
  readonly lastError?: string;
}

/** Subscription options. */
export interface SubscribeOptions {
  /** Queue group: each message goes to one member of the group (scale-out over several engines). */
  readonly queue?: string;
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
  status(): BusStatus;
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

/** Replies to a message when it has a reply subject; does nothing otherwise. */
export function replyJson(bus: Bus, msg: BusMessage, value: unknown): void {
  if (msg.reply) bus.publish(msg.reply, encodeJson(value));
}
