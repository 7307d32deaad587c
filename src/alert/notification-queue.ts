/** The slice of the bus the queue needs. */
export interface NotificationSink {
  publish(subject: string, data: Uint8Array): void;
  /** False while the transport is down: notifications wait in the queue. */
  connected(): boolean;
  /** Sees every notification as it is queued, whether or not the bus is up (delivery beyond NATS). */
  offer?(n: Notification): void;
}

/** One message to publish. */
export interface Notification {
  readonly subject: string;
  readonly payload: Uint8Array;
}

/** Counters of the queue. */
export interface QueueStats {
  readonly queued: number;
  readonly published: number;
  readonly dropped: number;
  readonly failed: number;
}

/**
 * A bounded FIFO between alerting and the bus: published at once while the bus is connected,
 * held while it is not, and past `max` waiting messages the oldest is dropped and counted (a fresh
 * notification is worth more than a stale one).
 */
export class NotificationQueue {
  #items: Notification[] = [];
  #head = 0;
  #published = 0;
  #dropped = 0;
  #failed = 0;

  constructor(
    private readonly sink: NotificationSink,
    private readonly max: number,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** Queues a message (showing it to the sink's `offer` first) and publishes what the bus accepts. */
  push(n: Notification): void {
    this.sink.offer?.(n);
    this.#items.push(n);
    if (this.size > this.max) {
      this.#head++;
      this.#dropped++;
    }
    this.drain();
  }

  /** Publishes waiting messages while the bus is connected; call again when it comes back. */
  drain(): void {
    while (this.#head < this.#items.length && this.sink.connected()) {
      const n = this.#items[this.#head]!;
      try {
        this.sink.publish(n.subject, n.payload);
        this.#published++;
      } catch (err) {
        // The bus said it was connected, so the message itself was refused: drop it, counted.
        this.#failed++;
        this.onError(err);
      }
      this.#head++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }

  get size(): number {
    return this.#items.length - this.#head;
  }

  stats(): QueueStats {
    return { queued: this.size, published: this.#published, dropped: this.#dropped, failed: this.#failed };
  }
}
