import type { Notification } from '../notification-queue.js';

interface PendingWrite {
  readonly op: () => Promise<void>;
  readonly notifications: Notification[];
}

/** The queue keys of batches of latest states start with this (no alert id does). */
const BATCH_KEY = '\u0000batch ';

/**
 * The alert stage's writes, one at a time, at most one waiting per alert: a later write of an
 * alert replaces its waiting one (each saves the alert's whole state, or deletes it), and the
 * notifications of both go out after it. So a storm of transitions waits as one write per alert
 * rather than as an ever longer chain, and a turn of the event loop passes between writes: timers
 * (health, stop deadlines) still run while thousands wait, or while a closed pool refuses each
 * at once.
 *
 * The periodic saves of open alerts' latest values go out together: one batch waits in the queue
 * at a time, and a save joins it (or starts it) unless its alert has a write of its own waiting,
 * which it then replaces. A batch is saved by `saveBatch` (one statement for many alerts), so a
 * thousand open alerts cost one write every sync rather than a thousand.
 */
export class AlertWrites<T> {
  readonly #pending = new Map<string, PendingWrite>();
  /** The batch waiting in the queue (not yet started), by alert id. */
  #batch: Map<string, T> | null = null;
  #running: Promise<void> | null = null;
  #replaced = 0;
  #batches = 0;

  constructor(
    private readonly failed: (err: unknown) => void,
    private readonly publish: (n: Notification) => void,
    private readonly saveBatch: (items: readonly T[]) => Promise<void>,
  ) {}

  /** Queues a write of one alert, and what to publish once it is done (even if it failed). */
  add(alertId: string, op: () => Promise<void>, notifications: readonly Notification[]): void {
    const waiting = this.#pending.get(alertId);
    if (waiting) this.#replaced++;
    this.#pending.set(alertId, { op, notifications: waiting ? [...waiting.notifications, ...notifications] : [...notifications] });
    this.#start();
  }

  /**
   * Queues the latest state of an open alert, to go out in the waiting batch. An alert with a
   * write of its own waiting has it replaced by `alone` instead, so that its writes stay in order.
   */
  saveLatest(alertId: string, item: T, alone: () => Promise<void>): void {
    if (this.#pending.has(alertId)) {
      this.add(alertId, alone, []);
      return;
    }
    let batch = this.#batch;
    if (batch === null) {
      const items = (batch = this.#batch = new Map<string, T>());
      this.#batches++;
      const op = async () => {
        // Saves made in the same turn (a sync hands out every open alert at once) join it first.
        await Promise.resolve();
        if (this.#batch === items) this.#batch = null;
        await this.saveBatch([...items.values()]);
      };
      // A batch key of its own per batch: one that started may still run while the next waits.
      this.#pending.set(`${BATCH_KEY}${this.#batches}`, { op, notifications: [] });
    } else if (batch.has(alertId)) this.#replaced++;
    batch.set(alertId, item);
    this.#start();
  }

  #start(): void {
    this.#running ??= this.#run().finally(() => {
      this.#running = null;
      // A write added after the run found nothing left, but before this ran, starts a new one.
      if (this.#pending.size > 0) this.#start();
    });
  }

  async #run(): Promise<void> {
    for (;;) {
      const next = this.#pending.entries().next();
      if (next.done) return;
      const [key, w] = next.value;
      this.#pending.delete(key);
      try {
        await w.op();
      } catch (err) {
        this.failed(err);
      }
      for (const n of w.notifications) this.publish(n);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** Resolves when every write queued so far (and any queued meanwhile) is done. */
  async flushed(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** Alerts with a write waiting (their own, or in the waiting batch), writes replaced by a later one of the same alert, and batches queued. */
  stats(): { waiting: number; replaced: number; batches: number } {
    const batched = this.#batch?.size ?? 0;
    return { waiting: this.#pending.size - (this.#batch ? 1 : 0) + batched, replaced: this.#replaced, batches: this.#batches };
  }
}
