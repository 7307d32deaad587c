import type { Logger } from 'pino';
import type { Bus, BusMessage, MessageHandler, PublishOptions, SubscribeOptions } from './bus.js';

interface Held {
  readonly subject: string;
  readonly data: Uint8Array | string;
  readonly opts: PublishOptions | undefined;
}

/** Counters of the outbox. */
export interface OutboxStats {
  readonly held: number;
  readonly sent: number;
  readonly dropped: number;
}

/**
 * A bus that holds what is published while the connection is down and sends it, in order, once
 * it is back. nats.js discards its outbound buffer when it reconnects, so without this whatever
 * the engine published during an outage (its own metrics, reports) would be lost. Bounded: past
 * `maxMessages` held, the oldest is dropped and counted. The in-process bus is always connected.
 */
export class OutboxBus implements Bus {
  #held: Held[] = [];
  #head = 0;
  #timer: NodeJS.Timeout | null = null;
  #sent = 0;
  #dropped = 0;

  constructor(
    readonly inner: Bus,
    private readonly maxMessages: number,
    private readonly log: Logger,
    private readonly retryEveryMs = 250,
  ) {}

  get kind() {
    return this.inner.kind;
  }

  publish(subject: string, data: Uint8Array | string, opts?: PublishOptions): void {
    if (this.size === 0 && this.inner.connected()) {
      this.inner.publish(subject, data, opts);
      return;
    }
    if (this.size === 0) this.log.warn({ subject }, 'bus disconnected: holding publications until it is back');
    this.#held.push({ subject, data, opts });
    if (this.size > this.maxMessages) {
      this.#head++;
      this.#dropped++;
    }
    this.#timer ??= setInterval(() => this.drain(), this.retryEveryMs);
    this.#timer.unref();
  }

  /** Sends what is held, in order, while the bus is connected. */
  drain(): void {
    while (this.size > 0 && this.inner.connected()) {
      const h = this.#held[this.#head++]!;
      this.inner.publish(h.subject, h.data, h.opts);
      this.#sent++;
    }
    if (this.size === 0) {
      if (this.#held.length > 0) this.log.info({ sent: this.#sent, dropped: this.#dropped }, 'held publications sent');
      this.#held = [];
      this.#head = 0;
      if (this.#timer) clearInterval(this.#timer);
      this.#timer = null;
    } else if (this.#head > 1024 && this.#head * 2 > this.#held.length) {
      this.#held = this.#held.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Publications waiting for the connection. */
  get size(): number {
    return this.#held.length - this.#head;
  }

  /** Held, sent after an outage, and dropped publications. */
  stats(): OutboxStats {
    return { held: this.size, sent: this.#sent, dropped: this.#dropped };
  }

  subscribe(subject: string, handler: MessageHandler, opts?: SubscribeOptions): () => void {
    return this.inner.subscribe(subject, handler, opts);
  }

  request(subject: string, data: Uint8Array | string, timeoutMs: number): Promise<BusMessage> {
    return this.inner.request(subject, data, timeoutMs);
  }

  async flush(): Promise<void> {
    this.drain();
    await this.inner.flush();
  }

  /** Whether the connection underneath answers a round trip within `timeoutMs`. */
  probe(timeoutMs: number): Promise<boolean> {
    return this.inner.probe(timeoutMs);
  }

  status() {
    return this.inner.status();
  }

  connected(): boolean {
    return this.inner.connected();
  }

  /** Sends what it can, stops retrying and closes the bus underneath. */
  async close(): Promise<void> {
    this.stop();
    await this.inner.close();
  }

  /** Sends what it can now and stops retrying (what is still held is given up, counted). */
  stop(): void {
    this.drain();
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#dropped += this.size;
    this.#held = [];
    this.#head = 0;
  }
}
