import { Type } from '@sinclair/typebox';

const JS_NAME = '^[A-Za-z0-9_-]{1,64}$';

/** Keys of durable ingest and of publications held during NATS outages (README, docs/storage.md). */
export const DURABILITY_KEYS = {
  ingest_jetstream: Type.Union([Type.Literal('auto'), Type.Literal('require'), Type.Literal('off')], {
    description:
      'Take monitoring.realtime_metrics through a JetStream stream, acknowledged after commit, so that what is published while the engine is down is kept: auto (when the server has JetStream, else from the subscription alone, said in the log and /readyz), require (refuse to start without it) or off.',
  }),
  ingest_stream: Type.String({
    pattern: JS_NAME,
    description: 'Name of the JetStream stream that captures monitoring.realtime_metrics (after the subject prefix, dots made underscores); created, or checked and updated, at start.',
  }),
  ingest_consumer: Type.String({
    pattern: JS_NAME,
    description: 'Durable consumer of the ingest stream: engines with the same name share its messages (one engine group).',
  }),
  ingest_stream_max_age_seconds: Type.Integer({
    minimum: 60,
    maximum: 31536000,
    description: 'Messages older than this are dropped from the ingest stream, consumed or not.',
  }),
  ingest_stream_max_bytes: Type.Integer({
    minimum: 1048576,
    maximum: 1099511627776,
    description: 'Size of the ingest stream beyond which its oldest messages are dropped.',
  }),
  ingest_stream_replicas: Type.Integer({
    minimum: 1,
    maximum: 5,
    description: 'Replicas of the ingest stream in a NATS cluster.',
  }),
  ingest_ack_wait_seconds: Type.Integer({
    minimum: 2,
    maximum: 3600,
    description: 'A message delivered to an engine that neither acknowledges it nor reports working on it within this time (a killed engine) is delivered again.',
  }),
  ingest_max_unacked: Type.Integer({
    minimum: 1,
    maximum: 1000000,
    description: 'Most messages of the ingest stream delivered and not yet acknowledged (committed) at once, across the engine group.',
  }),
  nats_outbox_max_messages: Type.Integer({
    minimum: 0,
    maximum: 10000000,
    description: 'Publications held while NATS is disconnected, sent when it is back; beyond, the oldest are dropped (and counted).',
  }),
};

/** Defaults of the durability keys. */
export const DURABILITY_DEFAULTS = {
  ingest_jetstream: 'auto' as 'auto' | 'require' | 'off',
  ingest_stream: 'PERF_ENGINE_INGEST',
  ingest_consumer: 'performance_engine',
  ingest_stream_max_age_seconds: 86400,
  ingest_stream_max_bytes: 1073741824,
  ingest_stream_replicas: 1,
  ingest_ack_wait_seconds: 30,
  ingest_max_unacked: 20000,
  nats_outbox_max_messages: 10000,
};
