import type { Logger } from 'pino';
import type { DurableMessage, DurableReceipt } from '../bus/jetstream-source.js';
import type { InvalidMessageReporter } from '../bus/invalid-messages.js';
import type { MetricSnapshot } from '../model/snapshot.js';
import { isTransient, type MetricWriter } from '../store/metric-writer.js';
import type { DecodeResult } from './decode-snapshots.js';
import { messageKey, type RecentMessages, type Settle } from './recent-messages.js';

/** What the stream path works with (shared with the request path). */
export interface StreamIngestDeps {
  readonly writer: MetricWriter;
  readonly recent: RecentMessages;
  readonly decode: (data: Uint8Array) => DecodeResult;
  readonly invalid: InvalidMessageReporter;
  readonly log: Logger;
  /** Subject named in invalid-message reports. */
  readonly subject: string;
  /** Writer room left for the engine's own collection. */
  readonly reserveSamples: number;
  /** Receives the snapshots of every message taken. */
  readonly onAccepted: (snapshots: readonly MetricSnapshot[]) => void;
}

/** Counters of the stream path. */
export interface StreamIngestStats {
  readonly messages: number;
  /** Messages delivered before (to a killed engine, or whose acknowledgement was lost). */
  readonly redelivered: number;
  readonly snapshots: number;
  readonly samples: number;
  readonly rejected: number;
  /** Messages already stored or being stored (acknowledged without a second write). */
  readonly duplicates: number;
  /** Decoded messages waiting for room in the writer (no more is pulled meanwhile). */
  readonly held: number;
  readonly acked: number;
  /** Handed back to JetStream: their write failed or the engine stopped before it. */
  readonly handedBack: number;
}

interface Taken {
  readonly m: DurableReceipt;
  readonly snapshots: MetricSnapshot[];
  readonly samples: number;
  readonly settle: Settle;
}

const RETRY_HELD_MS = 20;
const HAND_BACK_DELAY_MS = 1000;

/**
 * The JetStream path of `monitoring.realtime_metrics`: every message is decoded, queued for the
 * writer and acknowledged only once its samples are committed. A message the writer has no room
 * for is held, and nothing more is pulled until the writer takes it (`canTake`), so that past the
 * bound JetStream keeps the messages. A message that comes again joins the first one's outcome.
 */
export class StreamIngest {
  readonly #held: Taken[] = [];
  #timer: NodeJS.Timeout | null = null;
  #stats = { messages: 0, redelivered: 0, snapshots: 0, samples: 0, rejected: 0, duplicates: 0, acked: 0, handedBack: 0 };

  constructor(private readonly deps: StreamIngestDeps) {}

  /** Handles one delivered message. */
  handle(message: DurableMessage): void {
    // Kept until the commit: the receipt, not the message's bytes (a view of a whole socket read).
    const { data, ...m } = message;
    this.#stats.messages++;
    if (m.redelivered) this.#stats.redelivered++;
    const { recent, decode, invalid, subject } = this.deps;
    const key = messageKey(data, m.msgId);
    if (recent.join(key, (_n, err) => this.#finish(m, err))) {
      this.#stats.duplicates++;
      return;
    }
    const result = decode(data);
    if (!result.ok) {
      this.#stats.rejected++;
      if (!m.redelivered) invalid.report(subject, result.rejection.code, result.rejection.message, data);
      m.term();
      return;
    }
    const taken: Taken = { m, snapshots: result.snapshots, samples: result.samples, settle: recent.begin(key, result.samples) };
    if (this.#held.length > 0 || !this.#append(taken)) this.#hold(taken);
  }

  /** True when nothing waits for the writer: the source may pull more. */
  canTake(): boolean {
    return this.#held.length === 0;
  }

  #append(t: Taken): boolean {
    const { writer, reserveSamples } = this.deps;
    const onCommit = (err?: Error) => {
      t.settle(err);
      this.#finish(t.m, err);
    };
    const opts = { reserveSamples, maybeStored: t.m.redelivered, ...(t.m.msgId !== undefined ? { msgId: t.m.msgId } : {}) };
    if (!writer.append(t.snapshots, onCommit, t.samples, opts)) return false;
    this.#stats.snapshots += t.snapshots.length;
    this.#stats.samples += t.samples;
    this.deps.onAccepted(t.snapshots);
    return true;
  }

  /** Acknowledges a stored message; hands back one whose write failed for now; drops one the database refuses. */
  #finish(m: DurableReceipt, err?: Error): void {
    if (!err) {
      this.#stats.acked++;
      m.ack();
    } else if (isTransient(err)) {
      this.#stats.handedBack++;
      m.nak(HAND_BACK_DELAY_MS);
    } else {
      this.deps.log.error({ err: String(err) }, 'the database refused a message: dropped from the stream');
      m.term();
    }
  }

  #hold(t: Taken): void {
    this.#held.push(t);
    this.#timer ??= setInterval(() => this.#retryHeld(), RETRY_HELD_MS);
    this.#timer.unref();
  }

  #retryHeld(): void {
    while (this.#held.length > 0 && this.#append(this.#held[0]!)) this.#held.shift();
    if (this.#held.length === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }

  /** Counters of the stream path. */
  stats(): StreamIngestStats {
    return { ...this.#stats, held: this.#held.length };
  }

  /** Hands every held message back to JetStream (another engine, or this one after a restart, takes it). */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    const stopping = Object.assign(new Error('engine stopping'), { code: 'ESTOPPING' });
    for (const t of this.#held.splice(0)) {
      t.settle(stopping);
      this.#finish(t.m, stopping);
    }
  }
}
