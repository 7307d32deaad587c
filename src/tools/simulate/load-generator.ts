import { LogHistogram } from '../../agent/instrumentation/log-histogram.js';
import { type Bus } from '../../bus/bus.js';
import { encodeJson } from '../../wire/json.js';
import { orderSubject } from './sim-protocol.js';

/** What the load generator did. */
export interface LoadStats {
  readonly sent: number;
  readonly ok: number;
  /** Replies with `ok: false`, by error code. */
  readonly failed: Readonly<Record<string, number>>;
  /** Requests without a reply in time (or with no responder). */
  readonly unanswered: number;
  /** Requests not sent because too many were waiting. */
  readonly skipped: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
}

const TICK_MS = 20;
const REQUEST_TIMEOUT_MS = 10_000;
const MAX_IN_FLIGHT = 5000;
const decoder = new TextDecoder();

/**
 * Sends order requests at `rate` per second in total, round-robin over the agents (each gets
 * rate/N), every 20 ms as many as are due, so the rate holds whatever the replies do. Requests
 * waiting beyond 5,000 are skipped and counted rather than queued without bound.
 */
export class LoadGenerator {
  readonly #latency = new LogHistogram();
  #timer: NodeJS.Timeout | null = null;
  #t0 = 0;
  #sent = 0;
  #ok = 0;
  #unanswered = 0;
  #skipped = 0;
  #inFlight = 0;
  #next = 0;
  readonly #failed: Record<string, number> = {};
  #drained: (() => void) | null = null;

  constructor(
    private readonly bus: Bus,
    private readonly agentIds: readonly string[],
    private readonly rate: number,
  ) {}

  start(): void {
    if (this.rate <= 0 || this.agentIds.length === 0) return;
    this.#t0 = performance.now();
    this.#timer = setInterval(() => this.#tick(), TICK_MS);
  }

  #tick(): void {
    const due = Math.floor(((performance.now() - this.#t0) / 1000) * this.rate) - this.#sent - this.#skipped;
    for (let i = 0; i < due; i++) {
      if (this.#inFlight >= MAX_IN_FLIGHT) {
        this.#skipped++;
        continue;
      }
      this.#send();
    }
  }

  #send(): void {
    const n = this.#sent++;
    const agent = this.agentIds[this.#next++ % this.agentIds.length]!;
    const items = Array.from({ length: 1 + (n % 8) }, (_, i) => ({ sku: `sku-${(n * 31 + i) % 997}`, qty: 1 + ((n + i) % 12), unit_price: 3.5 + ((n * 7 + i) % 200) }));
    const body = { order_id: n + 1, customer_id: (n * 7919) % 50_000, items };
    const t0 = performance.now();
    this.#inFlight++;
    this.bus.request(orderSubject(agent), encodeJson(body), REQUEST_TIMEOUT_MS).then(
      (m) => {
        this.#latency.record(performance.now() - t0);
        let reply: { ok?: boolean; error?: { code?: string } } = {};
        try {
          reply = JSON.parse(decoder.decode(m.data)) as typeof reply;
        } catch {
          reply = { ok: false, error: { code: 'bad_reply' } };
        }
        if (reply.ok === true) this.#ok++;
        else {
          const code = reply.error?.code ?? 'unknown';
          this.#failed[code] = (this.#failed[code] ?? 0) + 1;
        }
        this.#settle();
      },
      () => {
        this.#unanswered++;
        this.#settle();
      },
    );
  }

  #settle(): void {
    this.#inFlight--;
    if (this.#inFlight === 0 && this.#drained) this.#drained();
  }

  /** Counters so far. */
  stats(): LoadStats {
    return {
      sent: this.#sent,
      ok: this.#ok,
      failed: { ...this.#failed },
      unanswered: this.#unanswered,
      skipped: this.#skipped,
      p50Ms: Math.round(this.#latency.percentile(50) * 100) / 100,
      p95Ms: Math.round(this.#latency.percentile(95) * 100) / 100,
    };
  }

  /** Stops sending and waits up to `graceMs` for the replies still due. */
  async stop(graceMs = 2000): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    if (this.#inFlight === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, graceMs);
      this.#drained = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
