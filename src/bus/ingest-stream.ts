import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  ReplayPolicy,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { Logger } from 'pino';

/** The JetStream stream that captures inbound metrics, and the engines' durable consumer of it. */
export interface IngestStreamSettings {
  /** The subject captured, with the subject prefix. */
  readonly subject: string;
  readonly stream: string;
  /** Durable consumer name: one per engine group (engines of a group share its messages). */
  readonly consumer: string;
  readonly maxAgeSeconds: number;
  readonly maxBytes: number;
  readonly replicas: number;
  /** A delivered message not acknowledged (nor kept alive) this long is delivered again. */
  readonly ackWaitSeconds: number;
  /** Most messages delivered and not yet acknowledged, across the group. */
  readonly maxUnacked: number;
}

/** JetStream's own deduplication window on `Nats-Msg-Id` (its default), capped by the age limit. */
const DUPLICATE_WINDOW_MS = 120_000;

/**
 * The stream's settings. `no_ack`: a request captured by the stream gets no PubAck from JetStream,
 * so the requester's one reply is the engine's, sent after the commit. `discard: old`: past its
 * limits the stream drops its oldest messages (fresh metrics are worth more than stale ones).
 */
export function ingestStreamConfig(s: IngestStreamSettings): Partial<StreamConfig> & { name: string } {
  return {
    name: s.stream,
    subjects: [s.subject],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    no_ack: true,
    max_age: nanos(s.maxAgeSeconds * 1000),
    max_bytes: s.maxBytes,
    num_replicas: s.replicas,
    duplicate_window: nanos(Math.min(DUPLICATE_WINDOW_MS, s.maxAgeSeconds * 1000)),
  };
}

/** The consumer's settings: explicit acks, never given up on (max_deliver -1), from the stream's start. */
export function ingestConsumerConfig(s: IngestStreamSettings): Partial<ConsumerConfig> & { durable_name: string } {
  return {
    durable_name: s.consumer,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    replay_policy: ReplayPolicy.Instant,
    filter_subject: s.subject,
    ack_wait: nanos(s.ackWaitSeconds * 1000),
    max_ack_pending: s.maxUnacked,
    max_deliver: -1,
  };
}

function isNotFound(err: unknown, code: number): boolean {
  return err instanceof JetStreamApiError && err.code === code;
}

/** Names of the keys of `wanted` whose value differs in `current`. */
function changed(wanted: object, current: object): string[] {
  const cur = current as Record<string, unknown>;
  return Object.entries(wanted)
    .filter(([k, v]) => JSON.stringify(cur[k]) !== JSON.stringify(v))
    .map(([k]) => k);
}

/**
 * Creates the stream and the consumer, or checks them: a stream of that name that does not
 * capture the subject is an error; limits and acknowledgement settings that differ from the
 * configuration are updated (the configuration is the reference; every engine of a group applies
 * the same).
 */
export async function ensureIngestStream(jsm: JetStreamManager, s: IngestStreamSettings, log: Logger): Promise<void> {
  const wanted = ingestStreamConfig(s);
  try {
    const info = await jsm.streams.info(s.stream);
    if (!info.config.subjects?.includes(s.subject)) {
      throw new Error(
        `JetStream stream ${s.stream} exists but captures ${JSON.stringify(info.config.subjects ?? [])}, not ${s.subject}`,
      );
    }
    const { name: _name, subjects: _subjects, retention: _retention, storage: _storage, ...mutable } = wanted;
    const diff = changed(mutable, info.config);
    if (diff.length > 0) {
      await jsm.streams.update(s.stream, { ...info.config, ...mutable });
      log.info({ stream: s.stream, changed: diff }, 'ingest stream settings updated');
    }
  } catch (err) {
    if (!isNotFound(err, JetStreamApiCodes.StreamNotFound)) throw err;
    await jsm.streams.add(wanted);
    log.info({ stream: s.stream, subject: s.subject }, 'ingest stream created');
  }
  const consumer = ingestConsumerConfig(s);
  try {
    const info = await jsm.consumers.info(s.stream, s.consumer);
    const { ack_wait, max_ack_pending, max_deliver } = consumer;
    const diff = changed({ ack_wait, max_ack_pending, max_deliver }, info.config);
    if (diff.length > 0) {
      await jsm.consumers.update(s.stream, s.consumer, { ack_wait, max_ack_pending, max_deliver });
      log.info({ stream: s.stream, consumer: s.consumer, changed: diff }, 'ingest consumer settings updated');
    }
  } catch (err) {
    if (!isNotFound(err, JetStreamApiCodes.ConsumerNotFound)) throw err;
    await jsm.consumers.add(s.stream, consumer);
    log.info({ stream: s.stream, consumer: s.consumer }, 'ingest consumer created');
  }
}

/** The stream name of a subject prefix: the configured name after the prefix, dots made underscores. */
export function streamNameFor(prefix: string, name: string): string {
  return `${prefix.replace(/\./g, '_')}${name}`;
}
