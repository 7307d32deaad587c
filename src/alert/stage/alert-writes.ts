import type { Notification } from '../notification-queue.js';

interface PendingWrite {
  readonly op: () => Promise<void>;
  readonly notifications: Notification[];
}

/**
 * The alert stage's writes, one at a time, at most one waiting per alert: a later write of an
 * alert replaces its waiting one (each saves the alert's whole state, or deletes it), and the
 * notifications of both go out after it. So a storm of transitions waits as one write per alert
 * rather than as an ever longer chain, and a turn of the event loop passes between writes: timers
 * (health, stop deadlines) still run while thousands wait, or while a closed pool refuses each
 * at once.
 */
export class AlertWrites {
  readonly #pending = new Map<string, PendingWrite>();
  #running: Promise<void> | null = null;
  #replaced = 0;

  constructor(
    private readonly failed: (err: unknown) => void,
    private readonly publish: (n: Notification) => void,
  ) {}

  /** Queues a write of one alert, and what to publish once it is done (even if it failed). */
  add(alertId: string, op: () => Promise<void>, notifications: readonly Notification[]): void {
    const waiting = this.#pending.get(alertId);
    if (waiting) this.#replaced++;
    this.#pending.set(alertId, { op, notifications: waiting ? [...waiting.notifications, ...notifications] : [...notifications] });
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
      const [alertId, w] = next.value;
      this.#pending.delete(alertId);
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

  /** Alerts with a write waiting, and writes replaced by a later one of the same alert. */
  stats(): { waiting: number; replaced: number } {
    return { waiting: this.#pending.size, replaced: this.#replaced };
  }
}
