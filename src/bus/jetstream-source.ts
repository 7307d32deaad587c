import { jetstream, jetstreamManager, type Consumer, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { Bus } from './bus.js';
import { ensureIngestStream, type IngestStreamSettings } from './ingest-stream.js';
import { MSG_ID_HEADER, NatsBus } from './nats-bus.js';
import { PrefixedBus } from './prefixed-bus.js';

/**
 * A message from a durable source: acknowledged once stored, or handed back to be delivered again.
 * Its methods work detached from it, so that a taker can keep them (a {@link DurableReceipt}) until
 * the commit without keeping `data`, a view of the socket read the message came in.
 */
export interface DurableMessage extends DurableReceipt {
  readonly data: Uint8Array;
}

/** What a taker keeps of a {@link DurableMessage} until it is stored. */
export interface DurableReceipt {
  /** The publisher's message id (`Nats-Msg-Id`), when it set one. */
  readonly msgId?: string;
  /** Delivered before (to this engine or another one): its snapshots may be stored already. */
  readonly redelivered: boolean;
  /** Stored: the source forgets it. */
  ack(): void;
  /** Not stored now: delivered again, after `delayMs` if given. */
  nak(delayMs?: number): void;
  /** Can never be stored (invalid): the source drops it. */
  term(): void;
}

/** State of the durable source for `status` and `/readyz`. */
export interface DurableSourceStatus {
  readonly stream: string;
  readonly consumer: string;
  /** The last pull worked (false while the stream cannot be reached). */
  readonly consuming: boolean;
  readonly delivered: number;
  /** Delivered and neither acknowledged nor handed back yet. */
  readonly unacked: number;
  readonly lastError?: string;
}

/** The NATS connection under a bus and the prefix of its subjects; null for the in-process bus. */
export function natsConnectionOf(bus: Bus): { nc: NatsConnection; prefix: string } | null {
  let prefix = '';
  let inner = bus;
  if (inner instanceof PrefixedBus) {
    prefix = inner.prefix;
    inner = inner.inner;
  }
  return inner instanceof NatsBus ? { nc: inner.nc, prefix } : null;
}

/** Messages per pull: what one pull can add beyond the writer's bound, at most. */
const FETCH_MESSAGES = 1000;
const FETCH_EXPIRES_MS = 5000;
const IDLE_WAIT_MS = 25;

/** The JetStream acknowledgement protocol's payloads (the same bytes `JsMsg` sends). */
const PAYLOADS = {
  ack: Uint8Array.of(43, 65, 67, 75), // +ACK
  nak: Uint8Array.of(45, 78, 65, 75), // -NAK
  term: Uint8Array.of(43, 84, 69, 82, 77), // +TERM
  working: Uint8Array.of(43, 87, 80, 73), // +WPI
} as const;
const TEXT = new TextEncoder();

type Outcome = keyof typeof PAYLOADS;
/** Sends a delivery's outcome to JetStream (a `nak` with a delay: delivered again after it). */
type OutcomeSender = (o: Outcome, delayMs?: number) => void;

/**
 * Where a delivery's outcome goes: published to its reply subject (JetStream's acknowledgement
 * protocol, as `JsMsg` does it), so that only that short string is kept until the commit. A `JsMsg`
 * holds its payload, a view of the socket read it came in: keeping it for the commit (0.3 s under
 * load) kept the reads of that time alive. nats.js has the subject at run time
 * without declaring it; should it go, the `JsMsg`'s own methods are used.
 */
function outcomeSender(nc: NatsConnection, m: JsMsg): OutcomeSender {
  const reply = (m as { reply?: unknown }).reply;
  // Two functions, so that the closure sent to the subject does not share a scope holding the JsMsg.
  return typeof reply === 'string' && reply.startsWith('$JS.ACK.') ? replySender(nc, reply) : jsMsgSender(m);
}

function replySender(nc: NatsConnection, reply: string): OutcomeSender {
  return (o, delayMs) =>
    nc.publish(reply, o === 'nak' && delayMs !== undefined ? TEXT.encode(`-NAK ${JSON.stringify({ delay: delayMs * 1_000_000 })}`) : PAYLOADS[o]);
}

function jsMsgSender(m: JsMsg): OutcomeSender {
  return (o, delayMs) => (o === 'ack' ? m.ack() : o === 'nak' ? m.nak(delayMs) : o === 'term' ? m.term() : m.working());
}

/**
 * Pulls the ingest stream's durable consumer and hands each message over, pulling only while the
 * taker has room (`canTake`): when it has none, the messages stay in the stream (back-pressure,
 * nothing dropped). Messages held longer than a third of the ack wait are kept alive (`working`),
 * so a long database outage does not make JetStream deliver them again; after a crash, what the
 * dead engine held is delivered again once the ack wait has passed.
 */
export class JetStreamSource {
  /** The deliveries not settled yet (by where their outcome goes), and when each was last said to be in work. */
  readonly #unacked = new Map<OutcomeSender, number>();
  #consumer: Consumer | null = null;
  #batch: ConsumerMessages | null = null;
  #loop: Promise<void> | null = null;
  #sweeper: NodeJS.Timeout | null = null;
  #stopped = false;
  #consuming = false;
  #delivered = 0;
  #failures = 0;
  #lastError: string | undefined;

  constructor(
    private readonly nc: NatsConnection,
    readonly settings: IngestStreamSettings,
    private readonly log: Logger,
  ) {}

  /** Creates or checks the stream and the consumer (throws when JetStream refuses), then starts pulling. */
  async start(handler: (m: DurableMessage) => void, canTake: () => boolean): Promise<void> {
    await this.#ensure();
    this.#stopped = false;
    this.#loop = this.#run(handler, canTake);
    // Touched once a third of the ack wait old, checked every sixth: at most half the ack wait
    // passes between two signs of life, leaving the other half for a slow event loop.
    const third = (this.settings.ackWaitSeconds * 1000) / 3;
    this.#sweeper = setInterval(() => this.#keepAlive(third), third / 2);
    this.#sweeper.unref();
  }

  async #ensure(): Promise<Consumer> {
    const jsm = await jetstreamManager(this.nc);
    await ensureIngestStream(jsm, this.settings, this.log);
    this.#consumer = await jetstream(this.nc).consumers.get(this.settings.stream, this.settings.consumer);
    return this.#consumer;
  }

  async #run(handler: (m: DurableMessage) => void, canTake: () => boolean): Promise<void> {
    while (!this.#stopped) {
      if (!canTake() || this.nc.isClosed()) {
        await sleep(IDLE_WAIT_MS);
        continue;
      }
      try {
        const consumer = this.#consumer ?? (await this.#ensure());
        this.#batch = await consumer.fetch({ max_messages: FETCH_MESSAGES, expires: FETCH_EXPIRES_MS });
        this.#consuming = true;
        for await (const m of this.#batch) {
          this.#delivered++;
          const send = outcomeSender(this.nc, m);
          this.#unacked.set(send, Date.now());
          this.#deliver(handler, this.#wrap(m, send), m.seq);
        }
        this.#failures = 0;
      } catch (err) {
        if (this.#stopped) break;
        this.#failed(err);
        await sleep(Math.min(5000, 250 * 2 ** Math.min(this.#failures, 5)));
      } finally {
        this.#batch = null;
      }
    }
  }

  /** Hands a message over; one that makes the handler throw goes back to JetStream, delayed. */
  #deliver(handler: (m: DurableMessage) => void, wrapped: DurableMessage, seq: number): void {
    try {
      handler(wrapped);
    } catch (err) {
      this.log.error({ err, stream: this.settings.stream, seq }, 'ingest handler failed; message handed back');
      wrapped.nak(this.settings.ackWaitSeconds * 1000);
    }
  }

  #failed(err: unknown): void {
    this.#consuming = false;
    this.#consumer = null;
    this.#lastError = String(err);
    if (this.#failures++ % 20 === 0) {
      this.log.warn({ err: String(err), failures: this.#failures, stream: this.settings.stream }, 'cannot pull the ingest stream; retrying');
    }
  }

  /** The message as the taker sees it; its outcome is sent once, then it is forgotten. */
  #wrap(m: JsMsg, send: OutcomeSender): DurableMessage {
    const msgId = m.headers?.get(MSG_ID_HEADER);
    const settle = (o: Outcome, delayMs?: number) => {
      if (this.#unacked.delete(send)) send(o, delayMs);
    };
    return {
      data: m.data,
      ...(msgId ? { msgId } : {}),
      redelivered: m.redelivered,
      ack: () => settle('ack'),
      nak: (delayMs?: number) => settle('nak', delayMs),
      term: () => settle('term'),
    };
  }

  /** Tells JetStream that messages held for `olderThanMs` are still being worked on. */
  #keepAlive(olderThanMs: number): void {
    const now = Date.now();
    for (const [send, at] of this.#unacked) {
      if (now - at < olderThanMs) continue;
      send('working');
      this.#unacked.set(send, now);
    }
  }

  /** The consumer's state as this engine sees it. */
  status(): DurableSourceStatus {
    return {
      stream: this.settings.stream,
      consumer: this.settings.consumer,
      consuming: this.#consuming,
      delivered: this.#delivered,
      unacked: this.#unacked.size,
      ...(this.#lastError ? { lastError: this.#lastError } : {}),
    };
  }

  /** Stops pulling; messages handed over stay the taker's to acknowledge or hand back. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#sweeper) clearInterval(this.#sweeper);
    this.#sweeper = null;
    this.#batch?.stop();
    await this.#loop;
    this.#loop = null;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
