import type { Logger } from 'pino';
import { replyJson, type Bus, type BusMessage } from '../bus/bus.js';
import type { DurableSourceStatus, JetStreamSource } from '../bus/jetstream-source.js';
import { ENGINE_QUEUE, SUBJECTS } from '../wire/subjects.js';
import type { MetricSnapshot } from '../model/snapshot.js';
import type { MetricWriter } from '../store/metric-writer.js';
import { createSnapshotDecoder, type DecodeLimits, type DecodeResult } from './decode-snapshots.js';
import type { CardinalityGuard } from './cardinality-guard.js';
import type { InvalidMessageReporter } from '../bus/invalid-messages.js';
import { RecentMessages, messageKey } from './recent-messages.js';
import { StreamIngest, type StreamIngestStats } from './stream-ingest.js';
import { INBOUND_LIMITS } from '../wire/inbound-limits.js';
import { checkJsonLimits } from '../wire/json-limits.js';

/** Receives every accepted snapshot (after validation, before commit), e.g. for detection. */
export type SnapshotListener = (snapshots: readonly MetricSnapshot[]) => void;

/** How messages that nobody waits for are taken: from JetStream, or from the subscription alone. */
export interface DurableIngestOptions {
  /** The ingest stream's consumer; null to take everything from the subscription (in-process bus, `off`). */
  readonly source: JetStreamSource | null;
  /** Refuse to start when the stream cannot be used, instead of falling back to the subscription. */
  readonly required: boolean;
  /** Writer room that messages from other agents leave to the engine's own collection. */
  readonly reserveSamples: number;
}

/** Counters of the ingest stage. */
export interface IngestStats {
  /** `jetstream`: messages come from the ingest stream, requests also from the subscription; `core`: all from the subscription. */
  readonly mode: 'jetstream' | 'core';
  /** Messages received (with JetStream: from the stream, where every message passes). */
  readonly messages: number;
  /** Requests taken from the subscription (with JetStream; their copies in the stream are joined). */
  readonly requests: number;
  readonly snapshots: number;
  readonly samples: number;
  readonly rejected: number;
  /** Requests answered `overloaded` (the writer was full). */
  readonly refused: number;
  /** Messages not queued again because the same message was being or had been stored (a request's copy in the stream included). */
  readonly duplicates: number;
  /** Sources and streams admitted by the cardinality limits (null without limits). */
  readonly cardinality: { readonly sources: number; readonly streams: number } | null;
  readonly stream: (StreamIngestStats & DurableSourceStatus) | null;
}

/**
 * The `monitoring.realtime_metrics` consumer: validate at the edge, queue for storage, and never
 * store a message twice. With JetStream, every message is taken from the ingest stream and
 * acknowledged once committed, while requests, which the stream cannot answer, are also taken from
 * the subscription and answered `{"ok": true, "samples": N}` once committed; the request and its
 * copy in the stream are stored once. Without JetStream, everything comes from the subscription.
 */
export class RealtimeIngest {
  #unsubscribe: (() => void) | null = null;
  #decode: ReturnType<typeof createSnapshotDecoder>;
  readonly #listeners: SnapshotListener[] = [];
  readonly #recent = new RecentMessages();
  #stream: StreamIngest | null = null;
  #stats = { messages: 0, snapshots: 0, samples: 0, rejected: 0, refused: 0, duplicates: 0 };

