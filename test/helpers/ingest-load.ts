import type { NatsConnection } from '@nats-io/transport-node';
import type { Db } from '../../src/store/db.js';

/** What the publishers sent and what was acknowledged, in snapshots (each a distinct source and time). */
export interface LoadCounts {
  /** Snapshots published fire-and-forget (distinct; repeats not counted). */
  readonly fired: number;
  /** Fire-and-forget messages sent a second time with the same bytes. */
  readonly repeated: number;
  /** Snapshots sent in requests (distinct; each retry resends the same bytes). */
  readonly requested: number;
  /** Snapshots of requests answered `{"ok": true}`. */
  readonly acknowledged: number;
  /** Requests sent again after a timeout or an error reply. */
  readonly retries: number;
}

/** Settings of the load. */
export interface LoadOptions {
  /** Source names start with this, so the test can count what it stored. */
  readonly prefix: string;
  /** Fire-and-forget messages per second (each a batch of `perMessage` snapshots). */
  readonly firePerSecond: number;
  readonly perMessage: number;
  /** Publishers that send requests one after the other, retrying each until answered ok. */
  readonly requesters: number;
  readonly requestTimeoutMs: number;
  /** Every n-th fire-and-forget message is sent twice (0: never). */
  readonly repeatEvery: number;
}

const T0 = Date.now() - 600_000;
const enc = new TextEncoder();

/**
 * Publishers of `monitoring.realtime_metrics` as other agents would be: plain core-NATS
 * publications and requests (with retries of the same bytes after a timeout). Every snapshot has
 * a source and time of its own, so "stored once" is one row per (source, time).
 */
export class IngestLoad {
  #seq = 0;
  #stopped = false;
  #timer: NodeJS.Timeout | null = null;
  readonly #requesters: Promise<void>[] = [];
  #counts = { fired: 0, repeated: 0, requested: 0, acknowledged: 0, retries: 0 };

  constructor(
    private readonly nc: NatsConnection,
    private readonly subject: string,
    private readonly opts: LoadOptions,
  ) {}

  #batch(kind: string): Uint8Array {
    const snaps = [];
    for (let i = 0; i < this.opts.perMessage; i++) {
      const seq = this.#seq++;
      snaps.push({ source: `${this.opts.prefix}-${kind}-${seq % 8}`, timestamp: T0 + seq, metrics: { v: seq, w: seq / 4 } });
    }
    return enc.encode(JSON.stringify(snaps));
  }

  start(): void {
    let n = 0;
    const everyMs = 1000 / this.opts.firePerSecond;
    const t0 = Date.now();
    this.#timer = setInterval(() => {
      const due = Math.floor((Date.now() - t0) / everyMs);
      while (n < due && !this.#stopped) {
        n++;
        if (this.nc.isClosed()) return;
        const data = this.#batch('f');
        this.nc.publish(this.subject, data);
        this.#counts.fired += this.opts.perMessage;
        if (this.opts.repeatEvery > 0 && n % this.opts.repeatEvery === 0) {
          this.nc.publish(this.subject, data);
          this.#counts.repeated++;
        }
      }
    }, 10);
    for (let r = 0; r < this.opts.requesters; r++) this.#requesters.push(this.#requester());
  }

  async #requester(): Promise<void> {
    while (!this.#stopped && !this.nc.isClosed()) {
      const data = this.#batch('r');
      this.#counts.requested += this.opts.perMessage;
      for (let attempt = 0; !this.#stopped && !this.nc.isClosed(); attempt++) {
        if (attempt > 0) this.#counts.retries++;
        try {
          const reply = await this.nc.request(this.subject, data, { timeout: this.opts.requestTimeoutMs });
          if ((reply.json() as { ok: boolean }).ok) {
            this.#counts.acknowledged += this.opts.perMessage;
            break;
          }
        } catch {
          // timeout or no responders: send the same bytes again
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** Stops publishing and makes sure the server has everything that was published. */
  async stop(): Promise<LoadCounts> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    await Promise.all(this.#requesters);
    await this.nc.flush();
    return this.counts();
  }

  counts(): LoadCounts {
    return { ...this.#counts };
  }
}

/** Stored snapshots of sources starting with `prefix`: rows, and distinct (source, time) among them. */
export async function storedByPrefix(db: Pick<Db, 'query'>, prefix: string): Promise<{ rows: number; distinct: number }> {
  const r = await db.query<{ rows: number; distinct: number }>(
    `SELECT count(*)::int AS rows, count(DISTINCT (st.source, s.ts))::int AS distinct
     FROM metric_snapshots s JOIN metric_streams st ON st.id = s.stream_id WHERE st.source LIKE $1`,
    [`${prefix}-%`],
  );
  return r.rows[0]!;
}
