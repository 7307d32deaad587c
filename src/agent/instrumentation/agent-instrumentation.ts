import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Component } from '../../lifecycle/component.js';
import type { DbPool, PoolStats } from '../../store/db.js';
import { agentMetrics } from './agent-metrics.js';
import { poolMetrics } from './pool-metrics.js';
import { RuntimeSampler } from './runtime-sampler.js';
import { DEFAULT_TIMED_PER_SECOND, WorkStats } from './work-stats.js';

/** A snapshot in the wire shape of `monitoring.realtime_metrics`. */
export interface AgentSnapshotWire {
  readonly source: string;
  readonly host: string;
  readonly timestamp: string;
  readonly metrics: Record<string, number>;
  readonly labels?: Record<string, string>;
}

/** Options of the built-in instrumentation. */
export interface InstrumentationOptions {
  /** The source name of the snapshots: the agent id. */
  readonly source: string;
  readonly host: string;
  readonly intervalMs: number;
  /** Whether the agent has a database (else `db_query_p95_ms` is never sent). */
  readonly hasDb: boolean;
  /** The database's connection pool, once open, when it has one: `db_pool_*` metrics. */
  readonly pool?: () => DbPool | undefined;
  /** Labels to put on each snapshot, read at each publication. */
  readonly labels: () => Readonly<Record<string, string>>;
  /** Sends one snapshot. */
  readonly publish: (snapshot: AgentSnapshotWire) => void;
  readonly log: Logger;
  /** Handler calls (and queries) timed per second once they are many; default 256 (see `WorkStats`). */
  readonly timedCallsPerSecond?: number;
}

/** Shortest tail interval worth a last snapshot on stop, ms. */
const MIN_FINAL_INTERVAL_MS = 1000;

/**
 * The agent's built-in instrumentation: holds the handler and query counters the SDK feeds, reads
 * the runtime every interval and publishes one snapshot with the fixed metric names. The timer is
 * unref'd; on stop, a last snapshot covers the tail of the run.
 */
export class AgentInstrumentation implements Component {
  readonly name = 'instrumentation';
  readonly handlers: WorkStats;
  readonly queries: WorkStats;
  readonly #sampler = new RuntimeSampler();
  #timer: NodeJS.Timeout | null = null;
  #lastAt = performance.now();
  #published = 0;
  #pool: PoolStats | undefined;

  constructor(private readonly opts: InstrumentationOptions) {
    const now = performance.now();
    const timed = opts.timedCallsPerSecond ?? DEFAULT_TIMED_PER_SECOND;
    this.handlers = new WorkStats(now, undefined, timed);
    this.queries = new WorkStats(now, undefined, timed);
  }

  start(): void {
    const now = performance.now();
    this.#sampler.start();
    this.handlers.drain(now);
    this.queries.drain(now);
    this.#pool = this.opts.pool?.()?.stats();
    this.#lastAt = now;
    this.#timer = setInterval(() => this.publishNow(), this.opts.intervalMs);
    this.#timer.unref();
  }

  /** Readiness detail: snapshots published, and how GC pauses are timed (`clock` or `sampled`, see gc-pauses.ts). */
  health(): { ready: boolean; detail: { published: number; gc_pauses: 'clock' | 'sampled' | 'stopped' } } {
    return { ready: true, detail: { published: this.#published, gc_pauses: this.#sampler.gcMethod ?? 'stopped' } };
  }

  /** Snapshots published so far. */
  get published(): number {
    return this.#published;
  }

  /** Builds the snapshot of the interval that ends now and starts the next one. */
  collect(): AgentSnapshotWire {
    const now = performance.now();
    const elapsedMs = now - this.#lastAt;
    this.#lastAt = now;
    const metrics = agentMetrics(this.#sampler.read(now), this.handlers.drain(now), this.opts.hasDb ? this.queries.drain(now) : null);
    const pool = this.opts.pool?.()?.stats();
    if (pool) Object.assign(metrics, poolMetrics(this.#pool, pool, elapsedMs));
    this.#pool = pool;
    const labels = this.opts.labels();
    return {
      source: this.opts.source,
      host: this.opts.host,
      timestamp: new Date().toISOString(),
      metrics,
      ...(Object.keys(labels).length > 0 ? { labels: { ...labels } } : {}),
    };
  }

  /** Collects and publishes one snapshot now. */
  publishNow(): void {
    try {
      this.opts.publish(this.collect());
      this.#published++;
    } catch (err) {
      this.opts.log.warn({ err }, 'could not publish the agent snapshot');
    }
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    if (performance.now() - this.#lastAt >= MIN_FINAL_INTERVAL_MS) this.publishNow();
    this.#sampler.stop();
  }
}