  constructor(
    private readonly bus: Bus,
    private readonly writer: MetricWriter,
    private readonly invalid: InvalidMessageReporter,
    private readonly log: Logger,
    limits: DecodeLimits,
    private readonly durable: DurableIngestOptions = { source: null, required: false, reserveSamples: 0 },
    /** Admits sources and streams up to the cardinality limits; null: unlimited (tests, tools). */
    private readonly cardinality: CardinalityGuard | null = null,
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

  /** Starts taking messages: from the ingest stream when there is one (see `DurableIngestOptions`), and the subscription. */
  async start(): Promise<void> {
    if (this.durable.required && !this.durable.source) {
      throw new Error('ingest_jetstream is "require" but the engine has no NATS connection (in-process bus)');
    }
    if (this.durable.source) await this.#startStream(this.durable.source);
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

  async #startStream(source: JetStreamSource): Promise<void> {
    const stream = new StreamIngest({
      writer: this.writer,
      recent: this.#recent,
      // Messages from the stream bypass the subscription's edge guard: the same bounds apply here.
      decode: (data) => {
        const over = checkJsonLimits(data, INBOUND_LIMITS.realtimeMetrics);
        return over ? { ok: false, rejection: over } : this.#decodeAdmitted(data);
      },
      invalid: this.invalid,
      log: this.log,
      subject: SUBJECTS.realtimeMetrics,
      reserveSamples: this.durable.reserveSamples,
      onAccepted: (s) => this.#notify(s),
    });
    try {
      await startWithRetries(() =>
        source.start(
          (m) => stream.handle(m),
          () => stream.canTake(),
        ),
      );
      this.#stream = stream;
      this.log.info({ stream: source.settings.stream, consumer: source.settings.consumer }, 'ingesting through JetStream');
    } catch (err) {
      if (this.durable.required) {
        throw new Error(`ingest_jetstream is "require" but the ingest stream cannot be used: ${String(err)}`, { cause: err });
      }
      this.log.error(
        { err: String(err), stream: source.settings.stream },
        'JetStream cannot be used: ingesting from the subscription alone (what is published while the engine is down is lost)',
      );
    }
  }

  /** Handles one message of the subscription (public for tests). */
  handle(msg: BusMessage): void {
    if (this.#stream && !msg.reply) return; // the ingest stream delivers it
    this.#stats.messages++;
    // Only the reply subject is kept until the commit: `msg.data` is a view of the socket read the
    // message came in, and holding it for the commit (0.3 s under load) kept every read alive.
    const reply = msg.reply;
    const key = messageKey(msg.data, msg.msgId);
    if (this.#recent.join(key, (samples, err) => this.#reply(reply, samples, err))) {
      this.#stats.duplicates++;
      return;
    }
    const result = this.#decodeAdmitted(msg.data);
    if (!result.ok) {
      this.#stats.rejected++;
      // With JetStream the stream path reports it: it sees the request's copy too.
      if (!this.#stream) this.invalid.report(msg.subject, result.rejection.code, result.rejection.message, msg.data);
      replyJson(this.bus, msg, { ok: false, error: { code: result.rejection.code, message: result.rejection.message } });
      return;
    }
    const { snapshots, samples } = result;
    const settle = this.#recent.begin(key, samples);
    const onCommit = (err?: Error) => {
      settle(err);
      this.#reply(reply, samples, err);
    };
    const opts = { reserveSamples: this.#stream ? this.durable.reserveSamples : 0, ...(msg.msgId ? { msgId: msg.msgId } : {}) };
    if (!this.writer.append(snapshots, onCommit, samples, opts)) {
      settle(new Error('refused'));
      this.#stats.refused++;
      replyJson(this.bus, msg, {
        ok: false,
        error: { code: 'overloaded', message: 'the engine is writing too far behind; retry later' },
      });
      return;
    }
    this.#stats.snapshots += snapshots.length;
    this.#stats.samples += samples;
    this.#notify(snapshots);
  }

  /** Decodes a message and admits its sources and streams (cardinality limits): rejected whole when either says no. */
  #decodeAdmitted(data: Uint8Array): DecodeResult {
    const result = this.#decode(data);
    const guard = this.cardinality;
    if (!result.ok || !guard) return result;
    const refused = guard.admit(result.snapshots);
    return refused ? { ok: false, rejection: refused } : result;
  }

  #reply(reply: string | undefined, samples: number, err?: Error): void {
    replyJson(this.bus, { reply }, err ? { ok: false, error: { code: 'store_failed', message: err.message } } : { ok: true, samples });
  }

  #notify(snapshots: readonly MetricSnapshot[]): void {
    for (const l of this.#listeners) {
      try {
        l(snapshots);
      } catch (err) {
        this.log.error({ err }, 'snapshot listener failed');
      }
    }
  }

  /** Counters of both paths, each message counted once. */
  stats(): IngestStats {
    const core = this.#stats;
    const source = this.durable.source;
    const st = this.#stream && source ? { ...this.#stream.stats(), ...source.status() } : null;
    return {
      mode: st ? 'jetstream' : 'core',
      messages: st ? st.messages : core.messages,
      requests: st ? core.messages : 0,
      snapshots: core.snapshots + (st?.snapshots ?? 0),
      samples: core.samples + (st?.samples ?? 0),
      rejected: st ? st.rejected : core.rejected,
      refused: core.refused,
      duplicates: core.duplicates + (st?.duplicates ?? 0),
      cardinality: this.cardinality?.size ?? null,
      stream: st,
    };
  }

  /** Readiness: with JetStream, the last pull of the stream must have worked. */
  health(): { ready: boolean; detail: IngestStats } {
    const s = this.stats();
    return { ready: s.stream === null || s.stream.consuming, detail: s };
  }

  /** Stops taking messages; held ones go back to JetStream. The writer then commits (and acknowledges) what it holds. */
  async stop(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    await this.durable.source?.stop();
    this.#stream?.stop();
  }
}

/** Attempts before the ingest stream is given up on at start (JetStream may still be starting). */
const START_ATTEMPTS = 3;

/** Runs `start`, trying again a second later, unless the server says it has no JetStream at all. */
async function startWithRetries(start: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt >= START_ATTEMPTS || (err as Error).name === 'JetStreamNotEnabled') throw err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}
