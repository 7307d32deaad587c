import type { Logger } from 'pino';
import type { Component } from './component.js';

/**
 * Ordered start and reverse stop of components: what started last stops first, each stop under a
 * timeout so one stuck component cannot hold the rest, and a failed start stops what had started.
 */
export class Lifecycle {
  readonly #components: Component[] = [];
  readonly #started: Component[] = [];
  #running = false;

  constructor(
    private readonly log: Logger,
    private readonly stopTimeoutMs = 15_000,
  ) {}

  /** True between a complete `start` and the next `stop`. */
  get running(): boolean {
    return this.#running;
  }

  /** The registered components, in start order. */
  get components(): readonly Component[] {
    return this.#components;
  }

  /** Registers a component; it starts on the next `start`. */
  use<C extends Component>(component: C): C {
    this.#components.push(component);
    return component;
  }

  /** Starts the components not yet started, in order; on a failure, stops what started and rethrows. */
  async start(): Promise<void> {
    try {
      for (const c of this.#components) {
        if (this.#started.includes(c)) continue;
        await c.start?.();
        this.#started.push(c);
        this.log.debug({ component: c.name }, 'started');
      }
      this.#running = true;
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Stops the started components in reverse order; a failing or stuck one is logged and passed over. */
  async stop(): Promise<void> {
    this.#running = false;
    for (const c of [...this.#started].reverse()) {
      try {
        await withTimeout(Promise.resolve(c.stop?.()), this.stopTimeoutMs, `${c.name} did not stop within ${this.stopTimeoutMs} ms`);
      } catch (err) {
        this.log.error({ err, component: c.name }, 'component failed to stop cleanly');
      }
    }
    this.#started.length = 0;
  }

  /** Readiness of every component that reports it: all ready, and the detail of each by name. */
  componentHealth(): { ready: boolean; components: Record<string, unknown> } {
    const components: Record<string, unknown> = {};
    let ready = true;
    for (const c of this.#components) {
      const h = c.health?.();
      if (!h) continue;
      components[c.name] = h.detail ?? h.ready;
      if (!h.ready) ready = false;
    }
    return { ready, components };
  }
}

/** Rejects with `message` when `p` has not settled within `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
      timer.unref();
    }),
  ]);
}

/** Stops gracefully on SIGINT/SIGTERM through `stop`; a second signal exits at once. Returns the remover. */
export function onStopSignals(log: Logger, stop: () => Promise<void>, onStopped: (code: number) => void): () => void {
  let count = 0;
  const handler = () => {
    count++;
    if (count > 1) {
      log.warn('second signal: exiting without waiting');
      onStopped(130);
      return;
    }
    log.info('stopping (signal)');
    stop().then(
      () => onStopped(0),
      () => onStopped(1),
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
