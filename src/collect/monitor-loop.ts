import type { Logger } from 'pino';
import type { MetricSnapshot } from '../model/snapshot.js';
import type { Collector } from './collector.js';

/** Receives each tick's snapshots. */
export type TickSink = (snapshots: readonly MetricSnapshot[]) => void;

/** State of the loop, for status reports. */
export interface MonitorStatus {
  readonly intervalSeconds: number;
  readonly ticks: number;
  readonly skippedTicks: number;
  readonly lastTickAt: string | null;
  readonly lastTickMs: number | null;
  readonly lastSnapshots: number;
  readonly errors: Readonly<Record<string, string>>;
}

/**
 * Runs every collector once per interval, on ticks aligned to multiples of the interval (like
 * Prometheus scrapes), never overlapping a slow tick with the next. A new interval reschedules at
 * once. Each collector is isolated: one failing does not stop the others.
 */
export class MonitorLoop {
  readonly name = 'monitor';
  #intervalMs: number;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #stopped = true;
  #ticks = 0;
  #skipped = 0;
  #lastTickAt: number | null = null;
  #lastTickMs: number | null = null;
  #lastSnapshots = 0;
  readonly #errors: Record<string, string> = {};

  constructor(
    private collectors: readonly Collector[],
    private readonly sink: TickSink,
    intervalSeconds: number,
    private readonly log: Logger,
  ) {
    this.#intervalMs = intervalSeconds * 1000;
  }

  start(): void {
    this.#stopped = false;
    void this.tick();
    this.#schedule();
  }

  /** Replaces the collectors (e.g. new process patterns); takes effect at the next tick. */
  setCollectors(collectors: readonly Collector[]): void {
    const old = this.collectors;
    this.collectors = collectors;
    for (const c of old) if (!collectors.includes(c)) c.close?.();
  }

  /** Changes the interval; the next tick is rescheduled at once on the new grid. */
  setInterval(seconds: number): void {
    this.#intervalMs = seconds * 1000;
    if (!this.#stopped) this.#schedule();
  }

  #schedule(): void {
    if (this.#timer) clearTimeout(this.#timer);
    const now = Date.now();
    const next = Math.floor(now / this.#intervalMs) * this.#intervalMs + this.#intervalMs;
    this.#timer = setTimeout(() => {
      void this.tick();
      this.#schedule();
    }, next - now);
    this.#timer.unref();
  }

  /** Collects once now (skipped when the previous tick is still running). */
  async tick(): Promise<void> {
    if (this.#running) {
      this.#skipped++;
      return;
    }
    this.#running = this.#collect().finally(() => {
      this.#running = null;
    });
    await this.#running;
  }

  async #collect(): Promise<void> {
    const started = performance.now();
    const now = Date.now();
    const results = await Promise.allSettled(this.collectors.map((c) => c.collect(now)));
    const snapshots: MetricSnapshot[] = [];
    results.forEach((r, i) => {
      const name = this.collectors[i]!.name;
      if (r.status === 'fulfilled') {
        snapshots.push(...r.value);
        delete this.#errors[name];
      } else {
        const message = r.reason instanceof Error ? r.reason.message : String(r.reason);
        if (this.#errors[name] !== message) this.log.error({ collector: name, err: r.reason }, 'collector failed');
        this.#errors[name] = message;
      }
    });
    this.#ticks++;
    this.#lastTickAt = now;
    this.#lastTickMs = performance.now() - started;
    this.#lastSnapshots = snapshots.length;
    if (snapshots.length > 0) this.sink(snapshots);
  }

  status(): MonitorStatus {
    return {
      intervalSeconds: this.#intervalMs / 1000,
      ticks: this.#ticks,
      skippedTicks: this.#skipped,
      lastTickAt: this.#lastTickAt === null ? null : new Date(this.#lastTickAt).toISOString(),
      lastTickMs: this.#lastTickMs,
      lastSnapshots: this.#lastSnapshots,
      errors: { ...this.#errors },
    };
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running;
    for (const c of this.collectors) c.close?.();
  }
}
