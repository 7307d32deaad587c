import type { Logger } from 'pino';
import { replyJson, type Bus, type BusMessage } from '../bus/bus.js';
import { ENGINE_QUEUE, SUBJECTS } from '../wire/subjects.js';
import type { MetricSnapshot } from '../model/snapshot.js';
import type { MetricWriter } from '../store/metric-writer.js';
import { createSnapshotDecoder, type DecodeLimits } from './decode-snapshots.js';
import type { InvalidMessageReporter } from '../bus/invalid-messages.js';
import { INBOUND_LIMITS } from '../wire/inbound-limits.js';

/** Receives every accepted snapshot (after validation, before commit), e.g. for detection. */
export type SnapshotListener = (snapshots: readonly MetricSnapshot[]) => void;

/** Counters of the ingest stage. */
export interface IngestStats {
  readonly messages: number;
  readonly snapshots: number;
  readonly samples: number;
  readonly rejected: number;
  readonly refused: number;
}

/**
 * The `monitoring.realtime_metrics` subscriber: validate at the edge, queue for storage, and
 * reply `{"ok": true, "samples": N}` only once those samples are committed.
 */
export class RealtimeIngest {
  #unsubscribe: (() => void) | null = null;
  #decode: ReturnType<typeof createSnapshotDecoder>;
  readonly #listeners: SnapshotListener[] = [];
  #stats = { messages: 0, snapshots: 0, samples: 0, rejected: 0, refused: 0 };

  constructor(
    private readonly bus: Bus,
    private readonly writer: MetricWriter,
    private readonly invalid: InvalidMessageReporter,
    private readonly log: Logger,
    limits: DecodeLimits,
  ) {
    this.#decode = createSnapshotDecoder(limits);
  }

  /** Applies new limits (live configuration). */
  setLimits(limits: DecodeLimits): void {
    this.#decode = createSnapshotDecoder(limits);
  }

  /** Adds a listener of accepted snapshots. */
  onSnapshots(listener: SnapshotListener): void {
    this.#listeners.push(listener);
  }

  start(): void {
    this.#unsubscribe = this.bus.subscribe(SUBJECTS.realtimeMetrics, (m) => this.handle(m), {
      queue: ENGINE_QUEUE,
      limits: INBOUND_LIMITS.realtimeMetrics,
      onRefused: (m, code, reason) => this.#refuse(m, code, reason),
    });
  }

  /** A message the bus edge refused (over a size, depth or key limit): rejected like any invalid one. */
  #refuse(msg: BusMessage, code: string, reason: string): void {
    this.#stats.messages++;
    this.#stats.rejected++;
    this.invalid.report(msg.subject, code, reason, msg.data);
    replyJson(this.bus, msg, { ok: false, error: { code, message: reason } });
  }

  /** Handles one inbound message (public for tests and the local collector). */
  handle(msg: BusMessage): void {
    this.#stats.messages++;
    const result = this.#decode(msg.data);
    if (!result.ok) {
      this.#stats.rejected++;
      this.invalid.report(msg.subject, result.rejection.code, result.rejection.message, msg.data);
      replyJson(this.bus, msg, { ok: false, error: { code: result.rejection.code, message: result.rejection.message } });
      return;
    }
    const { snapshots, samples } = result;
    const onCommit = msg.reply
      ? (err?: Error) =>
          replyJson(
            this.bus,
            msg,
            err ? { ok: false, error: { code: 'store_failed', message: err.message } } : { ok: true, samples },
          )
      : undefined;
    if (!this.writer.append(snapshots, onCommit, samples)) {
      this.#stats.refused++;
      replyJson(this.bus, msg, {
        ok: false,
        error: { code: 'overloaded', message: 'the engine is writing too far behind; retry later' },
      });
      return;
    }
    this.#stats.snapshots += snapshots.length;
    this.#stats.samples += samples;
    for (const l of this.#listeners) {
      try {
        l(snapshots);
      } catch (err) {
        this.log.error({ err }, 'snapshot listener failed');
      }
    }
  }

  stats(): IngestStats {
    return { ...this.#stats };
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
  }
}
